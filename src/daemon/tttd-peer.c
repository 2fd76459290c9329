/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* one far end: its keys, paths, probes and replies, health to scheduler */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tttd-log.h"
#include "tttd-peer.h"
#include "tttd-recover.h"
#include "tttd-tx.h"

/* how often the send path looks at the links' liveness */
#define CHECK_INTERVAL_US 10000
/* how long the far end takes to find a link dead, at most, while it carries data */
#define FAR_DOWN_WINDOW_US 300000
/* how long a removed link is still listed as down in our probes: the far
 * end hears it on the first that arrives; the rest cover their loss */
#define GONE_ANNOUNCE_US 2000000

static void announce_down (TttdPeer *peer, gint64 now_us);

#define PEER_COUNTER(name, field)    TTTD_COUNTER (name, TttdPeerCounters, peer.field)
#define REORDER_COUNTER(name, field) TTTD_COUNTER (name, TttdPeerCounters, reorder.field)

const TttdCounter tttd_peer_counters[] = {
  PEER_COUNTER ("rx-bad-source", rx_bad_source),
  PEER_COUNTER ("rx-not-ip", rx_not_ip),
  PEER_COUNTER ("tx-no-session", tx_no_session),
  PEER_COUNTER ("tx-no-link", tx_no_link),
  REORDER_COUNTER ("reorder-reordered", reordered),
  REORDER_COUNTER ("reorder-duplicates", duplicates),
  REORDER_COUNTER ("reorder-late", late),
  REORDER_COUNTER ("reorder-lost", lost),
  REORDER_COUNTER ("reorder-timeouts", timeouts),
  PEER_COUNTER ("rekeys", rekeys),
  PEER_COUNTER ("tx-queue-full", tx_queue_full),
  PEER_COUNTER ("tx-moved", tx_moved),
  PEER_COUNTER ("tx-resent", tx_resent),
  PEER_COUNTER ("rx-resent", rx_resent),
  PEER_COUNTER ("nacks-sent", nacks_sent),
  PEER_COUNTER ("nacks-received", nacks_received),
  PEER_COUNTER ("nacks-limited", nacks_limited),
  PEER_COUNTER ("rx-bad-nack", rx_bad_nack),
  PEER_COUNTER ("retransmits", retransmits),
  PEER_COUNTER ("rx-retransmits", rx_retransmits),
  PEER_COUNTER ("retransmits-refused", retransmits_refused),
  REORDER_COUNTER ("recovered-retransmit", recovered),
  REORDER_COUNTER ("reorder-stuck", stuck),
  PEER_COUNTER ("fec-repair-sent", fec_repairs_sent),
  PEER_COUNTER ("fec-overhead-bytes", fec_overhead_bytes),
  PEER_COUNTER ("rx-fec-repair", rx_fec_repairs),
  PEER_COUNTER ("rx-bad-repair", rx_bad_repair),
  PEER_COUNTER ("recovered-fec", fec_recovered),
  PEER_COUNTER ("tx-csum-partial", tx_csum_partial),
  PEER_COUNTER ("rx-csum-partial", rx_csum_partial),
};
const guint tttd_peer_n_counters = G_N_ELEMENTS (tttd_peer_counters);

TttdPeer *
tttd_peer_alloc (TttdTx *tx, const char *name, TttdStrategy strategy)
{
  TttdPeer *peer = g_new0 (TttdPeer, 1);

  peer->tx = tx;
  peer->name = g_strdup (name);
  /* wiped when freed; see tttd_keypair_new for why not sodium_malloc */
  peer->handshake = g_aligned_alloc0 (1, sizeof *peer->handshake, 64);
  tttd_handshake_clear (peer->handshake);
  peer->strategy = strategy;
  peer->hash_seed = randombytes_random ();
  peer->fresh = TRUE;
  return peer;
}

void
tttd_peer_destroy (TttdPeer *peer)
{
  if (peer->reorder != NULL)
    tttd_reorder_flush (peer->reorder);
  tttd_keyring_clear (&peer->keyring);
  sodium_memzero (peer->handshake, sizeof *peer->handshake);
  g_aligned_free (peer->handshake);
  tttd_peer_free_session (peer);
  g_free (peer->name);
  g_free (peer);
}

