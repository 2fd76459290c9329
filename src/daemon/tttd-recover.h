/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-fec.h"
#include "tttd-nack.h"
#include "tttd-peer.h"

G_BEGIN_DECLS

/* loss recovery inside the bond, per peer: the receiver asks for what its
 * reorder buffer knows lost (NACKs, batched per receive batch and
 * rate-limited), the sender sends it again from the resend ring on the
 * link where it arrives first, within a budget; and for the packets a
 * round trip would reach too late (redundant, latency-critical packets of
 * adaptive), FEC repairs over windows whose size follows the measured
 * loss. */

struct _TttdRecover {
  TttdPeer *peer;
  gboolean listed;     /* in tx->recovering */
  TttdNack pending;    /* asked for, not yet sent */
  gint64 nack_next_us; /* rate limit: a token bucket in time */
  TttdRetransmitBudget budget;
  TttdRecoveryTimes times;
  guint fec_window; /* packets per repair, 0: none */
  TttdFecEncoder enc;
  guint32 enc_links; /* where the window's packets went */
  TttdFecDecoder dec;
  gint64 fec_rx_until_us; /* copies are kept while repairs come */
};

/* a data packet the receive side rebuilt, in a pool buffer at
 * TTTD_HEADROOM: handle it as received on link (consumes buf) */
typedef void (*TttdRecoverDeliver) (TttdPeer *peer, guint link, guint32 seq, guint8 *buf, gsize len, gboolean urgent,
                                    gpointer data);

TttdRecover *tttd_recover_new (TttdPeer *peer);
void tttd_recover_free (TttdRecover *recover);
/* the peer goes or its session starts over: nothing pending, nothing kept */
void tttd_recover_forget (TttdPeer *peer);
/* the far end's sequence numbers start over */
void tttd_recover_reset_rx (TttdPeer *peer);
/* the paths' health changed: hold time, NACK wait, FEC window */
void tttd_recover_update (TttdPeer *peer);

/* the reorder buffer's TttdReorderLost (user_data: the peer) */
void tttd_recover_lost (guint32 seq, gpointer user_data);
/* send the NACKs the receive batch collected */
void tttd_recover_flush (TttdTx *tx);
/* timers: NACKs the rate limit held back, FEC windows whose time is up */
void tttd_recover_tick (TttdTx *tx, gint64 now_us);

/* the send side: keep a copy of this packet for retransmission */
gboolean tttd_recover_keep (const TttdPeer *peer);
/* a data packet went out on the links of mask */
void tttd_recover_sent (TttdPeer *peer, guint32 seq, const guint8 *data, gsize len, gboolean urgent, guint32 mask);

/* the receive side */
void tttd_recover_receive_nack (TttdPeer *peer, guint link, const guint8 *body, gsize len);
void tttd_recover_receive_repair (TttdPeer *peer, guint link, const TttdInner *inner, const guint8 *body, gsize len,
                                  TttdRecoverDeliver deliver, gpointer data);
/* a data packet came (before the reorder buffer) */
void tttd_recover_note_rx (TttdPeer *peer, guint link, guint32 seq, const guint8 *data, gsize len,
                           TttdRecoverDeliver deliver, gpointer deliver_data);

G_END_DECLS
