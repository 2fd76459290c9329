/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the scheduler: the eight strategies that pick links for a packet */
#include "config.h"

#include <string.h>

#include "tttd-sched.h"

/* a strategy is one function that picks the links (a bit mask) for a packet
 * from the eligible ones; everything else is shared */
typedef guint32 (*PickFunc) (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us);

typedef struct {
  const char *name;
  PickFunc pick;
} StrategyOps;

static const char *const link_state_names[] = {
  [TTTD_LINK_PROBING] = "probing", [TTTD_LINK_UP] = "up",           [TTTD_LINK_DEGRADED] = "degraded",
  [TTTD_LINK_DOWN] = "down",       [TTTD_LINK_STANDBY] = "standby",
};

const char *
tttd_link_state_to_string (TttdLinkState state)
{
  if ((guint) state < G_N_ELEMENTS (link_state_names))
    return link_state_names[state];
  return "unknown";
}

static inline guint
lowest_bit (guint32 mask)
{
  return (guint) __builtin_ctz (mask);
}

static inline gboolean
link_healthy (const TttdSchedLink *link)
{
  return link->state == TTTD_LINK_UP || link->state == TTTD_LINK_DEGRADED;
}

guint32
tttd_scheduler_usable_mask (const TttdScheduler *sched)
{
  guint32 healthy = 0, probing = 0, down = 0;

  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      const TttdSchedLink *link = &sched->links[i];
      if (!link->present || !link->enabled)
        continue;
      if (link_healthy (link))
        healthy |= 1u << i;
      else if (link->state == TTTD_LINK_PROBING)
        probing |= 1u << i;
      else if (link->state == TTTD_LINK_DOWN)
        down |= 1u << i;
    }
  /* a link nobody has heard from yet is better than none: at start every
   * link is probing and the first packets must still flow.  And a link
   * found dead is better than none at all: dropping here loses the packet
   * for sure, sending it loses nothing more when the link is dead, and
   * gets it through when the verdict was wrong (a one-link client whose
   * probes were late for a moment) */
  if (healthy != 0)
    return healthy;
  return probing != 0 ? probing : down;
}

gint64
tttd_scheduler_queue_delay (const TttdScheduler *sched, guint link, gint64 now_us)
{
  gint64 until = sched->links[link].backlog_until_us;

  return until > now_us ? until - now_us : 0;
}

static inline gboolean
link_full (const TttdScheduler *sched, guint i, gint64 now_us)
{
  return sched->links[i].rate_Bps != 0 && tttd_scheduler_queue_delay (sched, i, now_us) > sched->max_queue_us;
}

/* degraded links go last: keep only the up ones when there are any */
static guint32
prefer_up (const TttdScheduler *sched, guint32 mask)
{
  guint32 up = 0;

  for (guint32 m = mask; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      if (sched->links[i].state == TTTD_LINK_UP)
        up |= 1u << i;
    }
  return up != 0 ? up : mask;
}

static guint32
pick_balance_rr (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  for (guint n = 0; n < TTTD_SCHED_MAX_LINKS; n++)
    {
      guint i = (sched->rr_next + n) % TTTD_SCHED_MAX_LINKS;
      if (eligible & (1u << i))
        {
          sched->rr_next = i + 1;
          return 1u << i;
        }
    }
  return 0;
}

/* smooth weighted round robin (as in nginx): deterministic and spreads each
 * link's share evenly instead of in bursts */
static guint32
pick_weighted (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  gint64 total = 0;
  gint best = -1;

  for (guint32 m = eligible; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      TttdSchedLink *link = &sched->links[i];
      link->wrr_current += link->weight;
      total += link->weight;
      if (best < 0 || link->wrr_current > sched->links[best].wrr_current)
        best = (gint) i;
    }
  if (best < 0)
    return 0;
  sched->links[best].wrr_current -= total;
  return 1u << best;
}

static gboolean
better_priority (const TttdScheduler *sched, guint a, gint b)
{
  if (b < 0)
    return TRUE;
  if (sched->links[a].priority != sched->links[b].priority)
    return sched->links[a].priority < sched->links[b].priority;
  return a < (guint) b;
}