void
tttd_peer_reserve_paths (TttdPeer *peer, guint n)
{
  g_return_if_fail (n <= TTTD_SCHED_MAX_LINKS);
  if (peer->sched == NULL)
    {
      peer->sched = g_new (TttdScheduler, 1);
      tttd_scheduler_init (peer->sched, peer->strategy);
    }
  if (n <= peer->n_paths)
    return;
  /* a path's pacer ring is its own allocation: moving the array keeps it */
  peer->paths = g_renew (TttdPath, peer->paths, n);
  memset (&peer->paths[peer->n_paths], 0, (n - peer->n_paths) * sizeof *peer->paths);
  peer->n_paths = n;
}

static void
add_reorder_stats (TttdReorderStats *sum, const TttdReorderStats *more)
{
  sum->delivered += more->delivered;
  sum->reordered += more->reordered;
  sum->duplicates += more->duplicates;
  sum->late += more->late;
  sum->lost += more->lost;
  sum->timeouts += more->timeouts;
  sum->resyncs += more->resyncs;
  sum->asked += more->asked;
  sum->recovered += more->recovered;
}

void
tttd_peer_free_session (TttdPeer *peer)
{
  if (peer->reorder != NULL)
    {
      /* the counters outlive the session */
      tttd_reorder_clear (peer->reorder);
      add_reorder_stats (&peer->reorder_past, &peer->reorder->stats);
      g_clear_pointer (&peer->reorder, g_free);
    }
  g_clear_pointer (&peer->recover, tttd_recover_free);
  for (guint link = 0; link < peer->n_paths; link++)
    g_clear_pointer (&peer->paths[link].paced, g_free);
  g_clear_pointer (&peer->paths, g_free);
  peer->n_paths = 0;
  g_clear_pointer (&peer->sched, g_free);
}

void
tttd_peer_set_strategy (TttdPeer *peer, TttdStrategy strategy)
{
  peer->strategy = strategy;
  if (peer->sched != NULL)
    tttd_scheduler_set_strategy (peer->sched, strategy);
}

void
tttd_peer_take_keys (TttdPeer *peer, TttdKeypair *keypair, gboolean fresh)
{
  if (peer->keyring.current != NULL && !fresh)
    peer->stats.rekeys++;
  tttd_keyring_install (&peer->keyring, keypair);
  if (fresh && peer->reorder != NULL)
    {
      /* the far end starts its sequence numbers over */
      tttd_reorder_reset (peer->reorder);
    }
  peer->last_handshake_us = g_get_monotonic_time ();
  peer->last_handshake_real = g_get_real_time ();
}

/* forget the session (keys, sequence state), keep the paths */
void
tttd_peer_clear_session (TttdPeer *peer)
{
  if (peer->reorder != NULL)
    tttd_reorder_reset (peer->reorder);
  tttd_keyring_clear (&peer->keyring);
  tttd_handshake_clear (peer->handshake);
  peer->tx_seq = 0;
  peer->fresh = TRUE;
}

void
tttd_peer_close (TttdPeer *peer)
{
  TttdTx *tx = peer->tx;
  TttdKeypair *keypair = tttd_keyring_sender (&peer->keyring, tttd_tx_now (tx));

  if (keypair == NULL)
    return;
  /* say goodbye on every path, so the far end frees the session now */
  for (guint link = 0; link < peer->n_paths; link++)
    {
      TttdInner inner = { .kind = TTTD_KIND_CLOSE, .link = (guint16) link, .seq = peer->tx_seq };
      guint8 *buf;

      if (!peer->paths[link].present || (buf = tttd_pool_get (&tx->pool)) == NULL)
        continue;
      tttd_tx_seal_and_queue (tx, peer, keypair, link, buf, &inner, 0);
    }
  tttd_tx_flush (tx);
}

