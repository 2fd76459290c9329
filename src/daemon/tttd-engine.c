/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the packet engine both roles share: TUN to the links, the links back to TUN */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tttd-engine.h"
#include "tttd-gro.h"
#include "tttd-gso.h"
#include "tttd-recover.h"
#include "tttd-tx.h"

struct _TttdEngine {
  int tun_fd;
  guint mtu;
  guint max_mtu;
  gsize buf_size;
  TttdTx tx; /* the send side, and the buffers */
  TttdRxBatch rx;
  const TttdEngineOps *ops;
  gpointer data;
  GHashTable *indexes; /* local index -> TttdPeer */
  GPtrArray *holding;  /* peers with packets in their reorder buffer */
  gboolean vnet;
  guint8 *tun_buf; /* one read: a virtio_net_hdr and up to 64 KiB */
  TttdGro gro;     /* with vnet: a batch's segments joined for the TUN */
  TttdEngineStats stats;
};

#define ENGINE_COUNTER(name, field) TTTD_COUNTER (name, TttdEngineStats, field)

const TttdCounter tttd_engine_counters[] = {
  ENGINE_COUNTER ("rx-malformed", rx_malformed),       ENGINE_COUNTER ("rx-unknown-session", rx_unknown_index),
  ENGINE_COUNTER ("rx-auth-failed", rx_auth_failed),   ENGINE_COUNTER ("rx-replayed", rx_replayed),
  ENGINE_COUNTER ("rx-bad-inner", rx_bad_inner),       ENGINE_COUNTER ("rx-no-buffer", rx_no_buffer),
  ENGINE_COUNTER ("tx-dropped", tx_dropped),           ENGINE_COUNTER ("tun-write-errors", tun_write_errors),
  ENGINE_COUNTER ("tun-gro-packets", tun_gro_packets), ENGINE_COUNTER ("tun-gro-segments", tun_gro_segments),
};
const guint tttd_engine_n_counters = G_N_ELEMENTS (tttd_engine_counters);

/* the most a TUN read brings with TSO */
#define TTTD_TSO_MAX 65536

static void on_reorder_deliver (gpointer buf, guint len, gboolean held, gpointer user_data);
static void tun_flush (TttdEngine *engine);

/* the engine that owns a peer: the peer's send side is part of it */
#define ENGINE_OF_PEER(peer) ((TttdEngine *) (gpointer) ((char *) (peer)->tx - G_STRUCT_OFFSET (TttdEngine, tx)))

void
tttd_engine_release_buffer (gpointer buf, gpointer user_data)
{
  TttdEngine *engine = user_data;

  tttd_pool_put (&engine->tx.pool, buf);
}

static void
schedule_op (gpointer data, gint64 at_us)
{
  TttdEngine *engine = data;

  engine->ops->schedule (engine->data, at_us);
}

TttdEngine *
tttd_engine_new (int tun_fd, guint mtu, const TttdHealthParams *health, const TttdEngineOps *ops, gpointer data)
{
  TttdEngine *engine = g_new0 (TttdEngine, 1);

  engine->tun_fd = tun_fd;
  engine->mtu = mtu;
  /* headers before the packet, the tag after, and slack for a datagram a
   * little larger than ours (it is dropped as malformed, not truncated) */
  engine->max_mtu = MAX (mtu, 1500u);
  engine->buf_size = TTTD_HEADROOM + engine->max_mtu + TTTD_TAG_LEN + 64;
  engine->ops = ops;
  engine->data = data;
  tttd_tx_init (&engine->tx, engine->buf_size, engine->max_mtu, health, schedule_op, engine);
  tttd_rx_batch_init (&engine->rx);
  engine->indexes = g_hash_table_new (NULL, NULL);
  engine->holding = g_ptr_array_new ();
  return engine;
}

void
tttd_engine_free (TttdEngine *engine)
{
  if (engine == NULL)
    return;
  tun_flush (engine);
  tttd_gro_clear (&engine->gro);
  g_hash_table_unref (engine->indexes);
  g_ptr_array_unref (engine->holding);
  g_free (engine->tun_buf);
  tttd_rx_batch_clear (&engine->rx);
  tttd_tx_clear (&engine->tx);
  g_free (engine);
}

