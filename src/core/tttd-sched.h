/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TttdStrategy:
 *
 * How the scheduler spreads packets over links; the names are part of the
 * product interface (configuration and D-Bus).
 */
typedef enum {
  TTTD_STRATEGY_BALANCE_RR,
  TTTD_STRATEGY_WEIGHTED,
  TTTD_STRATEGY_ACTIVE_BACKUP,
  TTTD_STRATEGY_REDUNDANT,
  TTTD_STRATEGY_LOWEST_RTT,
  TTTD_STRATEGY_METERED_OVERFLOW,
  TTTD_STRATEGY_FLOW_HASH,
  TTTD_STRATEGY_ADAPTIVE,
  TTTD_STRATEGY_COUNT,
} TttdStrategy;

/**
 * TttdLinkState:
 *
 * A link's health, as the estimator sees it; the strings are the D-Bus
 * Link.State values.
 */
typedef enum {
  TTTD_LINK_PROBING, /* no answer yet: used only when nothing better exists */
  TTTD_LINK_UP,
  TTTD_LINK_DEGRADED, /* lossy or slow: used, but last */
  TTTD_LINK_DOWN,     /* silent: never used */
  TTTD_LINK_STANDBY,  /* healthy but held back (disabled, or a backup) */
} TttdLinkState;

#define TTTD_SCHED_MAX_LINKS 32

/* what the scheduler knows of one link; the dataplane and the health
 * estimator keep it current */
typedef struct {
  gboolean present; /* the slot holds a link */
  gboolean enabled;
  gboolean metered;
  TttdLinkState state;
  guint weight;            /* 1..1000 */
  guint priority;          /* lower is preferred */
  gint64 up_since_us;      /* when it last became up */
  guint64 srtt_us;         /* smoothed RTT, 0: unknown */
  double loss;             /* 0..1 */
  guint64 rate_Bps;        /* what it can carry, 0: unknown (no pacing) */
  guint64 spread_Bps;      /* without pacing: the rate that spreads load in
                                 * arrival estimates (its measured capacity) */
  gint64 backlog_until_us; /* virtual queue: when what we sent will have left */
  gint64 wrr_current;      /* smooth weighted round robin state */
} TttdSchedLink;

#define TTTD_PACKET_LATENCY_CRITICAL (1u << 0)

/* what the scheduler knows of one packet */
typedef struct {
  guint32 flow_hash; /* 0: not a flow (fragment, unknown protocol) */
  guint wire_len;    /* bytes on the link, headers included */
  guint flags;       /* TTTD_PACKET_* */
} TttdPacketInfo;

typedef struct {
  TttdStrategy strategy;
  TttdSchedLink links[TTTD_SCHED_MAX_LINKS];
  guint rr_next;
  gint active;             /* active-backup: current link, -1 none */
  gint64 failback_us;      /* active-backup: stable time before failing back */
  gint64 max_queue_us;     /* a link whose virtual queue is longer is full */
  gint64 metered_queue_us; /* metered-overflow: fuller than this before a metered link helps */
  double rtt_cutoff;       /* adaptive: leave out links slower than this x best */
  double loss_cutoff;      /* adaptive: leave out links lossier than this */
  guint32 eligible;        /* the usable links at the last pick */
} TttdScheduler;

const char *tttd_strategy_to_string (TttdStrategy strategy);
gboolean tttd_strategy_from_string (const char *name, TttdStrategy *out);
const char *tttd_link_state_to_string (TttdLinkState state);

void tttd_scheduler_init (TttdScheduler *sched, TttdStrategy strategy);
void tttd_scheduler_set_strategy (TttdScheduler *sched, TttdStrategy strategy);
guint32 tttd_scheduler_pick (TttdScheduler *sched, const TttdPacketInfo *packet, gint64 now_us);
void tttd_scheduler_sent (TttdScheduler *sched, guint link, guint wire_len, gint64 now_us);
gint64 tttd_scheduler_queue_delay (const TttdScheduler *sched, guint link, gint64 now_us);
guint32 tttd_scheduler_usable_mask (const TttdScheduler *sched);

G_END_DECLS