static guint32
pick_active_backup (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 candidates = prefer_up (sched, eligible);
  gint best = -1;

  for (guint32 m = candidates; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      if (better_priority (sched, i, best))
        best = (gint) i;
    }
  if (best < 0)
    return 0;
  if (sched->active < 0 || !(candidates & (1u << sched->active)))
    sched->active = best; /* fail over at once */
  else if (best != sched->active)
    {
      /* fail back only once the preferred link has been stable a while */
      const TttdSchedLink *link = &sched->links[best];
      if (link->state == TTTD_LINK_UP && now_us - link->up_since_us >= sched->failback_us)
        sched->active = best;
    }
  return 1u << sched->active;
}

static guint32
pick_redundant (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  return eligible;
}

static guint64
effective_rtt (const TttdSchedLink *link)
{
  /* unknown RTT: assume slow, so measured links win */
  return link->srtt_us != 0 ? link->srtt_us : 1000000;
}

/* lowest RTT first; when that link is full, the next one, and so on */
static guint32
pick_lowest_rtt (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 candidates = prefer_up (sched, eligible);
  gint best = -1, best_free = -1;

  for (guint32 m = candidates; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      guint64 rtt = effective_rtt (&sched->links[i]);
      if (best < 0 || rtt < effective_rtt (&sched->links[best]))
        best = (gint) i;
      if (!link_full (sched, i, now_us) && (best_free < 0 || rtt < effective_rtt (&sched->links[best_free])))
        best_free = (gint) i;
    }
  if (best_free >= 0)
    return 1u << best_free;
  return best >= 0 ? 1u << best : 0;
}

/* when does a packet sent now on this link arrive at the far end? */
static gint64
arrival_us (const TttdScheduler *sched, guint i, guint wire_len, gint64 now_us)
{
  const TttdSchedLink *link = &sched->links[i];
  gint64 t = tttd_scheduler_queue_delay (sched, i, now_us) + (gint64) effective_rtt (link) / 2;
  guint64 rate = link->rate_Bps != 0 ? link->rate_Bps : link->spread_Bps;

  if (rate != 0)
    t += (gint64) wire_len * G_USEC_PER_SEC / (gint64) rate;
  return t;
}

/* the links worth using at all: not far slower or far lossier than the
 * best (a degraded link still adds what it carries) */
static guint32
adaptive_candidates (const TttdScheduler *sched, guint32 eligible, gboolean lossy_ok)
{
  guint32 candidates = eligible;
  guint32 kept = 0;
  guint64 best_rtt = G_MAXUINT64;

  for (guint32 m = candidates; m != 0; m &= m - 1)
    best_rtt = MIN (best_rtt, effective_rtt (&sched->links[lowest_bit (m)]));
  for (guint32 m = candidates; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      const TttdSchedLink *link = &sched->links[i];
      /* the absolute margin keeps short-RTT links from cutting each other */
      if ((double) effective_rtt (link) > (double) best_rtt * sched->rtt_cutoff + 20000.0)
        continue;
      if (link->loss > sched->loss_cutoff && !lossy_ok)
        continue;
      kept |= 1u << i;
    }
  return kept != 0 ? kept : candidates;
}

/* the candidate where a packet of this size arrives first (0: none) */
static guint32
pick_earliest (const TttdScheduler *sched, guint32 candidates, guint wire_len, gint64 now_us)
{
  gint best = -1;
  gint64 best_t = 0;

  for (guint32 m = candidates; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      gint64 t = arrival_us (sched, i, wire_len, now_us);
      if (best < 0 || t < best_t)
        {
          best = (gint) i;
          best_t = t;
        }
    }
  return best < 0 ? 0 : 1u << best;
}

static guint32
pick_adaptive (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 candidates = adaptive_candidates (sched, eligible, FALSE);
  guint32 first;

  first = pick_earliest (sched, candidates, packet->wire_len, now_us);
  if (!(packet->flags & TTTD_PACKET_LATENCY_CRITICAL))
    return first;
  /* the second copy of an interactive packet may take a lossy link: it
   * only adds to the chance that one arrives */
  return first | pick_earliest (sched, adaptive_candidates (sched, eligible, TRUE) & ~first, packet->wire_len, now_us);
}

static guint32
pick_metered_overflow (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 room = 0;

  /* a burst is no reason to pay: only a queue near what the pacer allows is */
  for (guint32 m = eligible; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      if (!sched->links[i].metered &&
          (sched->links[i].rate_Bps == 0 || tttd_scheduler_queue_delay (sched, i, now_us) <= sched->metered_queue_us))
        room |= 1u << i;
    }
  /* unmetered links while they have room; then whatever arrives first */
  if (room != 0)
    return pick_earliest (sched, room, packet->wire_len, now_us);
  return pick_earliest (sched, adaptive_candidates (sched, eligible, FALSE), packet->wire_len, now_us);
}

