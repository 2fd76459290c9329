/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-packet.h"
#include "tttd-sched.h"

G_BEGIN_DECLS

/* the health of one link (client) or path (server), from probes and
 * traffic: RTT, jitter, loss each way, delivery rate, and a state with
 * hysteresis so that a flapping link does not thrash the scheduler */

typedef struct {
  guint idle_interval_ms;    /* probes on a link that carries no data */
  guint quiet_interval_ms;   /* ... and has carried none for a while */
  guint dormant_interval_ms; /* ... and none for minutes */
  guint metered_interval_ms; /* the same on a metered link */
  guint active_interval_ms;  /* probes on a link that carries data */
  double degraded_loss;      /* up -> degraded above this loss */
  double recovered_loss;     /* degraded -> up below this */
  gint64 recover_us;         /* ... for this long */
  guint up_replies;          /* down -> up after this many replies without a
                                 * silence that would take it down again */
} TttdHealthParams;

#define TTTD_CAPACITY_SAMPLES 16

/* a link faster than this (250 Mbit/s) is not paced: its limit is in the
 * machine, where a queue of ours only adds delay */
#define TTTD_HEALTH_UNPACED_BPS 31250000
/* a link that carried data this recently is probed at the active
 * interval (the reorder buffer relies on it: TTTD_REORDER_ACTIVE_US) */
#define TTTD_HEALTH_ACTIVE_US G_USEC_PER_SEC

typedef struct {
  gboolean base_set;
  guint32 tx_base;
  guint32 rx_base;
  guint32 tx_acc;
  guint32 lost_acc;
  gint64 since_us;
  double loss;
} TttdLossMeter;

#define TTTD_HEALTH_PENDING 16

typedef struct {
  TttdLinkState state;
  gint64 state_since_us;
  gint64 created_us;
  gint64 last_rx_us;   /* any authentic datagram on this link */
  gint64 last_data_us; /* last data sent or received on it: it is "active" */
  gint64 last_probe_us;
  guint promised_ms; /* the last probe told the far end: the next within this */
  gint64 first_unanswered_us;
  guint unanswered;
  guint good_replies;
  gint64 good_since_us;      /* degraded: loss low since */
  guint down_count;          /* times it went down: damps flapping */
  gint64 last_peer_probe_us; /* the far end's probes, and the interval it */
  gint64 peer_probe_gap_us;  /* announced: how long a silence is normal */

  guint64 srtt_us;
  guint64 rttvar_us;
  guint64 min_rtt_us;
  gint64 min_rtt_stamp_us;
  guint64 last_rtt_us;
  double jitter_us;

  /* one-way delay of what the far end sends us, from its timestamps (its
   * clock, so only differences count): the queue on the way to us, which
   * we report; and the queue on our way to it, which it reports. RTT
   * alone cannot tell them apart, and one direction's load would look
   * like the other's queue.  The queue is a standing one: the least delay
   * of any datagram since the last report, above the least lately, so
   * that a link's own jitter (a cellular scheduler's gaps) is no queue */
  guint32 owd_base;
  gboolean owd_set;
  gint64 owd_min_us;
  gint64 owd_min_stamp_us;
  gint64 owd_interval_min_us;
  guint owd_interval_n;
  guint32 rx_queue_us;
  guint32 tx_queue_us;

  /* counters of this side; wrap at 2^32 */
  guint32 tx_packets;
  guint32 tx_bytes;
  guint32 rx_packets;
  guint32 rx_bytes;

  /* probes in flight: their timestamps and our tx count when sent; enough
   * for a 800 ms RTT at the 50 ms interval of a link that carries data */
  struct {
    guint32 timestamp;
    guint32 tx_packets;
    gint64 sent_us;
  } pending[TTTD_HEALTH_PENDING];
  guint pending_next;
  double answered; /* the share of our probes answered lately */

  /* loss each way, from counter deltas between probe exchanges */
  TttdLossMeter out; /* what we send */
  TttdLossMeter in;  /* what we receive */

  /* delivery rate, from what the far end says it received, and the
   * capacity estimated from it (as BBR does: the most delivered while we
   * offered enough; probed upward now and then) */
  gboolean rate_base_set;
  guint32 rate_bytes_base;
  guint32 rate_sent_base;
  guint32 rate_far_time_base; /* the far end's clock, microseconds */
  guint64 delivery_Bps;
  guint64 peak_delivery_Bps; /* the most delivered lately, decaying */
  guint64 capacity_Bps;      /* 0: not measured yet */
  guint64 capacity_ring[TTTD_CAPACITY_SAMPLES];
  guint capacity_next;
  guint capacity_filled;
  gint64 backlogged_us; /* when our pacer last held packets back */
  guint probe_step;     /* samples in a row held back with no queue */
  double gain;          /* the pacing rate over the capacity */
  guint congested;      /* samples in a row with a growing queue */
  guint standing;       /* unpaced samples in a row with a long queue */
  guint64 pacing_Bps;   /* 0: do not pace */
} TttdHealth;