guint
tttd_engine_mtu (TttdEngine *engine)
{
  return engine->mtu;
}

void
tttd_engine_set_mtu (TttdEngine *engine, guint mtu)
{
  engine->mtu = MIN (mtu, engine->max_mtu);
}

guint
tttd_engine_max_mtu (TttdEngine *engine)
{
  return engine->max_mtu;
}

const TttdEngineStats *
tttd_engine_stats (TttdEngine *engine)
{
  engine->stats.tx_dropped = engine->tx.dropped;
  engine->stats.tun_gro_packets = engine->gro.packets;
  engine->stats.tun_gro_segments = engine->gro.joined;
  return &engine->stats;
}

gint64
tttd_engine_now (TttdEngine *engine)
{
  return tttd_tx_now (&engine->tx);
}

void
tttd_engine_flush (TttdEngine *engine)
{
  tttd_tx_flush (&engine->tx);
}

void
tttd_engine_send_raw (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *dest, const guint8 *data, gsize len)
{
  tttd_tx_send_raw (&engine->tx, queue, dest, data, len);
}

void
tttd_engine_pace (TttdEngine *engine, gint64 now_us)
{
  tttd_tx_pace (&engine->tx, now_us);
}

/* the usable link, other than those in full, whose pacer has room and
 * where a packet arrives first; -1: none.  Not for active-backup (the
 * backup carries nothing while the active link works), and never onto a
 * metered link (metered-overflow decides when that one helps) */
static gint
link_with_room (TttdEngine *engine, const TttdPeer *peer, guint32 full, gint64 now_us)
{
  const TttdScheduler *sched = peer->sched;
  gint best = -1;
  gint64 best_t = 0;

  if (sched->strategy == TTTD_STRATEGY_ACTIVE_BACKUP)
    return -1;
  for (guint32 m = tttd_scheduler_usable_mask (sched) & ~full; m != 0; m &= m - 1)
    {
      guint i = (guint) __builtin_ctz (m);
      gint64 t;

      if (i >= peer->n_paths || !peer->paths[i].present || !tttd_tx_pacer_room (&engine->tx, peer, i))
        continue;
      if (sched->links[i].metered)
        continue;
      t = tttd_scheduler_queue_delay (sched, i, now_us) + (gint64) sched->links[i].srtt_us / 2;
      if (best < 0 || t < best_t)
        {
          best = (gint) i;
          best_t = t;
        }
    }
  return best;
}

/* consumes buf: the packet is at buf + TTTD_HEADROOM; partial: its L4
 * checksum is partial, which the peer takes */
