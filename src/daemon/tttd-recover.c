/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* loss recovery per peer: NACKs and fast retransmission, FEC repairs */
#include "config.h"

#include <string.h>

#include "tttd-recover.h"
#include "tttd-tx.h"

/* the reorder buffer waits for a link that carried data within
 * TTTD_REORDER_ACTIVE_US because its sender probes it closely that long:
 * a link it stopped using shows itself past a gap within one probe */
G_STATIC_ASSERT (TTTD_REORDER_ACTIVE_US <= TTTD_HEALTH_ACTIVE_US);

/* NACK datagrams per peer: one per millisecond on average, 16 at once */
#define NACK_COST_US  1000
#define NACK_BURST_US 16000
/* a link with a longer virtual queue has no room for a retransmission */
#define ROOM_US 20000
/* a link that loses more than this carries NACKs and retransmissions,
 * but a copy of each goes on another link too: a lost NACK or a lost
 * retransmission is a loss the flow sees */
#define LOSSY 0.005
/* copies of received packets are kept this long after the last repair */
#define FEC_RX_ACTIVE_US (2 * G_USEC_PER_SEC)

TttdRecover *
tttd_recover_new (TttdPeer *peer)
{
  TttdRecover *recover = g_new0 (TttdRecover, 1);

  recover->peer = peer;
  tttd_retransmit_budget_init (&recover->budget);
  tttd_recovery_times (NULL, 0, FALSE, &recover->times);
  tttd_fec_encoder_reset (&recover->enc);
  tttd_fec_decoder_init (&recover->dec);
  return recover;
}

void
tttd_recover_free (TttdRecover *recover)
{
  if (recover == NULL)
    return;
  tttd_fec_decoder_clear (&recover->dec);
  tttd_fec_encoder_clear (&recover->enc);
  g_free (recover);
}

static void
unlist (TttdPeer *peer)
{
  if (peer->recover->listed)
    g_ptr_array_remove_fast (peer->tx->recovering, peer);
  peer->recover->listed = FALSE;
}

static void
list (TttdPeer *peer)
{
  if (!peer->recover->listed)
    {
      peer->recover->listed = TRUE;
      g_ptr_array_add (peer->tx->recovering, peer);
    }
}

void
tttd_recover_forget (TttdPeer *peer)
{
  TttdRecover *r = peer->recover;

  unlist (peer);
  tttd_nack_clear (&r->pending);
  tttd_fec_encoder_reset (&r->enc);
  r->enc_links = 0;
  tttd_retransmit_budget_init (&r->budget);
  tttd_recover_reset_rx (peer);
}

void
tttd_recover_reset_rx (TttdPeer *peer)
{
  TttdRecover *r = peer->recover;

  tttd_nack_clear (&r->pending);
  tttd_fec_decoder_clear (&r->dec);
  r->fec_rx_until_us = 0;
}

/* the lower direction's loss: a server's estimate of its own sending
 * counts what is still in flight as lost, and on a clean link under load
 * that would turn FEC on for nothing */
static double
path_loss (const TttdPath *path)
{
  return MIN (path->health.out.loss, path->health.in.loss);
}