void
tttd_peer_path_set (TttdPeer *peer, guint link, TttdTxQueue *queue, const TttdSockaddr *remote, gboolean metered)
{
  gint64 now = tttd_tx_now (peer->tx);
  TttdSchedLink *sl;
  TttdPath *path;

  g_return_if_fail (link < TTTD_SCHED_MAX_LINKS);
  tttd_peer_reserve_paths (peer, link + 1);
  path = &peer->paths[link];
  sl = &peer->sched->links[link];
  if (!path->present)
    {
      memset (path, 0, sizeof *path);
      tttd_health_init (&path->health, now);
      path->present = TRUE;
      sl->present = TRUE;
      sl->enabled = TRUE;
      sl->state = TTTD_LINK_PROBING;
      if (sl->weight == 0)
        sl->weight = 10;
    }
  path->queue = queue;
  path->remote = *remote;
  path->metered = metered;
  sl->metered = metered;
  peer->gone_links &= ~(1u << link);
}

typedef struct {
  TttdPeer *peer;
  TttdKeypair *keypair;
} Resend;

static void
resend_one (const TttdResendEntry *entry, const guint8 *data, gpointer user_data)
{
  Resend *r = user_data;
  TttdTx *tx = r->peer->tx;
  TttdPacketInfo info = {
    .flow_hash = entry->flow_hash,
    .wire_len = entry->len + TTTD_UDP4_OVERHEAD + TTTD_OVERHEAD,
  };
  guint32 mask = tttd_scheduler_pick (r->peer->sched, &info, tx->now_us);
  guint link;
  guint8 *buf;
  TttdInner inner = {
    .kind = TTTD_KIND_DATA,
    .flags = TTTD_FLAG_RESENT,
    .seq = entry->seq,
    .link_prev = entry->seq, /* out of the new link's order: vouches for nothing */
    .timestamp = (guint32) tx->now_us,
  };

  if (mask == 0 || (buf = tttd_pool_get (&tx->pool)) == NULL)
    return;
  link = (guint) __builtin_ctz (mask);
  inner.link = (guint16) link;
  memcpy (buf + TTTD_HEADROOM, data, entry->len);
  if (tttd_tx_seal_and_pace (tx, r->peer, r->keypair, link, buf, &inner, entry->len))
    r->peer->stats.tx_resent++;
}

/* a link just died: what it carried since since_us goes again on the
 * others, as the far end would otherwise wait for TCP to notice */
static void
resend_link (TttdPeer *peer, guint link, gint64 since_us)
{
  TttdTx *tx = peer->tx;
  Resend r = { peer, tttd_keyring_sender (&peer->keyring, tx->now_us) };

  if (r.keypair == NULL)
    return;
  if (tttd_resend_take (&tx->resend, peer, link, since_us, resend_one, &r) > 0)
    tttd_tx_flush (tx);
}

/* what may have been lost on a link found dead: sent after the last sign
 * of life less one RTT; when the far end found it dead, since it last
 * heard us, which we can only bound */
static gint64
lost_since (const TttdPath *path, gint64 now_us)
{
  if (path->health.state != TTTD_LINK_DOWN)
    return now_us - FAR_DOWN_WINDOW_US - (gint64) path->health.srtt_us;
  return path->health.last_rx_us - (gint64) path->health.srtt_us;
}

void
tttd_peer_path_remove (TttdPeer *peer, guint link, gboolean announce)
{
  gint64 now = g_get_monotonic_time ();
  TttdSchedLink *sl;
  gboolean was_present;

  g_return_if_fail (link < TTTD_SCHED_MAX_LINKS);
  if (link >= peer->n_paths)
    return;
  sl = &peer->sched->links[link];
  was_present = peer->paths[link].present;
  peer->tx->now_us = now;
  tttd_tx_path_unpace (peer->tx, &peer->paths[link]);
  /* a modem unplugged: what its socket still held is gone */
  if (sl->state == TTTD_LINK_UP || sl->state == TTTD_LINK_DEGRADED)
    {
      sl->state = TTTD_LINK_DOWN;
      resend_link (peer, link, now - (gint64) peer->paths[link].health.srtt_us);
    }
  memset (&peer->paths[link], 0, sizeof peer->paths[link]);
  memset (&peer->sched->links[link], 0, sizeof peer->sched->links[link]);
  if (peer->sched->active == (gint) link)
    peer->sched->active = -1;
  /* what was in flight on it will not come: stop waiting for it */
  if (peer->reorder != NULL)
    tttd_reorder_forget_link (peer->reorder, link);
  /* the far end must stop using it now, not when it finds it silent: say
   * so on every link left, at once */
  if (was_present && announce)
    {
      peer->gone_links |= 1u << link;
      peer->gone_until_us = now + GONE_ANNOUNCE_US;
      announce_down (peer, now);
      tttd_tx_flush (peer->tx);
    }
}