static void
send_data (TttdEngine *engine, TttdPeer *peer, guint8 *buf, gsize len, const TttdIpInfo *ip, gboolean partial)
{
  gint64 now = engine->tx.now_us;
  TttdKeypair *keypair = tttd_keyring_sender (&peer->keyring, now);
  TttdPacketInfo info;
  guint32 mask, seq;
  guint copies;
  gboolean urgent;

  if (keypair == NULL)
    {
      peer->stats.tx_no_session++;
      tttd_pool_put (&engine->tx.pool, buf);
      return;
    }
  tttd_peer_check_paths (peer, now);
  info.flow_hash = ip->flow_hash ^ peer->hash_seed;
  info.wire_len = (guint) len + TTTD_UDP4_OVERHEAD + TTTD_OVERHEAD;
  info.flags = ip->latency_critical ? TTTD_PACKET_LATENCY_CRITICAL : 0;
  mask = tttd_scheduler_pick (peer->sched, &info, now);
  if (mask == 0)
    {
      peer->stats.tx_no_link++;
      tttd_pool_put (&engine->tx.pool, buf);
      return;
    }
  copies = (guint) __builtin_popcount (mask);
  urgent = ip->latency_critical;
  /* the link picked has a full pacer: another usable one with room takes
   * the packet; with none, it is dropped, which tells TCP to slow down,
   * and before it has a sequence number, so that the far end has no gap
   * to wait for and nothing behind it is held back */
  if (copies == 1 && !urgent && !tttd_tx_pacer_room (&engine->tx, peer, (guint) __builtin_ctz (mask)))
    {
      gint other = link_with_room (engine, peer, mask, now);

      if (other < 0)
        {
          peer->stats.tx_queue_full++;
          tttd_pool_put (&engine->tx.pool, buf);
          return;
        }
      mask = 1u << other;
      peer->stats.tx_moved++;
    }
  seq = peer->tx_seq++;
  /* with another link to go to, keep a copy in case this one dies now
   * (urgent ones too: a strategy that sends one copy of each, as
   * balance-rr does, would lose them with the link); and while the far
   * end may ask for it again */
  if (copies == 1 && (__builtin_popcount (peer->sched->eligible) > 1 || tttd_recover_keep (peer)))
    tttd_resend_note (&engine->tx.resend, peer, (guint) __builtin_ctz (mask), seq, info.flow_hash, buf + TTTD_HEADROOM,
                      len, now);
  /* FEC and the retransmission budget see the plaintext, before sealing */
  tttd_recover_sent (peer, seq, buf + TTTD_HEADROOM, len, urgent, mask);
  peer->stats.tx_packets++;
  peer->stats.tx_bytes += len;
  if (partial)
    peer->stats.tx_csum_partial++;
  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint link = (guint) __builtin_ctz (m);
      TttdPath *path = &peer->paths[link];
      guint8 *out = buf;
      TttdInner inner = {
        .kind = TTTD_KIND_DATA,
        .flags =
          (copies > 1 ? TTTD_FLAG_COPY : 0) | (urgent ? TTTD_FLAG_URGENT : 0) | (partial ? TTTD_FLAG_CSUM_PARTIAL : 0),
        .link = (guint16) link,
        .seq = seq,
        /* urgent ones overtake the link's queue: they vouch for nothing */
        .link_prev = path->sent_data && !urgent ? path->last_data_seq : seq,
        .timestamp = (guint32) now,
      };

      if ((m & (m - 1)) != 0)
        {
          /* more links follow: this one gets a copy, the last the original */
          out = tttd_pool_get (&engine->tx.pool);
          if (out == NULL)
            {
              peer->stats.tx_no_buffer++;
              continue;
            }
          memcpy (out + TTTD_HEADROOM, buf + TTTD_HEADROOM, len);
        }
      if (!(urgent ? tttd_tx_seal_and_queue : tttd_tx_seal_and_pace) (&engine->tx, peer, keypair, link, out, &inner,
                                                                      len))
        {
          /* dropped (the pacer's queue was full: that tells TCP to slow
           * down): the far end's NACK for it is refused */
          if (copies == 1)
            tttd_resend_refuse (&engine->tx.resend, peer, seq);
        }
      else
        {
          /* a copy missing on this link may still come on another: the
           * next packet here must not vouch that it is lost */
          if (!urgent && copies == 1)
            {
              path->last_data_seq = seq;
              path->sent_data = TRUE;
            }
          if (tttd_health_note_data (&path->health, now))
            engine->ops->schedule (engine->data, now);
        }
    }
}

/* one packet from TUN, now in a pool buffer at TTTD_HEADROOM: route it and
 * send it; consumes buf. partial: its L4 checksum is partial (a TSO segment's
 * or the kernel's), finished here for a peer that does not take that */
static void
from_tun (TttdEngine *engine, guint8 *buf, gsize len, gboolean partial)
{
  guint8 *packet = buf + TTTD_HEADROOM;
  TttdIpInfo ip;
  TttdPeer *peer;
  guint l3;
  guint8 proto;

  if (!tttd_ip_parse (packet, len, 0, &ip) || (peer = engine->ops->route (engine->data, &ip)) == NULL)
    {
      engine->stats.tun_not_ip++;
      tttd_pool_put (&engine->tx.pool, buf);
      return;
    }
  if (partial && !peer->csum_partial)
    {
      if (tttd_l4_partial_target (packet, len, &l3, &proto))
        tttd_l4_complete (packet, len, l3, proto);
      partial = FALSE;
    }
  send_data (engine, peer, buf, len, &ip, partial);
}

