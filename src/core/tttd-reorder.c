/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* per-session de-duplication and reordering by tunnel sequence, with loss inference */
#include "config.h"

#include <string.h>

#include "tttd-reorder.h"

G_STATIC_ASSERT ((TTTD_REORDER_SLOTS & (TTTD_REORDER_SLOTS - 1)) == 0);
G_STATIC_ASSERT ((TTTD_REORDER_SLOTS_MIN & (TTTD_REORDER_SLOTS_MIN - 1)) == 0);
G_STATIC_ASSERT (TTTD_REORDER_SLOTS_MIN <= TTTD_REORDER_SLOTS);
G_STATIC_ASSERT (TTTD_REORDER_HISTORY > TTTD_REORDER_SLOTS);

enum {
  SLOT_EMPTY,
  SLOT_HELD,
  SLOT_LOST,      /* a later packet on its own link arrived: it will not come */
  SLOT_DELIVERED, /* urgent: delivered ahead of its turn */
  SLOT_WAIT,      /* known lost and asked for again: waited for until arrival_us */
};

/* a slot to read: the n_slots after next are kept, every other one is
 * empty (all of them while there are none) */
static const TttdReorderSlot empty_slot;
#define SLOT(r, seq) ((seq) - (r)->next < (r)->n_slots ? &(r)->slots[(seq) & ((r)->n_slots - 1)] : &empty_slot)

/* a slot to write, seq less than TTTD_REORDER_SLOTS after next: the first
 * out of order allocates TTTD_REORDER_SLOTS_MIN of them, and they double
 * when a packet lands past them (a few times per session at most) */
static TttdReorderSlot *
slot_write (TttdReorder *r, guint32 seq)
{
  guint32 offset = seq - r->next;

  if (offset >= r->n_slots)
    {
      guint n = MAX (r->n_slots, TTTD_REORDER_SLOTS_MIN);
      TttdReorderSlot *slots;

      while (n <= offset)
        n *= 2;
      g_assert (n <= TTTD_REORDER_SLOTS);
      slots = g_new0 (TttdReorderSlot, n);
      /* what the old ones kept moves to its place in the new ones */
      for (guint32 i = 0; i < r->n_slots; i++)
        slots[(r->next + i) & (n - 1)] = r->slots[(r->next + i) & (r->n_slots - 1)];
      g_free (r->slots);
      r->slots = slots;
      r->n_slots = n;
    }
  return &r->slots[seq & (r->n_slots - 1)];
}

void
tttd_reorder_init (TttdReorder *reorder, TttdReorderDeliver deliver, gpointer user_data)
{
  memset (reorder, 0, sizeof *reorder);
  reorder->deliver = deliver;
  reorder->user_data = user_data;
  reorder->hold_us = 50000;
  reorder->active_us = TTTD_REORDER_ACTIVE_US;
  reorder->lag_us = 25000;
}

void
tttd_reorder_set_lost_func (TttdReorder *reorder, TttdReorderLost lost)
{
  reorder->lost = lost;
}

void
tttd_reorder_set_ask_unnamed (TttdReorder *reorder, gboolean ask)
{
  reorder->ask_unnamed = ask;
}

void
tttd_reorder_set_times (TttdReorder *reorder, gint64 hold_us, gint64 nack_wait_us, gint64 lag_us)
{
  reorder->hold_us = MAX (hold_us, 1);
  reorder->nack_wait_us = reorder->lost != NULL ? MAX (nack_wait_us, 0) : 0;
  reorder->lag_us = CLAMP (lag_us, 0, reorder->hold_us);
  /* asked for at the latest when a copy can still come before the hold
   * time is up: with a deep queue on one link, its RTT (and so the lag)
   * can be as long as the hold, and the gap would only be given up */
  reorder->stuck_us = 0;
  if (reorder->nack_wait_us > 0)
    {
      gint64 stuck = MIN (reorder->lag_us + TTTD_REORDER_STUCK_US, reorder->hold_us - reorder->nack_wait_us);
      reorder->stuck_us = stuck >= TTTD_REORDER_STUCK_US ? stuck : 0;
    }
}

/* seq will not come on its link: ask for it, or give it up */
static void
known_lost_at (TttdReorder *r, guint32 seq, gint64 now_us)
{
  TttdReorderSlot *slot = slot_write (r, seq);

  if (r->nack_wait_us == 0)
    {
      slot->state = SLOT_LOST;
      return;
    }
  slot->state = SLOT_WAIT;
  slot->arrival_us = now_us + r->nack_wait_us; /* when it is given up */
  r->stats.asked++;
  r->lost (seq, r->user_data);
}