TttdLinkState
tttd_peer_path_state (const TttdPeer *peer, guint link)
{
  const TttdPath *path;

  if (!tttd_peer_has_path (peer, link))
    return TTTD_LINK_DOWN;
  path = &peer->paths[link];
  if (path->far_down && path->health.state != TTTD_LINK_DOWN)
    return TTTD_LINK_DOWN;
  return path->health.state;
}

static void
sync_sched (TttdPeer *peer, guint link)
{
  TttdPath *path = &peer->paths[link];
  TttdSchedLink *sl = &peer->sched->links[link];
  TttdLinkState state = tttd_peer_path_state (peer, link);
  gboolean died = state == TTTD_LINK_DOWN && (sl->state == TTTD_LINK_UP || sl->state == TTTD_LINK_DEGRADED);

  if (state == TTTD_LINK_UP && sl->state != TTTD_LINK_UP)
    sl->up_since_us = path->health.state_since_us;
  if (state != sl->state && (sl->state != TTTD_LINK_PROBING || state == TTTD_LINK_DOWN) && peer->path_state != NULL)
    peer->path_state (peer->path_state_data, peer, link, sl->state, state);
  sl->state = state;
  /* paced from now on: what the virtual backlog held is no real queue */
  if (sl->rate_Bps == 0 && path->health.pacing_Bps != 0)
    sl->backlog_until_us = 0;
  sl->rate_Bps = path->health.pacing_Bps;
  sl->spread_Bps = path->health.capacity_Bps != 0 ? path->health.capacity_Bps : TTTD_HEALTH_UNPACED_BPS;
  sl->srtt_us = path->health.srtt_us;
  sl->loss = tttd_health_loss (&path->health);
  /* with the scheduler's view up to date, the others take its share */
  if (died)
    resend_link (peer, link, lost_since (path, peer->tx->now_us));
}

void
tttd_peer_check_paths (TttdPeer *peer, gint64 now_us)
{
  if (now_us - peer->last_check_us < CHECK_INTERVAL_US)
    return;
  peer->last_check_us = now_us;
  for (guint link = 0; link < peer->n_paths; link++)
    if (peer->paths[link].present)
      {
        tttd_health_tick (&peer->paths[link].health, &peer->tx->health, peer->paths[link].metered, now_us);
        sync_sched (peer, link);
      }
}

/* the links this end found dead itself, or removed lately (not what the
 * far end told it, or the two would echo a dead link to each other
 * forever) */
static guint32
own_down_links (TttdPeer *peer)
{
  guint32 mask = 0;

  if (peer->gone_links != 0 && tttd_tx_now (peer->tx) < peer->gone_until_us)
    mask |= peer->gone_links;
  else
    peer->gone_links = 0;

  for (guint link = 0; link < peer->n_paths; link++)
    if (peer->paths[link].present && peer->paths[link].health.state == TTTD_LINK_DOWN)
      mask |= 1u << link;
  return mask;
}

/* what the far end found dead: those links are not used from here either */
static void
apply_far_down (TttdPeer *peer, guint32 mask)
{
  for (guint link = 0; link < peer->n_paths; link++)
    {
      TttdPath *path = &peer->paths[link];
      gboolean down = (mask >> link) & 1;
      if (!path->present || path->far_down == down)
        continue;
      path->far_down = down;
      if (down)
        tttd_reorder_forget_link (peer->reorder, link);
      sync_sched (peer, link);
    }
}