void
tttd_recover_update (TttdPeer *peer)
{
  TttdRecover *r = peer->recover;
  guint64 srtt[TTTD_SCHED_MAX_LINKS];
  double loss[TTTD_SCHED_MAX_LINKS], worst = 0, in_loss = 0, packet = 1, low1 = 1, low2 = 1;
  guint n = 0;
  guint32 mask = tttd_scheduler_usable_mask (peer->sched);

  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint link = (guint) __builtin_ctz (m);
      const TttdPath *path = &peer->paths[link];
      if (!path->present)
        continue;
      srtt[n] = path->health.srtt_us;
      loss[n] = path_loss (path);
      worst = MAX (worst, loss[n]);
      in_loss = MAX (in_loss, path->health.in.loss);
      packet *= loss[n];
      if (loss[n] < low1)
        {
          low2 = low1;
          low1 = loss[n];
        }
      else if (loss[n] < low2)
        low2 = loss[n];
      n++;
    }
  tttd_recovery_times (srtt, n, peer->tx->retransmit, &r->times);
  tttd_reorder_set_times (peer->reorder, r->times.hold_us, r->times.nack_wait_us, r->times.lag_us);
  /* what comes in is lost on the way (the far end's counts against ours):
   * gaps no link named are asked for too */
  tttd_reorder_set_ask_unnamed (peer->reorder, in_loss > LOSSY);
  if (peer->tx->fec == 0 || n == 0)
    r->fec_window = 0;
  else
    {
      /* redundant sends every packet on every link; adaptive sends a
       * latency-critical one on its two best */
      double reach = peer->sched->strategy == TTTD_STRATEGY_REDUNDANT ? packet : low1 * (n > 1 ? low2 : 1);
      r->fec_window = tttd_fec_window (worst, reach, peer->tx->fec > 0 ? (guint) peer->tx->fec : 0);
    }
}

/* ---- NACKs: the receive side asks ------------------------------------- */

/* the fastest usable path but exclude (-1: none): the NACK should reach
 * the sender soonest */
static gint
fastest_link (const TttdPeer *peer, gint exclude)
{
  guint32 mask = tttd_scheduler_usable_mask (peer->sched);
  guint64 best = G_MAXUINT64;
  gint link = -1;

  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint i = (guint) __builtin_ctz (m);
      guint64 rtt = peer->paths[i].health.srtt_us != 0 ? peer->paths[i].health.srtt_us : G_MAXUINT64 - 1;
      if (peer->paths[i].present && (gint) i != exclude && rtt < best)
        {
          best = rtt;
          link = (gint) i;
        }
    }
  return link;
}

/* where a copy goes when link is lossy (-1: nowhere) */
static gint
copy_link (const TttdPeer *peer, guint link)
{
  return path_loss (&peer->paths[link]) > LOSSY ? fastest_link (peer, (gint) link) : -1;
}

/* send the pending NACK, if the rate limit lets it; FALSE: it waits */
static gboolean
send_nack (TttdPeer *peer)
{
  TttdRecover *r = peer->recover;
  TttdTx *tx = peer->tx;
  gint64 now = tx->now_us;
  TttdKeypair *keypair;
  gint link, copy;
  guint8 *buf, *buf2;
  gsize len;
  TttdInner inner = { .kind = TTTD_KIND_NACK, .timestamp = (guint32) now };

  if (r->pending.n_ranges == 0)
    return TRUE;
  if (r->nack_next_us > now + NACK_BURST_US)
    return FALSE;
  keypair = tttd_keyring_sender (&peer->keyring, now);
  link = fastest_link (peer, -1);
  if (keypair == NULL || link < 0 || (buf = tttd_pool_get (&tx->pool)) == NULL)
    {
      tttd_nack_clear (&r->pending);
      return TRUE;
    }
  r->nack_next_us = MAX (r->nack_next_us, now) + NACK_COST_US;
  inner.link = (guint16) link;
  len = tttd_nack_write (buf + TTTD_HEADROOM, &r->pending);
  tttd_nack_clear (&r->pending);
  copy = copy_link (peer, (guint) link);
  if (copy >= 0 && (buf2 = tttd_pool_get (&tx->pool)) != NULL)
    {
      TttdInner inner2 = inner;

      inner2.link = (guint16) copy;
      memcpy (buf2 + TTTD_HEADROOM, buf + TTTD_HEADROOM, len);
      tttd_tx_seal_and_queue (tx, peer, keypair, (guint) copy, buf2, &inner2, len);
    }
  if (tttd_tx_seal_and_queue (tx, peer, keypair, (guint) link, buf, &inner, len))
    peer->stats.nacks_sent++;
  return TRUE;
}

