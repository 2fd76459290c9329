/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-packet.h"

G_BEGIN_DECLS

/* fast retransmission inside the bond.  The receiver knows a packet is
 * lost as soon as the next packet on the same link names it in link_prev;
 * it asks for it at once in a NACK (a sealed control message, so as
 * authentic and replay-protected as data) and the sender sends it again
 * on the link where it arrives first, if it can still arrive before the
 * reorder buffer gives up on it.  This file holds the pure parts: the
 * NACK body, the sender's budget (no amplification) and the times. */

/* a run of lost sequence numbers: first .. first + count - 1 */
typedef struct {
  guint32 first;
  guint16 count; /* 1..TTTD_NACK_MAX_COUNT */
} TttdNackRange;

#define TTTD_NACK_MAX_COUNT 1024 /* a range never spans more than the reorder window */

typedef struct {
  guint n_ranges;
  TttdNackRange ranges[TTTD_NACK_MAX_RANGES];
} TttdNack;

static inline void
tttd_nack_clear (TttdNack *nack)
{
  nack->n_ranges = 0;
}

/* add seq, merged into the last range when it follows it; FALSE when the
 * NACK is full (send it, clear it, add again) */
gboolean tttd_nack_add (TttdNack *nack, guint32 seq);
/* the body after the inner header; returns its length */
gsize tttd_nack_write (guint8 *buf, const TttdNack *nack);
TttdParseResult tttd_nack_parse (const guint8 *buf, gsize len, TttdNack *out);
/* how many sequence numbers it asks for */
guint tttd_nack_count (const TttdNack *nack);

/* the sender's budget: a peer can make it send again at most
 * TTTD_RETRANSMIT_SHARE_PCT percent of the data packets it sent, plus a
 * burst of TTTD_RETRANSMIT_BURST, whatever it asks for */
#define TTTD_RETRANSMIT_SHARE_PCT 15
#define TTTD_RETRANSMIT_BURST     64

typedef struct {
  guint32 credit; /* in hundredths of a packet */
} TttdRetransmitBudget;

void tttd_retransmit_budget_init (TttdRetransmitBudget *budget);
/* one data packet went out */
void tttd_retransmit_budget_sent (TttdRetransmitBudget *budget);
/* one retransmission may go (and is counted), or not */
gboolean tttd_retransmit_budget_take (TttdRetransmitBudget *budget);

/* the times that follow from the links' RTTs */
typedef struct {
  gint64 nack_wait_us; /* a gap asked for is waited for this long (0: not asked) */
  gint64 hold_us;      /* the reorder buffer's hold time */
  gint64 max_age_us;   /* the sender retransmits nothing older */
  gint64 lag_us;       /* how much later than the fastest the slowest link may deliver */
} TttdRecoveryTimes;

#define TTTD_HOLD_MIN_US 20000
/* a gap no link has passed yet waits this long at most: a modem's deep
 * buffer (250 kB at 3 Mbit/s is 660 ms) holds a link's packets longer than
 * any RTT the reorder buffer saw before the queue grew, and a gap given up
 * on is a loss for the tunnelled TCP, a wait only a longer RTT */
#define TTTD_HOLD_MAX_US      1000000
#define TTTD_NACK_WAIT_MAX_US 290000
#define TTTD_HOLD_DEFAULT_US  50000 /* without retransmission, or with no RTT known */
/* a sender's pacer lets a datagram wait TTTD_PACE_TARGET_US before it
 * leaves (longer, it drops it), or on a slow link the time one TCP
 * segmentation burst (TTTD_PACE_BURST_BYTES, what one TUN read hands over)
 * takes at its rate: at 5 Mbit/s 50 ms is 21 datagrams, and every burst's
 * tail was dropped.  Never longer than TTTD_PACE_MAX_US: a wait no RTT
 * shows, as a datagram's timestamp is when it leaves */
#define TTTD_PACE_TARGET_US   50000
#define TTTD_PACE_BURST_BYTES 65536
#define TTTD_PACE_MAX_US      150000

/* how long a datagram may wait in the pacer of a link paced at rate_Bps
 * (not 0), where target_us is the wait allowed on a fast link */
static inline gint64
tttd_pace_limit_us (guint64 rate_Bps, gint64 target_us)
{
  gint64 burst = (gint64) ((guint64) TTTD_PACE_BURST_BYTES * G_USEC_PER_SEC / rate_Bps);

  return CLAMP (burst, target_us, TTTD_PACE_MAX_US);
}

/* srtt_us: the smoothed RTTs of the usable links (0: unknown, skipped) */
void tttd_recovery_times (const guint64 *srtt_us, guint n, gboolean retransmit, TttdRecoveryTimes *out);
/* a packet sent at sent_us may still be retransmitted at now_us */
gboolean tttd_retransmit_in_time (const TttdRecoveryTimes *times, gint64 sent_us, gint64 now_us);

G_END_DECLS