/* the gap at next has held packets back stuck_us: its link holds it in a
 * queue far longer than the links' delay difference.  Ask for it, and for
 * every gap before a packet held as long, in one go; each is waited for
 * as long as the hold time would have, as the link may still bring it */
static void
ask_stuck (TttdReorder *r, gint64 now_us)
{
  gint64 until = now_us + MAX (r->nack_wait_us, r->hold_us - r->stuck_us);
  guint32 last = r->next;
  guint found = 0;

  for (guint32 s = r->next; found < r->held && s - r->next < r->n_slots; s++)
    {
      const TttdReorderSlot *slot = SLOT (r, s);
      if (slot->state != SLOT_HELD)
        continue;
      found++;
      if (now_us - slot->arrival_us >= r->stuck_us)
        last = s;
    }
  for (guint32 s = r->next; s == r->next || tttd_seq_before (s, last); s++)
    {
      TttdReorderSlot *slot = slot_write (r, s);
      if (slot->state != SLOT_EMPTY)
        continue;
      slot->state = SLOT_WAIT;
      slot->arrival_us = until;
      r->stats.asked++;
      r->stats.stuck++;
      r->lost (s, r->user_data);
    }
}

static inline void
seen_set (TttdReorder *r, guint32 seq, gboolean value)
{
  guint32 bit = seq % TTTD_REORDER_HISTORY;
  guint64 mask = G_GUINT64_CONSTANT (1) << (bit % 64);

  if (value)
    r->seen[bit / 64] |= mask;
  else
    r->seen[bit / 64] &= ~mask;
}

static inline gboolean
seen_get (const TttdReorder *r, guint32 seq)
{
  guint32 bit = seq % TTTD_REORDER_HISTORY;

  return (r->seen[bit / 64] >> (bit % 64)) & 1;
}

/* move next past one sequence, delivering it if it is held */
static void
advance (TttdReorder *r)
{
  TttdReorderSlot *slot = r->slots != NULL ? slot_write (r, r->next) : NULL;

  r->blocked_us = 0;
  r->idle_until_us = 0;
  if (slot == NULL)
    {
      /* no slots: nothing was held or known here */
      r->stats.lost++;
      seen_set (r, r->next, FALSE);
      r->next++;
      return;
    }

  if (slot->state == SLOT_HELD)
    {
      r->held--;
      r->stats.delivered++;
      r->stats.reordered++;
      seen_set (r, r->next, TRUE);
      slot->state = SLOT_EMPTY;
      r->deliver (g_steal_pointer (&slot->buf), slot->len, TRUE, r->user_data);
    }
  else if (slot->state == SLOT_DELIVERED)
    {
      seen_set (r, r->next, TRUE);
      slot->state = SLOT_EMPTY;
    }
  else
    {
      r->stats.lost++;
      seen_set (r, r->next, FALSE);
      slot->state = SLOT_EMPTY;
    }
  r->next++;
}

/* when the first packet the gap at next holds back came: a gap that
 * comes to the front after another may have held it back long already */
static gint64
first_held_us (const TttdReorder *r, gint64 now_us)
{
  for (guint32 s = r->next + 1; s - r->next < r->n_slots; s++)
    {
      const TttdReorderSlot *slot = SLOT (r, s);
      if (slot->state == SLOT_HELD)
        return MIN (slot->arrival_us, now_us);
    }
  return now_us;
}

/* every link that carries data has shown something sent after seq.  A
 * link that carried none for a while may have sent seq after its pause:
 * that comes up to the links' delay difference after what the others sent
 * later, so the gap waits lag_us for it (unless a probe on it showed it
 * past seq) */
static gboolean
known_lost (TttdReorder *r, guint32 seq, gint64 now_us)
{
  gboolean any = FALSE;

  r->idle_until_us = 0;
  for (guint32 m = r->link_mask; m != 0; m &= m - 1)
    {
      guint i = (guint) __builtin_ctz (m);
      gboolean passed = !(tttd_seq_before (r->clear[i], seq) || r->clear[i] == seq);

      if (now_us - r->data_us[i] > r->active_us)
        {
          if (!passed && now_us - r->blocked_us < r->lag_us)
            {
              r->idle_until_us = r->blocked_us + r->lag_us;
              return FALSE;
            }
          continue;
        }
      any = TRUE;
      if (!passed)
        return FALSE;
    }
  return any;
}

