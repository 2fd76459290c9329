/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tttd-engine-private.h"
#include "tttd-gso.h"

/* the most a TUN read brings with TSO */
#define TTTD_TSO_MAX 65536

/* buffers: a full batch in flight, the reorder buffers of a few sessions,
 * what the pacers hold, and the copies the redundant strategy makes */
#define POOL_BUFFERS 16384
/* the pacer's queue per path, and the longest wait it allows: beyond it a
 * datagram is dropped (TCP needs about a third of the path's BDP queued to
 * stay at full rate; more only adds latency) */
#define PACE_SLOTS      2048
#define PACE_MAX_US     50000
/* a datagram due within this is sent now: the main loop wakes in ms */
#define PACE_SLACK_US   500

static void on_reorder_deliver (gpointer buf, guint len, gboolean held, gpointer user_data);

void
tttd_engine_release_buffer (gpointer buf, gpointer user_data)
{
  TttdEngine *engine = user_data;

  tttd_pool_put (&engine->pool, buf);
}

TttdEngine *
tttd_engine_new (int tun_fd, guint mtu, const TttdHealthParams *health,
                 const TttdEngineOps *ops, gpointer data)
{
  TttdEngine *engine = g_new0 (TttdEngine, 1);

  engine->tun_fd = tun_fd;
  engine->mtu = mtu;
  /* headers before the packet, the tag after, and slack for a datagram a
   * little larger than ours (it is dropped as malformed, not truncated) */
  engine->max_mtu = MAX (mtu, 1500u);
  engine->buf_size = TTTD_HEADROOM + engine->max_mtu + TTTD_TAG_LEN + 64;
  tttd_pool_init (&engine->pool, engine->buf_size, POOL_BUFFERS);
  tttd_rx_batch_init (&engine->rx);
  engine->health = *health;
  engine->ops = ops;
  engine->data = data;
  engine->indexes = g_hash_table_new (NULL, NULL);
  engine->holding = g_ptr_array_new ();
  engine->pacing = g_ptr_array_new ();
  engine->max_pace_us = PACE_MAX_US;
  tttd_resend_init (&engine->resend, TTTD_RESEND_SLOTS, engine->max_mtu);
  return engine;
}

void
tttd_engine_free (TttdEngine *engine)
{
  if (engine == NULL)
    return;
  g_hash_table_unref (engine->indexes);
  g_ptr_array_unref (engine->holding);
  g_ptr_array_unref (engine->pacing);
  g_free (engine->tun_buf);
  tttd_rx_batch_clear (&engine->rx);
  tttd_pool_clear (&engine->pool);
  tttd_resend_clear (&engine->resend);
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
  return &engine->stats;
}

guint64
tttd_engine_tx_dropped (TttdEngine *engine)
{
  return engine->tx_dropped;
}

gint64
tttd_engine_now (TttdEngine *engine)
{
  return engine->now_us != 0 ? engine->now_us : g_get_monotonic_time ();
}

static void
mark_dirty (TttdEngine *engine, TttdTxQueue *queue)
{
  for (guint i = 0; i < engine->n_dirty; i++)
    if (engine->dirty[i] == queue)
      return;
  if (engine->n_dirty == G_N_ELEMENTS (engine->dirty))
    tttd_engine_flush (engine);
  engine->dirty[engine->n_dirty++] = queue;
}

void
tttd_engine_flush (TttdEngine *engine)
{
  for (guint i = 0; i < engine->n_dirty; i++)
    {
      guint64 before = engine->dirty[i]->dropped;
      tttd_tx_queue_flush (engine->dirty[i]);
      engine->tx_dropped += engine->dirty[i]->dropped - before;
    }
  engine->n_dirty = 0;
}

static void
enqueue (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *dest,
         gpointer buf, const guint8 *data, gsize len)
{
  if (!tttd_tx_queue_add (queue, dest, buf, data, len))
    {
      tttd_tx_queue_flush (queue);
      tttd_tx_queue_add (queue, dest, buf, data, len);
    }
  mark_dirty (engine, queue);
}