static inline guint32
mix32 (guint32 x)
{
  /* murmur3 finaliser */
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

/* rendezvous hashing: a flow keeps its link, and when a link dies only the
 * flows that were on it move */
static guint32
pick_flow_hash (TttdScheduler *sched, guint32 eligible, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 candidates = prefer_up (sched, eligible);
  gint best = -1;
  guint32 best_score = 0;

  if (packet->flow_hash == 0)
    return pick_adaptive (sched, eligible, packet, now_us);
  for (guint32 m = candidates; m != 0; m &= m - 1)
    {
      guint i = lowest_bit (m);
      guint32 score = mix32 (packet->flow_hash ^ mix32 (i + 1));
      if (best < 0 || score > best_score)
        {
          best = (gint) i;
          best_score = score;
        }
    }
  return best >= 0 ? 1u << best : 0;
}

static const StrategyOps strategies[TTTD_STRATEGY_COUNT] = {
  [TTTD_STRATEGY_BALANCE_RR] = { "balance-rr", pick_balance_rr },
  [TTTD_STRATEGY_WEIGHTED] = { "weighted", pick_weighted },
  [TTTD_STRATEGY_ACTIVE_BACKUP] = { "active-backup", pick_active_backup },
  [TTTD_STRATEGY_REDUNDANT] = { "redundant", pick_redundant },
  [TTTD_STRATEGY_LOWEST_RTT] = { "lowest-rtt", pick_lowest_rtt },
  [TTTD_STRATEGY_METERED_OVERFLOW] = { "metered-overflow", pick_metered_overflow },
  [TTTD_STRATEGY_FLOW_HASH] = { "flow-hash", pick_flow_hash },
  [TTTD_STRATEGY_ADAPTIVE] = { "adaptive", pick_adaptive },
};

const char *
tttd_strategy_to_string (TttdStrategy strategy)
{
  if ((guint) strategy < TTTD_STRATEGY_COUNT)
    return strategies[strategy].name;
  return "unknown";
}

gboolean
tttd_strategy_from_string (const char *name, TttdStrategy *out)
{
  for (guint i = 0; i < TTTD_STRATEGY_COUNT; i++)
    if (g_strcmp0 (strategies[i].name, name) == 0)
      {
        *out = (TttdStrategy) i;
        return TRUE;
      }
  return FALSE;
}

void
tttd_scheduler_init (TttdScheduler *sched, TttdStrategy strategy)
{
  memset (sched, 0, sizeof *sched);
  sched->strategy = strategy;
  sched->active = -1;
  sched->failback_us = 5 * G_USEC_PER_SEC;
  sched->max_queue_us = 20000;
  sched->metered_queue_us = 40000;
  sched->rtt_cutoff = 3.0;
  sched->loss_cutoff = 0.2;
}

void
tttd_scheduler_set_strategy (TttdScheduler *sched, TttdStrategy strategy)
{
  g_return_if_fail ((guint) strategy < TTTD_STRATEGY_COUNT);
  /* the per-strategy state is only a preference; links, queues and RTTs stay */
  sched->strategy = strategy;
  sched->active = -1;
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    sched->links[i].wrr_current = 0;
}

guint32
tttd_scheduler_pick (TttdScheduler *sched, const TttdPacketInfo *packet, gint64 now_us)
{
  guint32 eligible = tttd_scheduler_usable_mask (sched);

  sched->eligible = eligible;
  if (eligible == 0)
    return 0;
  return strategies[sched->strategy].pick (sched, eligible, packet, now_us);
}

void
tttd_scheduler_sent (TttdScheduler *sched, guint link, guint wire_len, gint64 now_us)
{
  TttdSchedLink *l = &sched->links[link];
  /* an unpaced link keeps a virtual backlog at its capacity, so that the
   * earliest-arrival choice spreads load over fast links too */
  guint64 rate = l->rate_Bps != 0 ? l->rate_Bps : l->spread_Bps;

  if (rate == 0)
    return;
  l->backlog_until_us = MAX (l->backlog_until_us, now_us) + (gint64) wire_len * G_USEC_PER_SEC / (gint64) rate;
  /* a virtual backlog is an estimate: never more than 50 ms ahead */
  if (l->rate_Bps == 0)
    l->backlog_until_us = MIN (l->backlog_until_us, now_us + 50000);
}