static void
release (TttdReorder *r, gint64 now_us)
{
  for (;;)
    {
      const TttdReorderSlot *slot = SLOT (r, r->next);

      switch (slot->state)
        {
        case SLOT_HELD:
        case SLOT_LOST: /* passed over even when nothing is held after it */
        case SLOT_DELIVERED: break;
        case SLOT_WAIT:
          if (slot->arrival_us > now_us)
            return;
          break;
        default:
          if (r->held == 0)
            return;
          if (r->blocked_us == 0)
            r->blocked_us = first_held_us (r, now_us);
          if (!known_lost (r, r->next, now_us))
            {
              if (r->stuck_us == 0 || now_us - r->blocked_us < r->stuck_us)
                return;
              ask_stuck (r, now_us);
              continue;
            }
          /* every link moved past it and no link named it: several lost
           * in a row on one link (the next packet names only the last), or
           * one the sender's pacer dropped on purpose to slow TCP down
           * (the sender refuses to send that one again). Asked for when
           * the links lose packets, else given up */
          if (r->nack_wait_us > 0 && r->ask_unnamed)
            {
              /* and every gap after it that the links have passed, now,
               * not a round trip each as each comes to the front (a burst) */
              for (guint32 s = r->next; s - r->next < TTTD_REORDER_SLOTS && known_lost (r, s, now_us); s++)
                if (SLOT (r, s)->state == SLOT_EMPTY)
                  known_lost_at (r, s, now_us);
              continue;
            }
          break;
        }
      advance (r);
    }
}

static void
link_seen (TttdReorder *r, guint link, guint32 seq)
{
  guint32 bit = 1u << link;

  if (!(r->link_mask & bit) || tttd_seq_before (r->clear[link], seq))
    r->clear[link] = seq;
  r->link_mask |= bit;
}

void
tttd_reorder_link_mark (TttdReorder *reorder, guint link, guint32 next_seq, gint64 now_us)
{
  if (link >= TTTD_REORDER_LINKS || !reorder->started)
    return;
  link_seen (reorder, link, next_seq - 1);
  release (reorder, now_us);
}

void
tttd_reorder_forget_link (TttdReorder *reorder, guint link)
{
  if (link < TTTD_REORDER_LINKS)
    reorder->link_mask &= ~(1u << link);
}

void
tttd_reorder_flush (TttdReorder *reorder)
{
  while (reorder->held > 0)
    advance (reorder);
}

static void
resync (TttdReorder *r, guint32 seq)
{
  /* far ahead: the sender restarted or a huge loss; deliver what we have
   * and start over at seq */
  tttd_reorder_flush (r);
  for (guint i = 0; i < r->n_slots; i++)
    r->slots[i].state = SLOT_EMPTY;
  /* the history keeps what the flush delivered, so that later copies of it
   * are still duplicates; only the skipped sequences are forgotten */
  if (seq - r->next >= TTTD_REORDER_HISTORY)
    memset (r->seen, 0, sizeof r->seen);
  else
    for (guint32 s = r->next; s != seq; s++)
      seen_set (r, s, FALSE);
  r->next = seq;
  r->stats.resyncs++;
}

TttdReorderResult
tttd_reorder_push (TttdReorder *r, guint32 seq, guint link, guint32 link_prev, gboolean urgent, gpointer buf, guint len,
                   gint64 now_us)
{
  TttdReorderSlot *slot;

  if (!r->started)
    {
      r->started = TRUE;
      r->next = seq;
    }
  /* urgent packets overtake their link's queue: they show nothing of it */
  if (link < TTTD_REORDER_LINKS && !urgent)
    {
      link_seen (r, link, seq);
      r->data_us[link] = now_us;
      /* the packet sent before this one on the same link has not come: as
       * links keep order, it never will */
      if (link_prev != seq && tttd_seq_before (link_prev, seq) && !tttd_seq_before (link_prev, r->next) &&
          link_prev - r->next < TTTD_REORDER_SLOTS && SLOT (r, link_prev)->state == SLOT_EMPTY)
        known_lost_at (r, link_prev, now_us);
    }

  if (tttd_seq_before (seq, r->next))
    {
      if (r->next - seq > TTTD_REORDER_HISTORY || seen_get (r, seq))
        {
          r->stats.duplicates++;
          return TTTD_REORDER_DUPLICATE;
        }
      /* given up on, but here now: late beats never */
      seen_set (r, seq, TRUE);
      r->stats.late++;
      r->stats.delivered++;
      r->deliver (buf, len, FALSE, r->user_data);
      return TTTD_REORDER_DELIVERED;
    }
  if (seq - r->next >= TTTD_REORDER_SLOTS)
    resync (r, seq);

  if (SLOT (r, seq)->state == SLOT_WAIT)
    r->stats.recovered++;
  if (seq == r->next)
    {
      if (r->slots != NULL)
        slot_write (r, seq)->state = SLOT_EMPTY;
      seen_set (r, seq, TRUE);
      r->next++;
      r->stats.delivered++;
      r->deliver (buf, len, FALSE, r->user_data);
      release (r, now_us);
      return TTTD_REORDER_DELIVERED;
    }

  if (SLOT (r, seq)->state == SLOT_HELD || SLOT (r, seq)->state == SLOT_DELIVERED)
    {
      r->stats.duplicates++;
      return TTTD_REORDER_DUPLICATE;
    }
  slot = slot_write (r, seq);
  if (urgent)
    {
      /* interactive traffic does not wait for bulk sent before it */
      slot->state = SLOT_DELIVERED;
      r->stats.delivered++;
      r->deliver (buf, len, FALSE, r->user_data);
      release (r, now_us);
      return TTTD_REORDER_DELIVERED;
    }
  slot->state = SLOT_HELD;
  slot->buf = buf;
  slot->len = len;
  slot->arrival_us = now_us;
  r->held++;
  release (r, now_us);
  return TTTD_REORDER_HELD;
}

