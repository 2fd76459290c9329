/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* de-duplication and reordering by tunnel sequence number.
 *
 * Links are FIFO, so a missing packet is known to be lost, not late, once
 * every link that carries data has delivered something sent after it: each
 * link's "clear" mark is the highest sequence it has shown (data, or a
 * probe's next sequence).  The hold time is only the fallback for when
 * traffic stops. */

#define TTTD_REORDER_SLOTS     1024 /* packets held at most, per session */
#define TTTD_REORDER_SLOTS_MIN 64   /* allocated at first; doubled as needed */
#define TTTD_REORDER_HISTORY   4096 /* delivered sequences remembered, for duplicates */
#define TTTD_REORDER_LINKS     32
#define TTTD_REORDER_STUCK_US  50000
/* a link that carried data less than this ago is waited for until it
 * passes a gap: its sender probes it every 50 ms for a second after its
 * last data (tttd-health.c), so a link it stopped using shows that within
 * a probe, and one that shows nothing is in a lull (a cellular scheduler
 * holds a link's packets for hundreds of milliseconds), not idle */
#define TTTD_REORDER_ACTIVE_US 1000000

typedef struct {
  gpointer buf;
  guint32 len;
  guint8 state;
  gint64 arrival_us;
} TttdReorderSlot;

/* buf was held by the reorder buffer when held is TRUE: the callee owns it */
typedef void (*TttdReorderDeliver) (gpointer buf, guint len, gboolean held, gpointer user_data);
/* seq is known lost on its link (the next packet on it named it in
 * link_prev): ask the sender for it again (it is waited for nack_wait_us) */
typedef void (*TttdReorderLost) (guint32 seq, gpointer user_data);

typedef struct {
  guint64 delivered;
  guint64 reordered; /* held, then delivered in order */
  guint64 duplicates;
  guint64 late;     /* arrived after it was given up on: delivered anyway */
  guint64 lost;     /* given up on */
  guint64 timeouts; /* of those, given up on by the hold timer */
  guint64 resyncs;
  guint64 asked;     /* known lost, asked for again */
  guint64 recovered; /* of those, here in time */
  guint64 stuck;     /* of the asked, held back by their link far past its lag */
} TttdReorderStats;

typedef struct {
  gboolean started;
  guint32 next;
  guint held;
  gint64 hold_us;
  gint64 nack_wait_us;  /* 0: a gap known lost is given up at once */
  gint64 active_us;     /* a link without data for longer may be waited for, but only lag_us */
  gint64 lag_us;        /* how much later than the others a link may deliver (delay difference) */
  gint64 stuck_us;      /* a gap blocked this long is asked for, though a link may still bring it (0: never) */
  gint64 blocked_us;    /* when the gap at next began to hold packets back (0: it does not) */
  gint64 idle_until_us; /* the gap waits for an idle link until then (0: it does not) */
  gboolean ask_unnamed; /* ask for gaps every link passed but none named, too */
  guint32 link_mask;
  guint32 clear[TTTD_REORDER_LINKS];
  gint64 data_us[TTTD_REORDER_LINKS];
  guint64 seen[TTTD_REORDER_HISTORY / 64];
  /* n_slots of them for the sequences from next on, allocated when the
   * first packet must be remembered out of order (NULL, 0: every slot
   * empty; a session whose packets all come in order never needs them),
   * TTTD_REORDER_SLOTS_MIN first, doubled up to TTTD_REORDER_SLOTS when a
   * packet comes further ahead */
  TttdReorderSlot *slots;
  guint n_slots;
  TttdReorderDeliver deliver;
  TttdReorderLost lost;
  gpointer user_data;
  TttdReorderStats stats;
} TttdReorder;

typedef enum {
  TTTD_REORDER_DELIVERED, /* delivered at once; the caller keeps buf */
  TTTD_REORDER_HELD,      /* the reorder buffer owns buf now */
  TTTD_REORDER_DUPLICATE, /* dropped; the caller keeps buf */
} TttdReorderResult;

void tttd_reorder_init (TttdReorder *reorder, TttdReorderDeliver deliver, gpointer user_data);
/* ask for what is known lost (lost gets the same user_data) */
void tttd_reorder_set_lost_func (TttdReorder *reorder, TttdReorderLost lost);
/* the hold time, how long a gap asked for is waited for (0: no asking),
 * and how long a gap waits for a link that had carried no data for a while
 * (what it sent after the pause lags the other links' by up to their delay
 * difference); they follow the links' RTTs (tttd_recovery_times).
 * With asking, a gap that holds packets back TTTD_REORDER_STUCK_US longer
 * than lag_us, or nack_wait_us before the hold time is up if that is
 * sooner (but not under TTTD_REORDER_STUCK_US), is asked for as well,
 * though its link has not passed it: it sits in that link's queue (a
 * modem's deep buffer whose capacity fell), and a copy over a faster link
 * comes before the hold time gives it up */
void tttd_reorder_set_times (TttdReorder *reorder, gint64 hold_us, gint64 nack_wait_us, gint64 lag_us);
/* a gap that every link has passed but no link named in link_prev is
 * either one of several lost in a row on a lossy link, or one the sender's
 * pacer dropped (to slow TCP down; the sender does not send it again).
 * ask: the links lose packets, ask for such gaps too (else they are given
 * up at once, as waiting for a pacer's drop only delays the flow) */
void tttd_reorder_set_ask_unnamed (TttdReorder *reorder, gboolean ask);
/* urgent: deliver at once even ahead of its turn (interactive traffic);
 * its copies are still dropped.  link >= TTTD_REORDER_LINKS: it came out
 * of any link's order (sent again, rebuilt) and shows nothing of a link */
TttdReorderResult tttd_reorder_push (TttdReorder *reorder, guint32 seq, guint link, guint32 link_prev, gboolean urgent,
                                     gpointer buf, guint len, gint64 now_us);
/* a probe on link said: every data sequence before next_seq has been sent */
void tttd_reorder_link_mark (TttdReorder *reorder, guint link, guint32 next_seq, gint64 now_us);
void tttd_reorder_forget_link (TttdReorder *reorder, guint link);
/* when tttd_reorder_expire next has work, or G_MAXINT64 */
gint64 tttd_reorder_deadline (const TttdReorder *reorder);
void tttd_reorder_expire (TttdReorder *reorder, gint64 now_us);
/* deliver all that is held, in order (e.g. before a reset) */
void tttd_reorder_flush (TttdReorder *reorder);
void tttd_reorder_reset (TttdReorder *reorder);
/* deliver what is held and free the slots (before the memory goes) */
void tttd_reorder_clear (TttdReorder *reorder);

static inline gboolean
tttd_seq_before (guint32 a, guint32 b)
{
  return (gint32) (a - b) < 0;
}

G_END_DECLS