void
tttd_recover_lost (guint32 seq, gpointer user_data)
{
  TttdPeer *peer = user_data;
  TttdRecover *r = peer->recover;

  if (!tttd_nack_add (&r->pending, seq))
    {
      /* full: out with it now (or, over the rate limit, this one is not asked for) */
      if (!send_nack (peer))
        {
          peer->stats.nacks_limited++;
          return;
        }
      tttd_nack_add (&r->pending, seq);
    }
  list (peer);
}

static void close_window (TttdPeer *peer);

void
tttd_recover_tick (TttdTx *tx, gint64 now_us)
{
  gint64 next = G_MAXINT64;

  tx->now_us = now_us;
  for (guint i = 0; i < tx->recovering->len;)
    {
      TttdPeer *peer = g_ptr_array_index (tx->recovering, i);
      TttdRecover *r = peer->recover;

      send_nack (peer);
      if (r->enc.n > 0 && now_us - r->enc.opened_us >= TTTD_FEC_BUDGET_US)
        close_window (peer);
      if (r->pending.n_ranges > 0)
        next = MIN (next, r->nack_next_us - NACK_BURST_US);
      if (r->enc.n > 0)
        next = MIN (next, r->enc.opened_us + TTTD_FEC_BUDGET_US);
      if (r->pending.n_ranges == 0 && r->enc.n == 0)
        {
          r->listed = FALSE;
          g_ptr_array_remove_index_fast (tx->recovering, i);
          continue;
        }
      i++;
    }
  tttd_tx_flush (tx);
  if (next != G_MAXINT64)
    tx->schedule (tx->schedule_data, MAX (next, now_us + 1000));
}

void
tttd_recover_flush (TttdTx *tx)
{
  if (tx->recovering->len > 0)
    tttd_recover_tick (tx, tx->now_us);
}

/* ---- retransmission: the send side answers ---------------------------- */

gboolean
tttd_recover_keep (const TttdPeer *peer)
{
  return peer->tx->retransmit;
}

/* where a retransmission of a packet first sent on orig arrives first:
 * the fastest usable link with room (or, when none has, the fastest: the
 * copy goes ahead of its pacer, and the one that lost it may hold the
 * original in a deep queue), but not the one that lost it when another
 * is nearly as fast (within half its RTT); -1: none usable */
static gint
retransmit_link (const TttdPeer *peer, guint orig, gint64 now_us)
{
  guint32 mask = tttd_scheduler_usable_mask (peer->sched);
  gint best = -1, fastest = -1;
  guint64 best_rtt = G_MAXUINT64, orig_rtt = G_MAXUINT64, fastest_rtt = G_MAXUINT64;

  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint i = (guint) __builtin_ctz (m);
      guint64 rtt = peer->paths[i].health.srtt_us != 0 ? peer->paths[i].health.srtt_us : 100000;

      if (!peer->paths[i].present)
        continue;
      if (i == orig)
        {
          orig_rtt = rtt;
          continue;
        }
      if (rtt < fastest_rtt)
        {
          fastest_rtt = rtt;
          fastest = (gint) i;
        }
      if (tttd_scheduler_queue_delay (peer->sched, i, now_us) > ROOM_US)
        continue;
      if (rtt < best_rtt)
        {
          best_rtt = rtt;
          best = (gint) i;
        }
    }
  if (best < 0)
    {
      best = fastest;
      best_rtt = fastest_rtt;
    }
  /* the lossy link only if the others arrive more than half its RTT later */
  if (orig_rtt != G_MAXUINT64 && (best < 0 || best_rtt > orig_rtt + orig_rtt / 2))
    return (gint) orig;
  return best;
}