/* when the oldest held packet has waited the hold time */
static gint64
hold_deadline (const TttdReorder *r)
{
  gint64 oldest = G_MAXINT64;
  guint found = 0;

  if (r->held == 0)
    return G_MAXINT64;
  /* the held packets lie in the window after next; the first one found is
   * not necessarily the oldest, so look at all of them */
  for (guint32 s = r->next; found < r->held && s - r->next < r->n_slots; s++)
    {
      const TttdReorderSlot *slot = SLOT (r, s);
      if (slot->state == SLOT_HELD)
        {
          found++;
          oldest = MIN (oldest, slot->arrival_us);
        }
    }
  return oldest + r->hold_us;
}

gint64
tttd_reorder_deadline (const TttdReorder *r)
{
  const TttdReorderSlot *front = SLOT (r, r->next);
  gint64 deadline = hold_deadline (r);

  /* a gap asked for at the front holds up what follows until it is
   * given up; with nothing held after it, nothing waits for it */
  if (r->held > 0 && front->state == SLOT_WAIT)
    deadline = MIN (deadline, front->arrival_us);
  /* a gap waiting for a link that had paused */
  if (r->held > 0 && front->state == SLOT_EMPTY && r->idle_until_us != 0)
    deadline = MIN (deadline, r->idle_until_us);
  /* a gap a link holds back, to be asked for */
  if (r->held > 0 && front->state == SLOT_EMPTY && r->stuck_us != 0 && r->blocked_us != 0)
    deadline = MIN (deadline, r->blocked_us + r->stuck_us);
  return deadline;
}

void
tttd_reorder_expire (TttdReorder *r, gint64 now_us)
{
  /* a gap asked for whose time is up */
  release (r, now_us);
  /* give up on the gaps before any packet held longer than the hold time */
  while (r->held > 0 && hold_deadline (r) <= now_us)
    {
      while (SLOT (r, r->next)->state != SLOT_HELD)
        {
          /* only a gap nobody knew lost is given up on by the timer */
          if (SLOT (r, r->next)->state == SLOT_EMPTY)
            r->stats.timeouts++;
          advance (r);
        }
      advance (r);
      release (r, now_us);
    }
}

void
tttd_reorder_reset (TttdReorder *reorder)
{
  TttdReorderDeliver deliver = reorder->deliver;
  gpointer user_data = reorder->user_data;
  TttdReorderLost lost = reorder->lost;
  gint64 hold_us = reorder->hold_us, active_us = reorder->active_us, nack_wait_us = reorder->nack_wait_us;
  gint64 lag_us = reorder->lag_us, stuck_us = reorder->stuck_us;
  gboolean ask_unnamed = reorder->ask_unnamed;
  TttdReorderStats stats;

  tttd_reorder_clear (reorder);
  stats = reorder->stats;
  tttd_reorder_init (reorder, deliver, user_data);
  reorder->lost = lost;
  reorder->hold_us = hold_us;
  reorder->nack_wait_us = nack_wait_us;
  reorder->active_us = active_us;
  reorder->lag_us = lag_us;
  reorder->stuck_us = stuck_us;
  reorder->ask_unnamed = ask_unnamed;
  reorder->stats = stats;
}

void
tttd_reorder_clear (TttdReorder *reorder)
{
  tttd_reorder_flush (reorder);
  g_clear_pointer (&reorder->slots, g_free);
  reorder->n_slots = 0;
}
