/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the send side: sealing, pacing and batching datagrams onto the links */
#include "config.h"

#include <string.h>

#include "tttd-nack.h"
#include "tttd-tx.h"

/* buffers: a full batch in flight, the reorder buffers of a few sessions,
 * what the pacers hold, and the copies the redundant strategy makes */
#define POOL_BUFFERS 16384
/* the longest wait the pacer allows: beyond it a datagram is dropped (TCP
 * needs about a third of the path's BDP queued to stay at full rate; more
 * only adds latency) */
/* a datagram due within this is sent now: the main loop wakes in ms */
#define PACE_SLACK_US 500

void
tttd_tx_init (TttdTx *tx, gsize buf_size, guint max_mtu, const TttdHealthParams *health,
              void (*schedule) (gpointer data, gint64 at_us), gpointer schedule_data)
{
  memset (tx, 0, sizeof *tx);
  tx->buf_size = buf_size;
  tttd_pool_init (&tx->pool, buf_size, POOL_BUFFERS);
  tx->health = *health;
  tx->pacing = g_ptr_array_new ();
  tx->recovering = g_ptr_array_new ();
  tx->retransmit = TRUE;
  tx->fec = -1;
  tx->schedule = schedule;
  tx->schedule_data = schedule_data;
  tttd_resend_init (&tx->resend, TTTD_RESEND_SLOTS, max_mtu);
}

void
tttd_tx_clear (TttdTx *tx)
{
  g_clear_pointer (&tx->pacing, g_ptr_array_unref);
  g_clear_pointer (&tx->recovering, g_ptr_array_unref);
  tttd_resend_clear (&tx->resend);
  tttd_pool_clear (&tx->pool);
}

gint64
tttd_tx_now (TttdTx *tx)
{
  return tx->now_us != 0 ? tx->now_us : g_get_monotonic_time ();
}

static void
mark_dirty (TttdTx *tx, TttdTxQueue *queue)
{
  for (guint i = 0; i < tx->n_dirty; i++)
    if (tx->dirty[i] == queue)
      return;
  if (tx->n_dirty == G_N_ELEMENTS (tx->dirty))
    tttd_tx_flush (tx);
  tx->dirty[tx->n_dirty++] = queue;
}

void
tttd_tx_flush (TttdTx *tx)
{
  for (guint i = 0; i < tx->n_dirty; i++)
    {
      guint64 before = tx->dirty[i]->dropped;
      tttd_tx_queue_flush (tx->dirty[i]);
      tx->dropped += tx->dirty[i]->dropped - before;
    }
  tx->n_dirty = 0;
}

static void
enqueue (TttdTx *tx, TttdTxQueue *queue, const TttdSockaddr *dest, gpointer buf, const guint8 *data, gsize len)
{
  if (!tttd_tx_queue_add (queue, dest, buf, data, len))
    {
      tttd_tx_queue_flush (queue);
      tttd_tx_queue_add (queue, dest, buf, data, len);
    }
  mark_dirty (tx, queue);
}

void
tttd_tx_send_raw (TttdTx *tx, TttdTxQueue *queue, const TttdSockaddr *dest, const guint8 *data, gsize len)
{
  gpointer buf = tttd_pool_get (&tx->pool);

  if (buf == NULL || len > tx->buf_size)
    {
      if (buf != NULL)
        tttd_pool_put (&tx->pool, buf);
      return;
    }
  memcpy (buf, data, len);
  enqueue (tx, queue, dest, buf, buf, len);
}

guint32
tttd_tx_path_sent_seq (const TttdPeer *peer, guint link)
{
  const TttdPath *path = &peer->paths[link];

  if (path->paced_count > 0)
    return path->paced[path->paced_head].seq;
  return peer->tx_seq;
}

guint
tttd_tx_wire_overhead (const TttdPath *path)
{
  return path->remote.sa.sa_family == AF_INET6 ? TTTD_UDP6_OVERHEAD : TTTD_UDP4_OVERHEAD;
}

static void
send_now (TttdTx *tx, TttdPath *path, guint8 *buf, gsize total)
{
  path->tx_packets++;
  path->tx_bytes += total;
  tttd_health_count_tx (&path->health, (guint) (total + tttd_tx_wire_overhead (path)));
  enqueue (tx, path->queue, &path->remote, buf, buf, total);
}

/* the pacer's ring doubles when full, up to TTTD_PACE_SLOTS: a few times
 * in a path's life, so that a link with a short queue keeps a small one */
static void
grow_ring (TttdPath *path)
{
  guint size = path->paced_size == 0 ? TTTD_PACE_MIN_SLOTS : MIN (2 * path->paced_size, TTTD_PACE_SLOTS);
  TttdPaced *ring = g_new (TttdPaced, size);

  for (guint i = 0; i < path->paced_count; i++)
    ring[i] = path->paced[(path->paced_head + i) % path->paced_size];
  g_free (path->paced);
  path->paced = ring;
  path->paced_size = size;
  path->paced_head = 0;
}

static void
pace_later (TttdTx *tx, TttdPeer *peer, TttdPath *path, guint8 *buf, gsize total, guint32 seq, gint64 depart)
{
  TttdPaced *slot;

  if (path->paced_count == path->paced_size)
    grow_ring (path);
  slot = &path->paced[(path->paced_head + path->paced_count++) % path->paced_size];
  slot->buf = buf;
  slot->len = (guint32) total;
  slot->seq = seq;
  slot->depart_us = depart;
  tttd_health_backlogged (&path->health, tx->now_us);
  if (!peer->pacing)
    {
      peer->pacing = TRUE;
      g_ptr_array_add (tx->pacing, peer);
    }
  tx->schedule (tx->schedule_data, depart);
}

