/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-health.h"
#include "tttd-packet.h"
#include "tttd-peer.h"
#include "tttd-pool.h"
#include "tttd-resend.h"
#include "tttd-udp.h"

G_BEGIN_DECLS

/* the send side, below the engine and the peers: it seals datagrams,
 * paces them onto their links and batches them into the sockets' send
 * queues.  It also holds what both directions share: the buffer pool and
 * the time of the batch being handled. */

/* the pacer's queue per path: its ring starts small and doubles up to this */
#define TTTD_PACE_SLOTS     2048
#define TTTD_PACE_MIN_SLOTS 32

struct _TttdTx {
  TttdPool pool;
  gsize buf_size;
  TttdHealthParams health;
  TttdTxQueue *dirty[64]; /* queues with datagrams not yet flushed */
  guint n_dirty;
  gint64 now_us;         /* the time of this batch */
  guint64 dropped;       /* datagrams the sockets could not take */
  GPtrArray *pacing;     /* peers with packets their pacers hold */
  TttdResend resend;     /* the last packets sent, for a link that dies or a NACK */
  gboolean retransmit;   /* answer NACKs, and send them ([tttd] retransmit=) */
  gint fec;              /* [tttd] fec=: -1 auto, 0 off, else a percent */
  GPtrArray *recovering; /* peers with NACKs to send or a FEC window open */
  /* run the pacer no later than this */
  void (*schedule) (gpointer data, gint64 at_us);
  gpointer schedule_data;
};

void tttd_tx_init (TttdTx *tx, gsize buf_size, guint max_mtu, const TttdHealthParams *health,
                   void (*schedule) (gpointer data, gint64 at_us), gpointer schedule_data);
void tttd_tx_clear (TttdTx *tx);
gint64 tttd_tx_now (TttdTx *tx);
void tttd_tx_flush (TttdTx *tx);
/* a copy of data (a handshake message) onto queue */
void tttd_tx_send_raw (TttdTx *tx, TttdTxQueue *queue, const TttdSockaddr *dest, const guint8 *data, gsize len);
/* seal buf (inner header + payload_len bytes after it) with keypair and
 * send it on the peer's link at once; consumes buf */
gboolean tttd_tx_seal_and_queue (TttdTx *tx, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf,
                                 const TttdInner *inner, gsize payload_len);
/* whether the link's pacer takes one more datagram now (a link that is
 * not paced always does) */
gboolean tttd_tx_pacer_room (const TttdTx *tx, const TttdPeer *peer, guint link);
/* tttd_tx_seal_and_queue () through the link's pacer (dropped if its
 * queue is too long) */
gboolean tttd_tx_seal_and_pace (TttdTx *tx, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf,
                                const TttdInner *inner, gsize payload_len);
/* send what the pacers hold that is due */
void tttd_tx_pace (TttdTx *tx, gint64 now_us);
/* drop what a path's pacer holds */
void tttd_tx_path_unpace (TttdTx *tx, TttdPath *path);
/* a peer goes: nothing of it stays queued */
void tttd_tx_forget_peer (TttdTx *tx, TttdPeer *peer);
/* the first tunnel sequence number not yet on the wire on this path (what
 * a probe on it can vouch for) */
guint32 tttd_tx_path_sent_seq (const TttdPeer *peer, guint link);
/* IP and UDP header bytes around each datagram on this path */
guint tttd_tx_wire_overhead (const TttdPath *path);

G_END_DECLS