static guint8 *
get_buffer (TttdEngine *engine)
{
  guint8 *buf = tttd_pool_get (&engine->tx.pool);

  if (buf == NULL)
    {
      tttd_engine_flush (engine);
      buf = tttd_pool_get (&engine->tx.pool);
    }
  return buf;
}

/* a read with a virtio_net_hdr: cut a TSO packet into segments of the
 * tunnel's MTU, finish a checksum left to us */
static gboolean
read_vnet (TttdEngine *engine, gsize room)
{
  gssize n = read (engine->tun_fd, engine->tun_buf, TTTD_VNET_HDR_LEN + TTTD_TSO_MAX);
  TttdVnetHdr hdr;
  TttdGso gso;
  gssize len;

  if (n <= TTTD_VNET_HDR_LEN)
    return n > 0;
  engine->stats.tun_read++;
  tttd_vnet_hdr_parse (engine->tun_buf, &hdr);
  if (!tttd_gso_init (&gso, engine->tun_buf + TTTD_VNET_HDR_LEN, (gsize) n - TTTD_VNET_HDR_LEN, &hdr))
    {
      engine->stats.tun_bad_gso++;
      return TRUE;
    }
  for (;;)
    {
      guint8 *buf = get_buffer (engine);
      if (buf == NULL)
        break;
      len = tttd_gso_next (&gso, buf + TTTD_HEADROOM, room);
      if (len <= 0)
        {
          if (len < 0)
            engine->stats.tun_bad_gso++;
          tttd_pool_put (&engine->tx.pool, buf);
          break;
        }
      from_tun (engine, buf, (gsize) len, gso.partial);
    }
  return TRUE;
}

void
tttd_engine_tun_readable (TttdEngine *engine)
{
  gsize room = engine->buf_size - TTTD_HEADROOM - TTTD_TAG_LEN - 64;

  engine->tx.now_us = g_get_monotonic_time ();
  for (guint i = 0; i < TTTD_BATCH; i++)
    {
      guint8 *buf;
      gssize n;

      if (engine->vnet)
        {
          if (!read_vnet (engine, room))
            break;
          continue;
        }
      buf = get_buffer (engine);
      if (buf == NULL)
        break;
      n = read (engine->tun_fd, buf + TTTD_HEADROOM, room);
      if (n <= 0)
        {
          tttd_pool_put (&engine->tx.pool, buf);
          break;
        }
      engine->stats.tun_read++;
      from_tun (engine, buf, (gsize) n, FALSE);
    }
  tttd_engine_flush (engine);
}

static void
write_frame (const guint8 *frame, gsize len, gpointer data)
{
  TttdEngine *engine = data;

  if (write (engine->tun_fd, frame, len) == (gssize) len)
    engine->stats.tun_written++;
  else
    engine->stats.tun_write_errors++;
}

/* what GRO holds goes to the TUN: at the end of whatever delivered it */
static void
tun_flush (TttdEngine *engine)
{
  if (engine->gro.memory != NULL)
    tttd_gro_flush (&engine->gro);
}

void
tttd_engine_set_vnet (TttdEngine *engine, gboolean vnet)
{
  tun_flush (engine);
  engine->vnet = vnet;
  if (vnet && engine->tun_buf == NULL)
    engine->tun_buf = g_malloc (TTTD_VNET_HDR_LEN + TTTD_TSO_MAX);
  if (vnet && engine->gro.memory == NULL)
    tttd_gro_init (&engine->gro, write_frame, engine);
}