void tttd_health_params_default (TttdHealthParams *params, guint idle_interval_ms);
/* data went over the link: TRUE if it was idle, so that its probes must
 * speed up now rather than at the next idle probe */
gboolean tttd_health_note_data (TttdHealth *health, gint64 now_us);
void tttd_health_init (TttdHealth *health, gint64 now_us);

/* the pacer held packets back: what the link delivers now is all it can */
static inline void
tttd_health_backlogged (TttdHealth *health, gint64 now_us)
{
  health->backlogged_us = now_us;
}

/* the counters: call for every datagram sent or received on the link */
static inline void
tttd_health_count_tx (TttdHealth *health, guint bytes)
{
  health->tx_packets++;
  health->tx_bytes += bytes;
}

static inline void
tttd_health_count_rx (TttdHealth *health, guint bytes, gint64 now_us)
{
  health->rx_packets++;
  health->rx_bytes += bytes;
  health->last_rx_us = now_us;
}

/* the far end's timestamp of a datagram just in (its departure, on its
 * clock): the one-way delay, for the queue on the way here */
void tttd_health_owd_sample (TttdHealth *health, guint32 far_time_us, gint64 now_us);
/* the queue above which a link counts as full, and under which it has room */
guint64 tttd_health_queue_high_us (const TttdHealth *health);
/* fills the body of a probe we send with this timestamp, before it is
 * sealed and counted; interval_ms is when it tells the far end the next
 * one comes (0: it says nothing), a promise the next probe keeps */
void tttd_health_probe_sent (TttdHealth *health, TttdProbe *probe, guint32 timestamp, guint interval_ms, gint64 now_us);
/* a reply to one of our probes (counted already) */
void tttd_health_reply_received (TttdHealth *health, const TttdHealthParams *params, const TttdProbe *reply,
                                 guint32 reply_timestamp, gint64 now_us);
/* the far end probed us (counted already): learn its view and fill the
 * reply with the probe's timestamp */
void tttd_health_probe_received (TttdHealth *health, const TttdHealthParams *params, const TttdProbe *probe,
                                 guint32 probe_timestamp, guint peer_interval_ms, TttdProbe *reply, gint64 now_us);
/* how often we probe this link now; probes carry it to the far end */
guint tttd_health_interval_ms (const TttdHealth *health, const TttdHealthParams *params, gboolean metered,
                               gint64 now_us);
/* time passes: states change on silence; TRUE when a probe is due now */
gboolean tttd_health_tick (TttdHealth *health, const TttdHealthParams *params, gboolean metered, gint64 now_us);
/* when the next probe is due */
gint64 tttd_health_next_probe (const TttdHealth *health, const TttdHealthParams *params, gboolean metered,
                               gint64 now_us);
double tttd_health_loss (const TttdHealth *health);
/* how long without any answer before the link is declared down */
gint64 tttd_health_dead_after (const TttdHealth *health, const TttdHealthParams *params, gboolean metered,
                               gint64 now_us);

G_END_DECLS