static gboolean
retransmit_one (TttdPeer *peer, TttdKeypair *keypair, guint32 seq)
{
  TttdTx *tx = peer->tx;
  const guint8 *data;
  TttdResendEntry *entry;
  gint link, copy;
  guint8 *buf, *buf2;
  TttdInner inner = {
    .kind = TTTD_KIND_DATA,
    .flags = TTTD_FLAG_RETRANSMIT,
    .seq = seq,
    .link_prev = seq, /* out of the link's order: vouches for nothing */
    .timestamp = (guint32) tx->now_us,
  };

  /* only what it sent, not too long ago, once */
  entry = tttd_resend_lookup (&tx->resend, peer, seq, &data);
  if (entry == NULL || entry->retransmitted ||
      !tttd_retransmit_in_time (&peer->recover->times, entry->sent_us, tx->now_us))
    return FALSE;
  if (!tttd_retransmit_budget_take (&peer->recover->budget))
    return FALSE;
  link = retransmit_link (peer, entry->link, tx->now_us);
  if (link < 0 || (buf = tttd_pool_get (&tx->pool)) == NULL)
    return FALSE;
  entry->retransmitted = TRUE;
  inner.link = (guint16) link;
  memcpy (buf + TTTD_HEADROOM, data, entry->len);
  /* a lossy link: a copy on another, within the same budget */
  copy = copy_link (peer, (guint) link);
  if (copy >= 0 && tttd_retransmit_budget_take (&peer->recover->budget) && (buf2 = tttd_pool_get (&tx->pool)) != NULL)
    {
      TttdInner inner2 = inner;

      inner2.link = (guint16) copy;
      memcpy (buf2 + TTTD_HEADROOM, data, entry->len);
      tttd_tx_seal_and_queue (tx, peer, keypair, (guint) copy, buf2, &inner2, entry->len);
    }
  /* ahead of the pacer's queue: it is late already */
  if (!tttd_tx_seal_and_queue (tx, peer, keypair, (guint) link, buf, &inner, entry->len))
    return FALSE;
  peer->stats.retransmits++;
  return TRUE;
}

void
tttd_recover_receive_nack (TttdPeer *peer, guint link, const guint8 *body, gsize len)
{
  TttdTx *tx = peer->tx;
  TttdNack nack;
  TttdKeypair *keypair;
  guint asked;

  if (tttd_nack_parse (body, len, &nack) != TTTD_PARSE_OK)
    {
      peer->stats.rx_bad_nack++;
      return;
    }
  peer->stats.nacks_received++;
  asked = tttd_nack_count (&nack);
  keypair = tttd_keyring_sender (&peer->keyring, tx->now_us);
  if (!tx->retransmit || keypair == NULL)
    {
      peer->stats.retransmits_refused += asked;
      return;
    }
  for (guint i = 0; i < nack.n_ranges; i++)
    for (guint j = 0; j < nack.ranges[i].count; j++, asked--)
      {
        guint32 seq = nack.ranges[i].first + j;

        /* the budget spent, the rest is refused without a look */
        if (peer->recover->budget.credit < 100)
          {
            peer->stats.retransmits_refused += asked;
            tttd_tx_flush (tx);
            return;
          }
        /* never a sequence not sent yet */
        if (!tttd_seq_before (seq, peer->tx_seq) || !retransmit_one (peer, keypair, seq))
          peer->stats.retransmits_refused++;
      }
  tttd_tx_flush (tx);
}

/* ---- FEC: the send side ------------------------------------------------ */

/* send the open window's repair on every link its packets went on */
static void
close_window (TttdPeer *peer)
{
  TttdRecover *r = peer->recover;
  TttdTx *tx = peer->tx;
  TttdKeypair *keypair = tttd_keyring_sender (&peer->keyring, tx->now_us);
  guint8 *first = NULL;
  guint32 links = r->enc_links & tttd_scheduler_usable_mask (peer->sched);
  gboolean urgent = r->enc.urgent;
  guint32 seq = r->enc.first;
  gsize len;

  r->enc_links = 0;
  if (keypair == NULL || links == 0 || (first = tttd_pool_get (&tx->pool)) == NULL)
    {
      tttd_fec_encoder_reset (&r->enc);
      return;
    }
  len = tttd_fec_encoder_finish (&r->enc, first + TTTD_HEADROOM);
  for (guint32 m = links; m != 0; m &= m - 1)
    {
      guint link = (guint) __builtin_ctz (m);
      guint8 *buf = first;
      TttdInner inner = {
        .kind = TTTD_KIND_REPAIR,
        .flags = urgent ? TTTD_FLAG_URGENT : 0,
        .link = (guint16) link,
        .seq = seq,
        .link_prev = seq,
        .timestamp = (guint32) tx->now_us,
      };

      if ((m & (m - 1)) != 0)
        {
          if ((buf = tttd_pool_get (&tx->pool)) == NULL)
            continue;
          memcpy (buf + TTTD_HEADROOM, first + TTTD_HEADROOM, len);
        }
      else
        first = NULL;
      if ((urgent ? tttd_tx_seal_and_queue : tttd_tx_seal_and_pace) (tx, peer, keypair, link, buf, &inner, len))
        {
          peer->stats.fec_repairs_sent++;
          peer->stats.fec_overhead_bytes += len + TTTD_OVERHEAD;
        }
    }
  if (first != NULL)
    tttd_pool_put (&tx->pool, first);
}

