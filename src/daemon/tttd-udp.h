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
int tttd_udp_open (int family, const char *device, const TttdSockaddr *local, guint32 fwmark, GError **error);
/* the kernel may coalesce datagrams on receive (UDP_GRO); FALSE if not */
gboolean tttd_udp_enable_gro (int fd);
gboolean tttd_udp_local (int fd, TttdSockaddr *out);

/* datagrams received in one recvmmsg; with UDP GRO one message may hold
 * several datagrams of one size (the last one shorter) */
#define TTTD_RX_MESSAGES 16
#define TTTD_RX_BUFFER   65536

typedef struct {
  struct mmsghdr msgs[TTTD_RX_MESSAGES];
  struct iovec iov[TTTD_RX_MESSAGES];
  TttdSockaddr from[TTTD_RX_MESSAGES];
  guint8 *bufs[TTTD_RX_MESSAGES];
  guint8 ctrl[TTTD_RX_MESSAGES][64];
  guint segment[TTTD_RX_MESSAGES]; /* the datagram size of a coalesced message */
} TttdRxBatch;

void tttd_rx_batch_init (TttdRxBatch *batch);
void tttd_rx_batch_clear (TttdRxBatch *batch);
/* number of messages received, 0 when there is nothing (or an error) */
int tttd_rx_batch_recv (TttdRxBatch *batch, int fd);

/* datagrams queued for one socket and sent with sendmmsg */
typedef void (*TttdBufferRelease) (gpointer buf, gpointer user_data);

typedef struct {
  int fd;
  guint n;
  struct mmsghdr msgs[TTTD_BATCH];
  struct iovec iov[TTTD_BATCH];
  TttdSockaddr dest[TTTD_BATCH];
  gpointer bufs[TTTD_BATCH];
  TttdBufferRelease release;
  gpointer release_data;
  guint64 sent;
  guint64 dropped; /* the socket buffer was full, or the route gone */
  int last_errno;
  /* UDP GSO: runs of same-size datagrams to one place go as one send */
  gboolean gso;
  struct mmsghdr gso_msgs[TTTD_BATCH];
  guint gso_count[TTTD_BATCH];
  guint8 gso_ctrl[TTTD_BATCH][32];
} TttdTxQueue;

void tttd_tx_queue_init (TttdTxQueue *queue, int fd, TttdBufferRelease release, gpointer release_data);
/* buf is released after the send; returns FALSE when the queue is full
 * (flush, then queue again) */
gboolean tttd_tx_queue_add (TttdTxQueue *queue, const TttdSockaddr *dest, gpointer buf, const guint8 *data, gsize len);
void tttd_tx_queue_flush (TttdTxQueue *queue);

G_END_DECLS