static void
on_reorder_deliver (gpointer buf, guint len, gboolean held, gpointer user_data)
{
  TttdPeer *peer = user_data;
  TttdEngine *engine = ENGINE_OF_PEER (peer);

  guint8 *packet = (guint8 *) buf + TTTD_HEADROOM;

  /* receive_data wrote the virtio_net_hdr in front of the packet */
  if (engine->vnet)
    tttd_gro_push (&engine->gro, packet - TTTD_VNET_HDR_LEN, len + TTTD_VNET_HDR_LEN);
  else
    write_frame (packet, len, engine);
  if (held)
    tttd_pool_put (&engine->tx.pool, buf);
}

static void
hold (TttdEngine *engine, TttdPeer *peer)
{
  gint64 deadline;

  if (!peer->holding && peer->reorder->held > 0)
    {
      peer->holding = TRUE;
      g_ptr_array_add (engine->holding, peer);
    }
  deadline = tttd_reorder_deadline (peer->reorder);
  if (deadline != G_MAXINT64)
    engine->ops->schedule (engine->data, deadline);
}

void
tttd_engine_expire_reorder (TttdEngine *engine, gint64 now_us)
{
  for (guint i = 0; i < engine->holding->len;)
    {
      TttdPeer *peer = g_ptr_array_index (engine->holding, i);
      gint64 deadline;

      tttd_reorder_expire (peer->reorder, now_us);
      if (peer->reorder->held == 0)
        {
          peer->holding = FALSE;
          g_ptr_array_remove_index_fast (engine->holding, i);
          continue;
        }
      deadline = tttd_reorder_deadline (peer->reorder);
      engine->ops->schedule (engine->data, deadline);
      i++;
    }
  /* the NACKs what expired asked for, and FEC windows whose time is up */
  tttd_recover_tick (&engine->tx, now_us);
  tun_flush (engine);
}

/* nothing of the peer stays queued or held */
static void
forget_peer (TttdEngine *engine, TttdPeer *peer)
{
  if (peer->holding)
    g_ptr_array_remove_fast (engine->holding, peer);
  peer->holding = FALSE;
  if (peer->recover != NULL)
    tttd_recover_forget (peer);
  tttd_tx_forget_peer (&engine->tx, peer);
}

static void on_rebuilt (TttdPeer *peer, guint link, guint32 seq, guint8 *buf, gsize len, gboolean urgent,
                        gpointer data);

/* rebuilt: by FEC, with no inner header of its own */
static void
receive_data (TttdEngine *engine, TttdPeer *peer, guint link, const TttdInner *inner, guint8 **slot, gsize len,
              gboolean rebuilt)
{
  TttdPath *path = &peer->paths[link];
  guint8 *buf = *slot;
  TttdIpInfo ip;
  TttdRxCsum csum = TTTD_RX_CSUM_COMPLETE;

  if (!tttd_ip_parse (buf + TTTD_HEADROOM, len, 0, &ip) || ip.length != len)
    {
      peer->stats.rx_not_ip++;
      return;
    }
  if (engine->ops->allowed_source != NULL && !engine->ops->allowed_source (engine->data, peer, &ip))
    {
      peer->stats.rx_bad_source++;
      return;
    }
  path->last_rx_data_us = engine->tx.now_us;
  if (tttd_health_note_data (&path->health, engine->tx.now_us))
    engine->ops->schedule (engine->data, engine->tx.now_us);
  peer->stats.rx_packets++;
  peer->stats.rx_bytes += len;
  if (inner->flags & TTTD_FLAG_RESENT)
    peer->stats.rx_resent++;
  if (inner->flags & TTTD_FLAG_RETRANSMIT)
    peer->stats.rx_retransmits++;
  /* FEC sums the packet as it was sent, so it sees it before the checksum
   * changes */
  tttd_recover_note_rx (peer, link, inner->seq, buf + TTTD_HEADROOM, len, on_rebuilt, engine);
  /* a sender of partial checksums keeps its packets so for resending and
   * FEC, where the mark does not follow them */
  if (inner->flags & TTTD_FLAG_CSUM_PARTIAL)
    {
      csum = TTTD_RX_CSUM_PARTIAL;
      peer->stats.rx_csum_partial++;
    }
  else if (peer->csum_partial && (rebuilt || (inner->flags & (TTTD_FLAG_RESENT | TTTD_FLAG_RETRANSMIT))))
    csum = TTTD_RX_CSUM_UNKNOWN;
  /* the virtio_net_hdr goes where the inner header was: the kernel (or the
   * NIC it forwards to) finishes a partial checksum */
  if (!tttd_rx_csum_prepare (buf + TTTD_HEADROOM, len, csum,
                             engine->vnet ? buf + TTTD_HEADROOM - TTTD_VNET_HDR_LEN : NULL))
    {
      peer->stats.rx_not_ip++;
      return;
    }
  /* with no spare buffer left, what is held goes out first, in order */
  if (engine->tx.pool.free->len == 0 && engine->tx.pool.allocated >= engine->tx.pool.max)
    tttd_reorder_flush (peer->reorder);
  /* one sent again, or rebuilt, came out of its link's order (ahead of
   * the pacer's queue): it shows nothing of what the link carried before */
  if (rebuilt || (inner->flags & (TTTD_FLAG_RESENT | TTTD_FLAG_RETRANSMIT)))
    link = G_MAXUINT;
  if (tttd_reorder_push (peer->reorder, inner->seq, link, inner->link_prev, (inner->flags & TTTD_FLAG_URGENT) != 0, buf,
                         (guint) len, engine->tx.now_us) == TTTD_REORDER_HELD)
    {
      *slot = NULL; /* the reorder buffer has it now */
      hold (engine, peer);
    }
}