void
tttd_engine_send_raw (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *dest,
                      const guint8 *data, gsize len)
{
  gpointer buf = tttd_pool_get (&engine->pool);

  if (buf == NULL || len > engine->buf_size)
    {
      if (buf != NULL)
        tttd_pool_put (&engine->pool, buf);
      return;
    }
  memcpy (buf, data, len);
  enqueue (engine, queue, dest, buf, buf, len);
}

guint32
tttd_peer_path_sent_seq (TttdPeer *peer, guint link)
{
  const TttdPath *path = &peer->paths[link];

  if (path->paced_count > 0)
    return path->paced[path->paced_head].seq;
  return peer->tx_seq;
}

guint
tttd_engine_wire_overhead (const TttdPath *path)
{
  return path->remote.sa.sa_family == AF_INET6 ? TTTD_UDP6_OVERHEAD : TTTD_UDP4_OVERHEAD;
}

static void
send_now (TttdEngine *engine, TttdPath *path, guint8 *buf, gsize total)
{
  path->tx_packets++;
  path->tx_bytes += total;
  tttd_health_count_tx (&path->health, (guint) (total + tttd_engine_wire_overhead (path)));
  enqueue (engine, path->queue, &path->remote, buf, buf, total);
}

static void
pace_later (TttdEngine *engine, TttdPeer *peer, TttdPath *path, guint8 *buf, gsize total,
            guint32 seq, gint64 depart)
{
  TttdPaced *slot;

  if (path->paced == NULL)
    path->paced = g_new (TttdPaced, PACE_SLOTS);
  slot = &path->paced[(path->paced_head + path->paced_count++) % PACE_SLOTS];
  slot->buf = buf;
  slot->len = (guint32) total;
  slot->seq = seq;
  slot->depart_us = depart;
  tttd_health_backlogged (&path->health, engine->now_us);
  if (!peer->pacing)
    {
      peer->pacing = TRUE;
      g_ptr_array_add (engine->pacing, peer);
    }
  engine->ops->schedule (engine->data, depart);
}

/* seal buf (inner header + payload_len bytes after it) with the current
 * keys and send it, now or when the link's pacer says; consumes buf.
 * Paced datagrams leave at the rate the link carries, so that its own
 * queue (a modem's buffer) stays short; a link whose queue is already
 * longer than the pacer allows drops them, which is what tells TCP to
 * slow down.  Urgent ones go at once, ahead of the queue. */
static gboolean
transmit (TttdEngine *engine, TttdPeer *peer, TttdKeypair *keypair, guint link, guint8 *buf,
          const TttdInner *inner, gsize payload_len, gboolean paced)
{
  TttdPath *path = &peer->paths[link];
  TttdSchedLink *sl = &peer->sched.links[link];
  gint64 now = engine->now_us, depart;
  gsize total;
  guint wire;

  tttd_inner_write (buf + TTTD_HEADER_LEN, inner);
  total = tttd_keypair_seal (keypair, peer->keyring.reject_after_messages, buf, TTTD_INNER_LEN + payload_len);
  if (total == 0)
    {
      tttd_pool_put (&engine->pool, buf);
      return FALSE;
    }
  wire = (guint) total + tttd_engine_wire_overhead (path);
  if (sl->rate_Bps == 0)
    {
      /* unpaced: out now, but the scheduler still counts what it sent */
      tttd_scheduler_sent (&peer->sched, link, wire, now);
      send_now (engine, path, buf, total);
      return TRUE;
    }
  depart = MAX (now, sl->backlog_until_us);
  if (paced && depart - now > engine->max_pace_us)
    {
      peer->stats.tx_queue_full++;
      tttd_pool_put (&engine->pool, buf);
      return FALSE;
    }
  tttd_scheduler_sent (&peer->sched, link, wire, now);
  if (!paced || (depart <= now + PACE_SLACK_US && path->paced_count == 0))
    send_now (engine, path, buf, total);
  else if (path->paced_count < PACE_SLOTS)
    pace_later (engine, peer, path, buf, total, inner->seq, depart);
  else
    {
      peer->stats.tx_queue_full++;
      tttd_pool_put (&engine->pool, buf);
      return FALSE;
    }
  return TRUE;
}

