/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>
#include <sys/socket.h>

#include "tttd-addr.h"

G_BEGIN_DECLS

#define TTTD_BATCH 64

/* a non-blocking UDP socket; device binds it to one interface
 * (SO_BINDTODEVICE), local to an address and port (either may be NULL) */
int  tttd_udp_open (int family, const char *device, const TttdSockaddr *local,
                    guint32 fwmark, GError **error);
gboolean tttd_udp_local (int fd, TttdSockaddr *out);

/* datagrams received in one recvmmsg */
typedef struct {
  struct mmsghdr msgs[TTTD_BATCH];
  struct iovec   iov[TTTD_BATCH];
  TttdSockaddr   from[TTTD_BATCH];
  guint8        *bufs[TTTD_BATCH];
  gsize          buf_size;
} TttdRxBatch;

void tttd_rx_batch_init (TttdRxBatch *batch, gsize buf_size);
void tttd_rx_batch_clear (TttdRxBatch *batch);
/* number received, 0 when there is nothing (or an error, counted) */
int  tttd_rx_batch_recv (TttdRxBatch *batch, int fd);

/* datagrams queued for one socket and sent with sendmmsg */
typedef void (*TttdBufferRelease) (gpointer buf, gpointer user_data);

typedef struct {
  int               fd;
  guint             n;
  struct mmsghdr    msgs[TTTD_BATCH];
  struct iovec      iov[TTTD_BATCH];
  TttdSockaddr      dest[TTTD_BATCH];
  gpointer          bufs[TTTD_BATCH];
  TttdBufferRelease release;
  gpointer          release_data;
  guint64           sent;
  guint64           dropped;   /* the socket buffer was full, or the route gone */
  int               last_errno;
} TttdTxQueue;

void     tttd_tx_queue_init (TttdTxQueue *queue, int fd, TttdBufferRelease release, gpointer release_data);
/* buf is released after the send; returns FALSE when the queue is full
 * (flush, then queue again) */
gboolean tttd_tx_queue_add (TttdTxQueue *queue, const TttdSockaddr *dest, gpointer buf,
                            const guint8 *data, gsize len);
void     tttd_tx_queue_flush (TttdTxQueue *queue);

G_END_DECLS