void
tttd_recover_sent (TttdPeer *peer, guint32 seq, const guint8 *data, gsize len, gboolean urgent, guint32 mask)
{
  TttdRecover *r = peer->recover;
  gboolean covered;

  tttd_retransmit_budget_sent (&r->budget);
  if (r->fec_window == 0 || len > TTTD_FEC_MAX_LEN)
    return;
  covered =
    peer->sched->strategy == TTTD_STRATEGY_REDUNDANT || (peer->sched->strategy == TTTD_STRATEGY_ADAPTIVE && urgent);
  if (!covered)
    return;
  if (!tttd_fec_encoder_fits (&r->enc, seq))
    close_window (peer);
  if (r->enc.n == 0)
    {
      /* the window's time runs from its first packet */
      list (peer);
      peer->tx->schedule (peer->tx->schedule_data, peer->tx->now_us + TTTD_FEC_BUDGET_US);
    }
  tttd_fec_encoder_add (&r->enc, seq, data, len, urgent, peer->tx->now_us);
  r->enc_links |= mask;
  if (r->enc.n >= r->fec_window)
    close_window (peer);
}

/* ---- FEC: the receive side --------------------------------------------- */

typedef struct {
  TttdPeer *peer;
  guint link;
  TttdRecoverDeliver deliver;
  gpointer data;
} Rebuilt;

static void
on_rebuilt (guint32 seq, const guint8 *data, gsize len, gboolean urgent, gpointer user_data)
{
  Rebuilt *rb = user_data;
  TttdTx *tx = rb->peer->tx;
  guint8 *buf = tttd_pool_get (&tx->pool);

  if (buf == NULL)
    return;
  memcpy (buf + TTTD_HEADROOM, data, len);
  rb->deliver (rb->peer, rb->link, seq, buf, len, urgent, rb->data);
}

void
tttd_recover_note_rx (TttdPeer *peer, guint link, guint32 seq, const guint8 *data, gsize len,
                      TttdRecoverDeliver deliver, gpointer deliver_data)
{
  TttdRecover *r = peer->recover;
  Rebuilt rb = { peer, link, deliver, deliver_data };

  /* copies cost a memcpy per packet: only while repairs come */
  if (peer->tx->now_us > r->fec_rx_until_us)
    return;
  tttd_fec_decoder_note (&r->dec, seq, data, len, on_rebuilt, &rb);
}

void
tttd_recover_receive_repair (TttdPeer *peer, guint link, const TttdInner *inner, const guint8 *body, gsize len,
                             TttdRecoverDeliver deliver, gpointer data)
{
  TttdRecover *r = peer->recover;
  Rebuilt rb = { peer, link, deliver, data };

  peer->stats.rx_fec_repairs++;
  r->fec_rx_until_us = peer->tx->now_us + FEC_RX_ACTIVE_US;
  if (!tttd_fec_decoder_repair (&r->dec, body, len, (inner->flags & TTTD_FLAG_URGENT) != 0, on_rebuilt, &rb))
    peer->stats.rx_bad_repair++;
}