static void
send_probe (TttdPeer *peer, guint link, TttdKind kind, const TttdProbe *body, guint8 flags, guint interval_ms)
{
  TttdTx *tx = peer->tx;
  TttdProbe probe = *body;
  TttdKeypair *keypair = tttd_keyring_sender (&peer->keyring, tx->now_us);
  guint8 *buf;
  TttdInner inner = {
    .kind = kind,
    .flags = flags,
    .link = (guint16) link,
    .seq = tttd_tx_path_sent_seq (peer, link), /* every data sequence before it is on the wire */
    .link_prev = interval_ms,                  /* when the next probe comes */
    .timestamp = (guint32) tx->now_us,
  };

  if (keypair == NULL || (buf = tttd_pool_get (&tx->pool)) == NULL)
    return;
  probe.down_links = own_down_links (peer);
  tttd_probe_write (buf + TTTD_HEADROOM, &probe);
  tttd_tx_seal_and_queue (tx, peer, keypair, link, buf, &inner, TTTD_PROBE_LEN);
}

/* what the estimators make of a path, at each probe exchange (debug only) */
static void
log_path (TttdPeer *peer, guint link)
{
  TttdPath *path = &peer->paths[link];

  tttd_log_debug ("%s path %u: rtt %" G_GUINT64_FORMAT " min %" G_GUINT64_FORMAT " delivery %" G_GUINT64_FORMAT
                  " capacity %" G_GUINT64_FORMAT " pacing %" G_GUINT64_FORMAT
                  " kbit/s, queue out %u in %u us, queued %u, loss out %.3f in %.3f, %s",
                  peer->name, link, path->health.last_rtt_us, path->health.min_rtt_us,
                  path->health.delivery_Bps * 8 / 1000, path->health.capacity_Bps * 8 / 1000,
                  path->health.pacing_Bps * 8 / 1000, path->health.tx_queue_us, path->health.rx_queue_us,
                  path->paced_count, path->health.out.loss, path->health.in.loss,
                  tttd_link_state_to_string (path->health.state));
}

void
tttd_peer_receive_probe (TttdPeer *peer, guint link, const TttdInner *inner, const guint8 *body)
{
  TttdTx *tx = peer->tx;
  TttdPath *path = &peer->paths[link];
  TttdProbe probe, reply;

  if (tttd_probe_parse (body, TTTD_PROBE_LEN, &probe) != TTTD_PARSE_OK)
    return;
  tttd_reorder_link_mark (peer->reorder, link, inner->seq, tx->now_us);
  /* the hold time and the FEC window follow what the probes measure */
  tttd_recover_update (peer);
  if (inner->flags & TTTD_FLAG_LINK_DOWN)
    probe.down_links |= 1u << link;
  if (inner->kind == TTTD_KIND_PROBE_REPLY)
    {
      tttd_health_reply_received (&path->health, &tx->health, &probe, inner->timestamp, tx->now_us);
      sync_sched (peer, link);
      apply_far_down (peer, probe.down_links);
      log_path (peer, link);
      return;
    }
  apply_far_down (peer, probe.down_links);
  tttd_health_probe_received (&path->health, &tx->health, &probe, inner->timestamp, inner->link_prev, &reply,
                              tx->now_us);
  sync_sched (peer, link);
  log_path (peer, link);
  send_probe (peer, link, TTTD_KIND_PROBE_REPLY, &reply, 0, 0);
}

/* a probe on the link now (its health decides what it carries) */
static void
probe_path (TttdPeer *peer, guint link, gint64 now_us)
{
  TttdHealth *health = &peer->paths[link].health;
  guint interval = tttd_health_interval_ms (health, &peer->tx->health, peer->paths[link].metered, now_us);
  TttdProbe probe;

  /* the far end is told when the next one comes: when the rate slows down
   * before then (quiet, dormant), the slower one; and the next keeps the
   * promise when the rate slowed sooner than foreseen */
  interval = MAX (interval, tttd_health_interval_ms (health, &peer->tx->health, peer->paths[link].metered,
                                                     now_us + (gint64) interval * 1000));
  tttd_health_probe_sent (health, &probe, (guint32) now_us, interval, now_us);
  send_probe (peer, link, TTTD_KIND_PROBE, &probe, health->state == TTTD_LINK_DOWN ? TTTD_FLAG_LINK_DOWN : 0, interval);
}