gboolean
tttd_engine_seal_and_queue (TttdEngine *engine, TttdPeer *peer, TttdKeypair *keypair,
                            guint link, guint8 *buf, const TttdInner *inner, gsize payload_len)
{
  return transmit (engine, peer, keypair, link, buf, inner, payload_len, FALSE);
}

/* the same, through the link's pacer (dropped if its queue is too long) */
gboolean
tttd_engine_seal_and_pace (TttdEngine *engine, TttdPeer *peer, TttdKeypair *keypair,
                           guint link, guint8 *buf, const TttdInner *inner, gsize payload_len)
{
  return transmit (engine, peer, keypair, link, buf, inner, payload_len, TRUE);
}

void
tttd_engine_path_unpace (TttdEngine *engine, TttdPath *path)
{
  while (path->paced_count > 0)
    {
      tttd_pool_put (&engine->pool, path->paced[path->paced_head].buf);
      path->paced_head = (path->paced_head + 1) % PACE_SLOTS;
      path->paced_count--;
    }
  g_clear_pointer (&path->paced, g_free);
  path->paced_head = 0;
}

void
tttd_engine_pace (TttdEngine *engine, gint64 now_us)
{
  gint64 next = G_MAXINT64;

  engine->now_us = now_us;
  for (guint i = 0; i < engine->pacing->len;)
    {
      TttdPeer *peer = g_ptr_array_index (engine->pacing, i);
      gboolean waiting = FALSE;

      for (guint link = 0; link < TTTD_SCHED_MAX_LINKS; link++)
        {
          TttdPath *path = &peer->paths[link];
          while (path->paced_count > 0 && path->paced[path->paced_head].depart_us <= now_us + PACE_SLACK_US)
            {
              TttdPaced *slot = &path->paced[path->paced_head];
              send_now (engine, path, slot->buf, slot->len);
              path->paced_head = (path->paced_head + 1) % PACE_SLOTS;
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
          g_ptr_array_remove_index_fast (engine->pacing, i);
          continue;
        }
      i++;
    }
  tttd_engine_flush (engine);
  if (next != G_MAXINT64)
    engine->ops->schedule (engine->data, next);
}

/* consumes buf: the packet is at buf + TTTD_HEADROOM */
static void
send_data (TttdEngine *engine, TttdPeer *peer, guint8 *buf, gsize len, const TttdIpInfo *ip)
{
  gint64 now = engine->now_us;
  TttdKeypair *keypair = tttd_keyring_sender (&peer->keyring, now);
  TttdPacketInfo info;
  guint32 mask, seq;
  guint copies;
  gboolean urgent;

  if (keypair == NULL)
    {
      peer->stats.tx_no_session++;
      tttd_pool_put (&engine->pool, buf);
      return;
    }
  tttd_peer_check_paths (peer, now);
  info.flow_hash = ip->flow_hash ^ peer->hash_seed;
  info.wire_len = (guint) len + TTTD_UDP4_OVERHEAD + TTTD_OVERHEAD;
  info.flags = ip->latency_critical ? TTTD_PACKET_LATENCY_CRITICAL : 0;
  mask = tttd_scheduler_pick (&peer->sched, &info, now);
  if (mask == 0)
    {
      peer->stats.tx_no_link++;
      tttd_pool_put (&engine->pool, buf);
      return;
    }
  seq = peer->tx_seq++;
  copies = (guint) __builtin_popcount (mask);
  urgent = ip->latency_critical;
  /* with another link to go to, keep a copy in case this one dies now */
  if (copies == 1 && !urgent && __builtin_popcount (peer->sched.eligible) > 1)
    tttd_resend_note (&engine->resend, peer, (guint) __builtin_ctz (mask), seq, info.flow_hash,
                      buf + TTTD_HEADROOM, len, now);
  peer->stats.tx_packets++;
  peer->stats.tx_bytes += len;
  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint link = (guint) __builtin_ctz (m);
      TttdPath *path = &peer->paths[link];
      guint8 *out = buf;
      TttdInner inner = {
        .kind = TTTD_KIND_DATA,
        .flags = (copies > 1 ? TTTD_FLAG_COPY : 0) | (urgent ? TTTD_FLAG_URGENT : 0),
        .link = (guint16) link,
        .seq = seq,
        /* urgent ones overtake the link's queue: they vouch for nothing */
        .link_prev = path->sent_data && !urgent ? path->last_data_seq : seq,
        .timestamp = (guint32) now,
      };

      if ((m & (m - 1)) != 0)
        {
          /* more links follow: this one gets a copy, the last the original */
          out = tttd_pool_get (&engine->pool);
          if (out == NULL)
            {
              peer->stats.tx_no_buffer++;
              continue;
            }
          memcpy (out + TTTD_HEADROOM, buf + TTTD_HEADROOM, len);
        }
      if (transmit (engine, peer, keypair, link, out, &inner, len, !urgent))
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
 * send it; consumes buf */
static void
from_tun (TttdEngine *engine, guint8 *buf, gsize len)
{
  TttdIpInfo ip;
  TttdPeer *peer;

  if (!tttd_ip_parse (buf + TTTD_HEADROOM, len, 0, &ip) ||
      (peer = engine->ops->route (engine->data, &ip)) == NULL)
    {
      engine->stats.tun_not_ip++;
      tttd_pool_put (&engine->pool, buf);
      return;
    }
  send_data (engine, peer, buf, len, &ip);
}

static guint8 *
get_buffer (TttdEngine *engine)
{
  guint8 *buf = tttd_pool_get (&engine->pool);

  if (buf == NULL)
    {
      tttd_engine_flush (engine);
      buf = tttd_pool_get (&engine->pool);
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
          tttd_pool_put (&engine->pool, buf);
          break;
        }
      from_tun (engine, buf, (gsize) len);
    }
  return TRUE;
}

void
tttd_engine_tun_readable (TttdEngine *engine)
{
  gsize room = engine->buf_size - TTTD_HEADROOM - TTTD_TAG_LEN - 64;

  engine->now_us = g_get_monotonic_time ();
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
          tttd_pool_put (&engine->pool, buf);
          break;
        }
      engine->stats.tun_read++;
      from_tun (engine, buf, (gsize) n);
    }
  tttd_engine_flush (engine);
}