/* a packet FEC rebuilt: checked and delivered as if it came on link */
static void
on_rebuilt (TttdPeer *peer, guint link, guint32 seq, guint8 *buf, gsize len, gboolean urgent, gpointer data)
{
  TttdEngine *engine = data;
  TttdInner inner = {
    .kind = TTTD_KIND_DATA,
    .flags = urgent ? TTTD_FLAG_URGENT : 0,
    .link = (guint16) link,
    .seq = seq,
    .link_prev = seq,
  };
  guint64 duplicates = peer->reorder->stats.duplicates;

  receive_data (engine, peer, link, &inner, &buf, len, TRUE);
  /* counted when it was not there already (a copy on another link) */
  if (peer->reorder->stats.duplicates == duplicates)
    peer->stats.fec_recovered++;
  if (buf != NULL)
    tttd_pool_put (&engine->tx.pool, buf);
}

static void
receive_transport (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *from, const TttdHeader *header,
                   guint8 **slot, gsize len)
{
  guint8 *buf = *slot;
  TttdPeer *peer = g_hash_table_lookup (engine->indexes, GUINT_TO_POINTER (header->receiver));
  TttdKeypair *keypair;
  TttdInner inner;
  TttdPath *path;
  gsize plain_len;
  gint link;

  if (peer == NULL || (keypair = tttd_keyring_find (&peer->keyring, header->receiver)) == NULL)
    {
      engine->stats.rx_unknown_index++;
      return;
    }
  switch (tttd_keyring_open (&peer->keyring, keypair, buf, len, header->counter, engine->tx.now_us))
    {
    case TTTD_OPEN_OK: break;
    case TTTD_OPEN_EXPIRED:
      /* past reject-after: as good as gone, whenever the timer retires it */
      engine->stats.rx_unknown_index++;
      return;
    case TTTD_OPEN_REPLAY: engine->stats.rx_replayed++; return;
    case TTTD_OPEN_AUTH:
    default: engine->stats.rx_auth_failed++; return;
    }
  tttd_keyring_confirm (&peer->keyring, keypair);
  plain_len = len - TTTD_HEADER_LEN - TTTD_TAG_LEN;
  if (tttd_inner_parse (buf + TTTD_HEADER_LEN, plain_len, &inner) != TTTD_PARSE_OK ||
      inner.link >= TTTD_SCHED_MAX_LINKS)
    {
      engine->stats.rx_bad_inner++;
      return;
    }
  link = engine->ops->link_of_queue != NULL ? engine->ops->link_of_queue (engine->data, queue) : -1;
  if (link < 0)
    {
      /* server: the path is what this authentic datagram came from, so a
       * NAT rebinding or a roaming client moves it */
      link = inner.link;
      if (!tttd_peer_has_path (peer, (guint) link) || peer->paths[link].queue != queue ||
          !tttd_sockaddr_equal (&peer->paths[link].remote, from))
        {
          gboolean metered = tttd_peer_has_path (peer, (guint) link) && peer->paths[link].metered;
          tttd_peer_path_set (peer, (guint) link, queue, from, metered);
          if (engine->ops->path_learned != NULL)
            engine->ops->path_learned (engine->data, peer, (guint) link);
        }
    }
  if (!tttd_peer_has_path (peer, (guint) link))
    return;
  path = &peer->paths[link];
  path->rx_packets++;
  path->rx_bytes += len;
  tttd_health_count_rx (&path->health, (guint) len + tttd_tx_wire_overhead (path), engine->tx.now_us);

  switch (inner.kind)
    {
    case TTTD_KIND_DATA:
      /* its timestamp is when it left: the link's queue is in its delay
       * (only a datagram that came on the link: not one FEC rebuilt) */
      tttd_health_owd_sample (&path->health, inner.timestamp, engine->tx.now_us);
      receive_data (engine, peer, (guint) link, &inner, slot, plain_len - TTTD_INNER_LEN, FALSE);
      break;
    case TTTD_KIND_PROBE:
    case TTTD_KIND_PROBE_REPLY:
      tttd_peer_receive_probe (peer, (guint) link, &inner, buf + TTTD_HEADROOM);
      /* a probe says what was sent before it: what waited for it may go */
      if (peer->reorder->held > 0)
        hold (engine, peer);
      break;
    case TTTD_KIND_NACK:
      tttd_recover_receive_nack (peer, (guint) link, buf + TTTD_HEADROOM, plain_len - TTTD_INNER_LEN);
      break;
    case TTTD_KIND_REPAIR:
      tttd_recover_receive_repair (peer, (guint) link, &inner, buf + TTTD_HEADROOM, plain_len - TTTD_INNER_LEN,
                                   on_rebuilt, engine);
      if (peer->reorder->held > 0)
        hold (engine, peer);
      break;
    case TTTD_KIND_CLOSE:
      if (engine->ops->closed != NULL)
        engine->ops->closed (engine->data, peer);
      break;
    default: break;
    }
}