/* a probe now on every live link: each carries the links we found dead */
static void
announce_down (TttdPeer *peer, gint64 now_us)
{
  if (tttd_keyring_sender (&peer->keyring, now_us) == NULL)
    return;
  for (guint link = 0; link < peer->n_paths; link++)
    {
      TttdPath *path = &peer->paths[link];
      if (path->present && path->health.state != TTTD_LINK_DOWN)
        {
          probe_path (peer, link, now_us);
          path->probe_due = FALSE;
        }
    }
}

gint64
tttd_peer_tick (TttdPeer *peer, gboolean prober, gint64 now_us)
{
  TttdTx *tx = peer->tx;
  gint64 next = now_us + G_USEC_PER_SEC;
  guint32 was_down = own_down_links (peer), newly_down;

  tx->now_us = now_us;
  tttd_keyring_expire (&peer->keyring, now_us);
  for (guint link = 0; link < peer->n_paths; link++)
    {
      TttdPath *path = &peer->paths[link];

      if (!path->present)
        continue;
      path->probe_due = tttd_health_tick (&path->health, &tx->health, path->metered, now_us);
      sync_sched (peer, link);
    }
  /* a link just found dead: say so at once on every other link, so that
   * the far end stops sending on it now rather than when it notices */
  newly_down = own_down_links (peer) & ~was_down;
  if (prober && newly_down != 0)
    announce_down (peer, now_us);
  for (guint link = 0; prober && link < peer->n_paths; link++)
    {
      TttdPath *path = &peer->paths[link];
      TttdHealth *health = &path->health;

      if (!path->present)
        continue;
      if (path->probe_due && tttd_keyring_sender (&peer->keyring, now_us) != NULL)
        probe_path (peer, link, now_us);
      next = MIN (next, tttd_health_next_probe (health, &tx->health, path->metered, now_us));
      if (health->unanswered > 0)
        next =
          MIN (next, health->first_unanswered_us + tttd_health_dead_after (health, &tx->health, path->metered, now_us));
    }
  tttd_tx_flush (tx);
  return MAX (next, now_us + 1000);
}

void
tttd_peer_path_configure (TttdPeer *peer, guint link, guint weight, guint priority, gboolean metered, gboolean enabled)
{
  TttdSchedLink *sl;

  g_return_if_fail (link < TTTD_SCHED_MAX_LINKS);
  if (link < peer->n_paths)
    peer->paths[link].metered = metered;
  if (peer->sched == NULL)
    return;
  sl = &peer->sched->links[link];
  if (!sl->present)
    return;
  sl->weight = weight;
  sl->priority = priority;
  sl->metered = metered;
  sl->enabled = enabled;
  /* a disabled link is no active one */
  if (peer->sched->active == (gint) link && !enabled)
    peer->sched->active = -1;
}

void
tttd_peer_info (const TttdPeer *peer, TttdPeerInfo *info)
{
  info->name = peer->name;
  info->object_id = peer->object_id;
  info->public_key = peer->public_key;
  info->addresses = peer->addresses;
  info->n_addresses = peer->n_addresses;
  info->last_handshake_real = MAX (peer->last_handshake_real, 0);
  info->rx_bytes = peer->stats.rx_bytes;
  info->tx_bytes = peer->stats.tx_bytes;
}

void
tttd_peer_path_info (const TttdPeer *peer, guint link, TttdPathInfo *info)
{
  const TttdPath *path;

  memset (info, 0, sizeof *info);
  info->state = tttd_peer_path_state (peer, link);
  if (!tttd_peer_has_path (peer, link))
    return;
  path = &peer->paths[link];
  info->present = TRUE;
  info->remote = path->remote;
  info->srtt_us = path->health.srtt_us;
  info->jitter_us = (guint64) path->health.jitter_us;
  info->loss = tttd_health_loss (&path->health);
  info->capacity_bps = path->health.capacity_Bps * 8;
  info->tx_bytes = path->tx_bytes;
  info->rx_bytes = path->rx_bytes;
  info->tx_packets = path->tx_packets;
  info->rx_packets = path->rx_packets;
}

void
tttd_peer_get_counters (const TttdPeer *peer, TttdPeerCounters *counters)
{
  counters->peer = peer->stats;
  counters->reorder = peer->reorder_past;
  if (peer->reorder != NULL)
    add_reorder_stats (&counters->reorder, &peer->reorder->stats);
}