void
tttd_engine_set_vnet (TttdEngine *engine, gboolean vnet)
{
  engine->vnet = vnet;
  if (vnet && engine->tun_buf == NULL)
    engine->tun_buf = g_malloc (TTTD_VNET_HDR_LEN + TTTD_TSO_MAX);
}

static void
on_reorder_deliver (gpointer buf, guint len, gboolean held, gpointer user_data)
{
  TttdPeer *peer = user_data;
  TttdEngine *engine = peer->engine;

  guint8 *packet = (guint8 *) buf + TTTD_HEADROOM;
  gssize want = len;

  if (engine->vnet)
    {
      /* nothing for the kernel to do: our packets carry whole checksums */
      packet -= TTTD_VNET_HDR_LEN;
      memset (packet, 0, TTTD_VNET_HDR_LEN);
      want += TTTD_VNET_HDR_LEN;
    }
  if (write (engine->tun_fd, packet, (gsize) want) == want)
    engine->stats.tun_written++;
  else
    engine->stats.tun_write_errors++;
  if (held)
    tttd_pool_put (&engine->pool, buf);
}

void
tttd_engine_hold (TttdEngine *engine, TttdPeer *peer)
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
}

void
tttd_engine_forget_peer (TttdEngine *engine, TttdPeer *peer)
{
  if (peer->holding)
    g_ptr_array_remove_fast (engine->holding, peer);
  peer->holding = FALSE;
  if (peer->pacing)
    g_ptr_array_remove_fast (engine->pacing, peer);
  peer->pacing = FALSE;
  for (guint link = 0; link < TTTD_SCHED_MAX_LINKS; link++)
    tttd_engine_path_unpace (engine, &peer->paths[link]);
  tttd_resend_forget (&engine->resend, peer);
}