/* one datagram, in a pool buffer; *slot may be taken (held for reordering) */
static void
receive_datagram (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *from, guint8 **slot, gsize len)
{
  TttdHeader header;

  engine->stats.rx_datagrams++;
  if (tttd_header_parse (*slot, len, &header) != TTTD_PARSE_OK)
    {
      engine->stats.rx_malformed++;
      return;
    }
  if (header.type == TTTD_MSG_TRANSPORT)
    receive_transport (engine, queue, from, &header, slot, len);
  else
    engine->ops->handshake (engine->data, queue, from, *slot, len);
}

void
tttd_engine_socket_readable (TttdEngine *engine, TttdTxQueue *queue)
{
  int n = tttd_rx_batch_recv (&engine->rx, queue->fd);
  guint64 written = engine->stats.tun_written;

  engine->tx.now_us = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      gsize total = engine->rx.msgs[i].msg_len;
      gsize segment = engine->rx.segment[i];

      if (total == 0 || segment == 0 || (engine->rx.msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
        {
          engine->stats.rx_datagrams++;
          engine->stats.rx_malformed++;
          continue;
        }
      /* a coalesced message holds datagrams of one size, the last shorter */
      for (gsize off = 0; off < total; off += segment)
        {
          gsize len = MIN (segment, total - off);
          guint8 *buf;

          if (len > engine->buf_size)
            {
              engine->stats.rx_datagrams++;
              engine->stats.rx_malformed++;
              continue;
            }
          buf = get_buffer (engine);
          if (buf == NULL)
            {
              engine->stats.rx_no_buffer++;
              continue;
            }
          memcpy (buf, engine->rx.bufs[i] + off, len);
          receive_datagram (engine, queue, &engine->rx.from[i], &buf, len);
          if (buf != NULL)
            tttd_pool_put (&engine->tx.pool, buf);
        }
    }
  /* the NACKs this batch collected, one per peer */
  tttd_recover_flush (&engine->tx);
  tttd_engine_flush (engine);
  tun_flush (engine);
  /* the kernel handles what we wrote to TUN before write () returns: an
   * echo reply or a TCP ACK may be waiting already. Taking it now saves a
   * trip through poll (a wakeup, tens of microseconds on an idle machine) */
  if (engine->stats.tun_written != written && engine->tun_fd >= 0)
    tttd_engine_tun_readable (engine);
}

guint32
tttd_engine_new_index (TttdEngine *engine)
{
  guint32 index;

  /* random, so that indexes tell nothing and are hard to guess */
  do
    index = randombytes_random ();
  while (index == 0 || g_hash_table_contains (engine->indexes, GUINT_TO_POINTER (index)));
  return index;
}

static void
on_retire (guint32 local_index, gpointer user_data)
{
  TttdPeer *peer = user_data;

  g_hash_table_remove (ENGINE_OF_PEER (peer)->indexes, GUINT_TO_POINTER (local_index));
}

static void
on_path_state (gpointer data, TttdPeer *peer, guint link, TttdLinkState old_state, TttdLinkState new_state)
{
  TttdEngine *engine = data;

  if (engine->ops->path_state != NULL)
    engine->ops->path_state (engine->data, peer, link, old_state, new_state);
}

TttdPeer *
tttd_engine_add_peer (TttdEngine *engine, const char *name, TttdStrategy strategy, gint64 rekey_after_us)
{
  TttdPeer *peer = tttd_peer_alloc (&engine->tx, name, strategy);

  tttd_keyring_init (&peer->keyring, rekey_after_us, on_retire, peer);
  peer->path_state = on_path_state;
  peer->path_state_data = engine;
  return peer;
}

void
tttd_engine_start_session (TttdPeer *peer, guint n_paths)
{
  if (peer->reorder == NULL)
    {
      peer->reorder = g_new (TttdReorder, 1);
      tttd_reorder_init (peer->reorder, on_reorder_deliver, peer);
      tttd_reorder_set_lost_func (peer->reorder, tttd_recover_lost);
    }
  if (peer->recover == NULL)
    peer->recover = tttd_recover_new (peer);
  tttd_peer_reserve_paths (peer, n_paths);
}

void
tttd_engine_end_session (TttdPeer *peer)
{
  tttd_engine_reset_peer (peer);
  for (guint link = 0; link < peer->n_paths; link++)
    if (peer->paths[link].present)
      tttd_peer_path_remove (peer, link, FALSE);
  tttd_peer_free_session (peer);
}

void
tttd_engine_free_peer (TttdPeer *peer)
{
  TttdEngine *engine;

  if (peer == NULL)
    return;
  engine = ENGINE_OF_PEER (peer);
  forget_peer (engine, peer);
  tttd_peer_destroy (peer);
  tun_flush (engine);
}

void
tttd_engine_reset_peer (TttdPeer *peer)
{
  forget_peer (ENGINE_OF_PEER (peer), peer);
  tttd_peer_clear_session (peer);
  tun_flush (ENGINE_OF_PEER (peer));
}

void
tttd_engine_install_keys (TttdPeer *peer, TttdKeypair *keypair, gboolean fresh)
{
  g_hash_table_insert (ENGINE_OF_PEER (peer)->indexes, GUINT_TO_POINTER (keypair->local_index), peer);
  tttd_engine_start_session (peer, 0);
  tttd_peer_take_keys (peer, keypair, fresh);
  if (fresh)
    tttd_recover_reset_rx (peer);
}

void
tttd_engine_set_recovery (TttdEngine *engine, gboolean retransmit, gint fec)
{
  engine->tx.retransmit = retransmit;
  engine->tx.fec = fec;
}