gboolean
tttd_tx_pacer_room (const TttdTx *tx, const TttdPeer *peer, guint link)
{
  const TttdPath *path = &peer->paths[link];
  const TttdSchedLink *sl = &peer->sched->links[link];
  gint64 now = tx->now_us, depart;

  if (sl->rate_Bps == 0)
    return TRUE;
  depart = MAX (now, sl->backlog_until_us);
  if (depart - now > tttd_pace_limit_us (sl->rate_Bps, TTTD_PACE_TARGET_US))
    return FALSE;
  /* one that would wait needs a slot in the link's pacing ring */
  return !(depart > now + PACE_SLACK_US || path->paced_count > 0) || path->paced_count < TTTD_PACE_SLOTS;
}

static gboolean
drop (TttdTx *tx, TttdPeer *peer, guint8 *buf)
{
  peer->stats.tx_queue_full++;
  tttd_pool_put (&tx->pool, buf);
  return FALSE;
}

/* seal buf with keypair and send it, now or when the link's pacer says;
 * consumes buf.  Paced datagrams leave at the rate the link carries, so
 * that its own queue (a modem's buffer) stays short; a link whose queue is
 * already longer than the pacer allows drops them, which is what tells TCP
 * to slow down.  Urgent ones go at once, ahead of the queue.  A datagram's
 * timestamp is when it leaves, so that the far end sees the link's queue
 * in its one-way delay, not ours. */
static gboolean
transmit (TttdTx *tx, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf, const TttdInner *inner,
          gsize payload_len, gboolean paced)
{
  TttdPath *path = &peer->paths[link];
  TttdSchedLink *sl = &peer->sched->links[link];
  gint64 now = tx->now_us, depart = now;
  TttdInner out = *inner;
  gboolean later = FALSE;
  guint wire = (guint) (TTTD_OVERHEAD + payload_len) + tttd_tx_wire_overhead (path);
  gsize total;

  if (sl->rate_Bps != 0)
    {
      depart = MAX (now, sl->backlog_until_us);
      if (paced && !tttd_tx_pacer_room (tx, peer, link))
        return drop (tx, peer, buf);
      later = paced && (depart > now + PACE_SLACK_US || path->paced_count > 0);
    }
  if (later)
    out.timestamp = (guint32) depart;
  tttd_inner_write (buf + TTTD_HEADER_LEN, &out);
  total = tttd_keypair_seal (keypair, peer->keyring.reject_after_messages, buf, TTTD_INNER_LEN + payload_len);
  if (total == 0)
    {
      tttd_pool_put (&tx->pool, buf);
      return FALSE;
    }
  /* unpaced: out now, but the scheduler still counts what it sent */
  tttd_scheduler_sent (peer->sched, link, wire, now);
  if (later)
    pace_later (tx, peer, path, buf, total, inner->seq, depart);
  else
    send_now (tx, path, buf, total);
  return TRUE;
}

gboolean
tttd_tx_seal_and_queue (TttdTx *tx, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf,
                        const TttdInner *inner, gsize payload_len)
{
  return transmit (tx, peer, keypair, link, buf, inner, payload_len, FALSE);
}

gboolean
tttd_tx_seal_and_pace (TttdTx *tx, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf,
                       const TttdInner *inner, gsize payload_len)
{
  return transmit (tx, peer, keypair, link, buf, inner, payload_len, TRUE);
}

void
tttd_tx_path_unpace (TttdTx *tx, TttdPath *path)
{
  while (path->paced_count > 0)
    {
      tttd_pool_put (&tx->pool, path->paced[path->paced_head].buf);
      path->paced_head = (path->paced_head + 1) % path->paced_size;
      path->paced_count--;
    }
  g_clear_pointer (&path->paced, g_free);
  path->paced_size = 0;
  path->paced_head = 0;
}

void
tttd_tx_forget_peer (TttdTx *tx, TttdPeer *peer)
{
  if (peer->pacing)
    g_ptr_array_remove_fast (tx->pacing, peer);
  peer->pacing = FALSE;
  for (guint link = 0; link < peer->n_paths; link++)
    tttd_tx_path_unpace (tx, &peer->paths[link]);
  tttd_resend_forget (&tx->resend, peer);
}

void
tttd_tx_pace (TttdTx *tx, gint64 now_us)
{
  gint64 next = G_MAXINT64;

  tx->now_us = now_us;
  for (guint i = 0; i < tx->pacing->len;)
    {
      TttdPeer *peer = g_ptr_array_index (tx->pacing, i);
      gboolean waiting = FALSE;

      for (guint link = 0; link < peer->n_paths; link++)
        {
          TttdPath *path = &peer->paths[link];
          while (path->paced_count > 0 && path->paced[path->paced_head].depart_us <= now_us + PACE_SLACK_US)
            {
              TttdPaced *slot = &path->paced[path->paced_head];
              send_now (tx, path, slot->buf, slot->len);
              path->paced_head = (path->paced_head + 1) % path->paced_size;
              path->paced_count--;
            }
          if (path->paced_count > 0)
            {
              waiting = TRUE;
              next = MIN (next, path->paced[path->paced_head].depart_us);
            }
        }
      if (!waiting)
        {
          peer->pacing = FALSE;
          g_ptr_array_remove_index_fast (tx->pacing, i);
          continue;
        }
      i++;
    }
  tttd_tx_flush (tx);
  if (next != G_MAXINT64)
    tx->schedule (tx->schedule_data, next);
}