static void
receive_data (TttdEngine *engine, TttdPeer *peer, guint link, const TttdInner *inner,
              guint8 **slot, gsize len)
{
  TttdPath *path = &peer->paths[link];
  guint8 *buf = *slot;
  TttdIpInfo ip;

  if (!tttd_ip_parse (buf + TTTD_HEADROOM, len, 0, &ip) || ip.length != len)
    {
      peer->stats.rx_bad_packet++;
      return;
    }
  if (engine->ops->allowed_source != NULL &&
      !engine->ops->allowed_source (engine->data, peer, &ip))
    {
      peer->stats.rx_bad_source++;
      return;
    }
  path->last_rx_data_us = engine->now_us;
  if (tttd_health_note_data (&path->health, engine->now_us))
    engine->ops->schedule (engine->data, engine->now_us);
  peer->stats.rx_packets++;
  peer->stats.rx_bytes += len;
  if (inner->flags & TTTD_FLAG_RESENT)
    peer->stats.rx_resent++;
  /* with no spare buffer left, what is held goes out first, in order */
  if (engine->pool.free->len == 0 && engine->pool.allocated >= engine->pool.max)
    tttd_reorder_flush (peer->reorder);
  if (tttd_reorder_push (peer->reorder, inner->seq, link, inner->link_prev,
                         (inner->flags & TTTD_FLAG_URGENT) != 0,
                         buf, (guint) len, engine->now_us) == TTTD_REORDER_HELD)
    {
      *slot = NULL;   /* the reorder buffer has it now */
      tttd_engine_hold (engine, peer);
    }
}

static void
receive_transport (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *from,
                   const TttdHeader *header, guint8 **slot, gsize len)
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
  switch (tttd_keyring_open (&peer->keyring, keypair, buf, len, header->counter, engine->now_us))
    {
    case TTTD_OPEN_OK:
      break;
    case TTTD_OPEN_EXPIRED:
      /* past reject-after: as good as gone, whenever the timer retires it */
      engine->stats.rx_unknown_index++;
      return;
    case TTTD_OPEN_REPLAY:
      engine->stats.rx_replayed++;
      return;
    case TTTD_OPEN_AUTH:
    default:
      engine->stats.rx_auth_failed++;
      return;
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
      path = &peer->paths[link];
      if (!path->present || path->queue != queue || !tttd_sockaddr_equal (&path->remote, from))
        {
          tttd_peer_path_set (peer, (guint) link, queue, from, path->metered);
          if (engine->ops->path_learned != NULL)
            engine->ops->path_learned (engine->data, peer, (guint) link);
        }
    }
  path = &peer->paths[link];
  if (!path->present)
    return;
  path->rx_packets++;
  path->rx_bytes += len;
  tttd_health_count_rx (&path->health, (guint) len + tttd_engine_wire_overhead (path), engine->now_us);

  switch (inner.kind)
    {
    case TTTD_KIND_DATA:
      receive_data (engine, peer, (guint) link, &inner, slot, plain_len - TTTD_INNER_LEN);
      break;
    case TTTD_KIND_PROBE:
    case TTTD_KIND_PROBE_REPLY:
      tttd_peer_receive_probe (peer, (guint) link, &inner, buf + TTTD_HEADROOM);
      break;
    case TTTD_KIND_CLOSE:
      if (engine->ops->closed != NULL)
        engine->ops->closed (engine->data, peer);
      break;
    default:
      break;
    }
}

/* one datagram, in a pool buffer; *slot may be taken (held for reordering) */
static void
receive_datagram (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *from,
                  guint8 **slot, gsize len)
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

  engine->now_us = g_get_monotonic_time ();
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
            tttd_pool_put (&engine->pool, buf);
        }
    }
  tttd_engine_flush (engine);
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

TttdReorderDeliver
tttd_engine_deliver_func (void)
{
  return on_reorder_deliver;
}
