/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-reorder.h"

/* the receive side of the bonded tunnel: what reaches the TUN device, in
 * which order, and who owns each buffer.  Every buffer is a heap copy of
 * its sequence number, so that ASan sees a leak or a double free. */

#define MS  (G_GINT64_CONSTANT (1000))
#define SEC (G_GINT64_CONSTANT (1000000))

/* the links of the tests */
#define A 0
#define B 1
#define C 2

typedef struct {
  TttdReorder reorder;
  GArray *delivered; /* guint32: the sequences written, in order */
  guint checked;     /* how many of those a test has looked at */
  gint outstanding;  /* buffers the reorder buffer owns */
  guint max_held;
  gpointer pushing; /* the buffer being pushed: the caller's */
  gint64 now;
} Fixture;

static void
on_deliver (gpointer buf, guint len, gboolean held, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_nonnull (buf);
  g_assert_cmpuint (len, ==, sizeof (guint32));
  g_array_append_val (f->delivered, *(guint32 *) buf);
  if (held)
    {
      /* ours now */
      f->outstanding--;
      g_free (buf);
    }
  else
    {
      /* only the packet being pushed is delivered without handing it over */
      g_assert_true (buf == f->pushing);
    }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  f->delivered = g_array_new (FALSE, FALSE, sizeof (guint32));
  f->now = 1000 * SEC;
  tttd_reorder_init (&f->reorder, on_deliver, f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  /* whatever a test left held is handed back */
  tttd_reorder_flush (&f->reorder);
  g_assert_cmpuint (f->reorder.held, ==, 0);
  g_assert_cmpint (f->outstanding, ==, 0);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, G_MAXINT64);
  tttd_reorder_clear (&f->reorder);
  g_assert_null (f->reorder.slots);
  g_array_unref (f->delivered);
}

static void
check_invariants (Fixture *f)
{
  g_assert_cmpint (f->outstanding, >=, 0);
  g_assert_cmpuint (f->reorder.held, ==, (guint) f->outstanding);
  g_assert_cmpuint (f->reorder.held, <=, TTTD_REORDER_SLOTS);
  g_assert_cmpuint (f->reorder.stats.delivered, ==, f->delivered->len);
  f->max_held = MAX (f->max_held, f->reorder.held);
  if (f->reorder.held > 0)
    g_assert_cmpint (tttd_reorder_deadline (&f->reorder), <=, f->now + f->reorder.hold_us);
  else
    g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, G_MAXINT64);
}

static TttdReorderResult
push_full (Fixture *f, guint32 seq, guint link, guint32 link_prev, gboolean urgent)
{
  guint32 *buf = g_new (guint32, 1);
  TttdReorderResult result;

  *buf = seq;
  f->pushing = buf;
  /* counted before the push: the buffer may be delivered within it */
  f->outstanding++;
  result = tttd_reorder_push (&f->reorder, seq, link, link_prev, urgent, buf, sizeof *buf, f->now);
  f->pushing = NULL;
  if (result != TTTD_REORDER_HELD)
    {
      f->outstanding--;
      g_free (buf);
    }
  check_invariants (f);
  return result;
}

/* a data packet; link_prev == seq: the first on its link */
static TttdReorderResult
push (Fixture *f, guint32 seq, guint link, guint32 link_prev)
{
  return push_full (f, seq, link, link_prev, FALSE);
}

static void
expire (Fixture *f)
{
  tttd_reorder_expire (&f->reorder, f->now);
  check_invariants (f);
}

/* the sequences delivered since the last call are these, in this order */
static void
expect_delivered (Fixture *f, const guint32 *seqs, guint n)
{
  guint fresh = f->delivered->len - f->checked;

  for (guint i = 0; i < MIN (n, fresh); i++)
    g_assert_cmpuint (g_array_index (f->delivered, guint32, f->checked + i), ==, seqs[i]);
  g_assert_cmpuint (fresh, ==, n);
  f->checked = f->delivered->len;
}

static void
skip_delivered (Fixture *f)
{
  f->checked = f->delivered->len;
}

/* ... these: from, from + 1, ... from + n - 1 */
static void
expect_run (Fixture *f, guint32 from, guint n)
{
  g_assert_cmpuint (f->delivered->len - f->checked, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (f->delivered, guint32, f->checked + i), ==, from + i);
  f->checked = f->delivered->len;
}

/* given up on so far, and of those by the hold timer */
static void
expect_lost (Fixture *f, guint64 lost, guint64 timeouts)
{
  g_assert_cmpuint (f->reorder.stats.lost, ==, lost);
  g_assert_cmpuint (f->reorder.stats.timeouts, ==, timeouts);
}

#define EXPECT(f, ...) \
  expect_delivered ((f), (const guint32[]){ __VA_ARGS__ }, G_N_ELEMENTS (((const guint32[]){ __VA_ARGS__ })))
#define EXPECT_NONE(f) expect_delivered ((f), NULL, 0)

/* two links A and B that both carry data: A has sent 9, B 8, and the
 * receiver has delivered both; next expected is 10 */
static void
start_two_links (Fixture *f)
{
  g_assert_cmpint (push (f, 8, B, 8), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 9, A, 9), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 8, 9);
}

/* packets that come in order go straight through and nothing is held */
static void
test_in_order (Fixture *f, gconstpointer data)
{
  for (guint32 seq = 100; seq < 200; seq++)
    {
      /* balance-rr over two links */
      guint link = seq % 2;
      g_assert_cmpint (push (f, seq, link, seq < 102 ? seq : seq - 2), ==, TTTD_REORDER_DELIVERED);
      EXPECT (f, seq);
      f->now += 100;
    }
  g_assert_cmpuint (f->max_held, ==, 0);
  g_assert_cmpuint (f->reorder.stats.delivered, ==, 100);
  g_assert_cmpuint (f->reorder.stats.reordered + f->reorder.stats.lost + f->reorder.stats.late, ==, 0);
  /* no timer is needed, and no slot: in-order traffic costs no memory */
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, G_MAXINT64);
  g_assert_null (f->reorder.slots);
}

/* a packet that overtakes one sent before it on another link waits for it,
 * and both go out in order when it comes */
static void
test_out_of_order (Fixture *f, gconstpointer data)
{
  gint64 first_held;

  start_two_links (f);
  /* B carries 10 and 13, A 11 and 12; A is faster */
  first_held = f->now;
  g_assert_null (f->reorder.slots);
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  /* the first packet held out of order brings the slots */
  g_assert_nonnull (f->reorder.slots);
  f->now += 2 * MS;
  g_assert_cmpint (push (f, 12, A, 11), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.held, ==, 2);
  /* the timer is due when the oldest has waited the hold time */
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, first_held + f->reorder.hold_us);
  /* time short of that changes nothing */
  f->now = first_held + f->reorder.hold_us - 1;
  expire (f);
  EXPECT_NONE (f);

  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11, 12);
  g_assert_cmpint (push (f, 13, B, 10), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 13);
  g_assert_cmpuint (f->reorder.stats.reordered, ==, 2);
  expect_lost (f, 0, 0);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, G_MAXINT64);
}

/* the redundant strategy sends every packet on every link: only the first
 * copy is delivered, whether it was delivered at once, held or urgent */
static void
test_duplicates (Fixture *f, gconstpointer data)
{
  for (guint32 seq = 0; seq < 10; seq++)
    g_assert_cmpint (push (f, seq, A, seq == 0 ? 0 : seq - 1), ==, TTTD_REORDER_DELIVERED);
  for (guint32 seq = 0; seq < 10; seq++)
    g_assert_cmpint (push (f, seq, B, seq == 0 ? 0 : seq - 1), ==, TTTD_REORDER_DUPLICATE);
  EXPECT (f, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  g_assert_cmpuint (f->reorder.stats.duplicates, ==, 10);

  /* a copy of a packet that is held: 10 is on its way on B */
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 11, C, 11), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpuint (f->reorder.held, ==, 1);
  /* a copy of an urgent packet delivered ahead of its turn */
  g_assert_cmpint (push_full (f, 12, A, 12, TRUE), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push_full (f, 12, C, 12, TRUE), ==, TTTD_REORDER_DUPLICATE);
  EXPECT (f, 12);
  g_assert_cmpint (push (f, 10, B, 9), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11);
  /* and copies of all of them once they are behind */
  g_assert_cmpint (push (f, 10, C, 10), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 11, B, 10), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push_full (f, 12, B, 12, TRUE), ==, TTTD_REORDER_DUPLICATE);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.stats.duplicates, ==, 15);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 0);

  /* a copy older than the history is dropped too, not taken for late */
  for (guint32 seq = 13; seq < 13 + TTTD_REORDER_HISTORY + 10; seq++)
    g_assert_cmpint (push (f, seq, A, seq - 1), ==, TTTD_REORDER_DELIVERED);
  skip_delivered (f);
  g_assert_cmpint (push (f, 5, B, 4), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 14, B, 13), ==, TTTD_REORDER_DUPLICATE);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.stats.late, ==, 0);
}

/* sequence numbers wrap at 2^32 without a hiccup */
static void
test_wrap (Fixture *f, gconstpointer data)
{
  const guint32 top = G_MAXUINT32;

  g_assert_cmpint (push (f, top - 2, A, top - 2), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, top - 1, B, top - 1), ==, TTTD_REORDER_DELIVERED);
  /* top is on the slow link B; A carries 0 and 1 */
  g_assert_cmpint (push (f, 0, A, top - 2), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 1, A, 0), ==, TTTD_REORDER_HELD);
  EXPECT (f, top - 2, top - 1);
  g_assert_cmpint (push (f, top, B, top - 1), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, top, 0, 1);
  /* copies from either side of the wrap are behind now */
  g_assert_cmpint (push (f, top - 1, A, top - 2), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 0, B, top), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 2, B, top), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 2);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 0);

  /* a gap across the wrap, given up on by the timer; the packet comes
   * after all */
  tttd_reorder_reset (&f->reorder);
  g_assert_cmpint (push (f, top - 1, A, top - 1), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 0, B, 0), ==, TTTD_REORDER_HELD);
  EXPECT (f, top - 1);
  f->now += f->reorder.hold_us;
  expire (f);
  EXPECT (f, 0);
  expect_lost (f, 1, 1);
  g_assert_cmpint (push (f, top, A, top - 1), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, top);
  g_assert_cmpuint (f->reorder.stats.late, ==, 1);

  /* one across the wrap that A's own sequence shows lost */
  tttd_reorder_reset (&f->reorder);
  g_assert_cmpint (push (f, top - 1, A, top - 1), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 0, B, 0), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 1, A, top), ==, TTTD_REORDER_HELD);
  EXPECT (f, top - 1, 0, 1);
  expect_lost (f, 2, 1);
}

/* a gap nothing fills is given up on after the hold time, and the packet
 * that comes after all is still delivered, once */
static void
test_timeout (Fixture *f, gconstpointer data)
{
  gint64 t0;

  start_two_links (f);
  /* 10 is on B, which has gone quiet; 11 and 12 came on A */
  t0 = f->now;
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  f->now += 10 * MS;
  g_assert_cmpint (push (f, 12, A, 11), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, t0 + f->reorder.hold_us);
  f->now = t0 + f->reorder.hold_us - 1;
  expire (f);
  EXPECT_NONE (f);
  f->now = t0 + f->reorder.hold_us;
  expire (f);
  EXPECT (f, 11, 12);
  expect_lost (f, 1, 1);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, G_MAXINT64);

  /* late beats never; a second copy is a duplicate */
  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10);
  g_assert_cmpuint (f->reorder.stats.late, ==, 1);
  g_assert_cmpint (push (f, 10, C, 10), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpuint (f->reorder.stats.late, ==, 1);

  /* each gap gets its own hold time: 13 and 15 missing, 14 and 16 held */
  t0 = f->now;
  g_assert_cmpint (push (f, 14, A, 12), ==, TTTD_REORDER_HELD);
  f->now += 30 * MS;
  g_assert_cmpint (push (f, 16, A, 14), ==, TTTD_REORDER_HELD);
  f->now = t0 + f->reorder.hold_us;
  expire (f);
  EXPECT (f, 14);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, t0 + 30 * MS + f->reorder.hold_us);
  f->now = t0 + 30 * MS + f->reorder.hold_us;
  expire (f);
  EXPECT (f, 16);

  /* the oldest held packet need not be the first: 18 came before 17 */
  t0 = f->now;
  g_assert_cmpint (push (f, 19, A, 16), ==, TTTD_REORDER_HELD);
  f->now += 20 * MS;
  g_assert_cmpint (push (f, 18, C, 18), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, t0 + f->reorder.hold_us);
  f->now = t0 + f->reorder.hold_us;
  expire (f);
  EXPECT (f, 18, 19);
  expect_lost (f, 4, 4);
}

/* links keep order: a packet whose predecessor on its own link has not come
 * shows that predecessor lost, and the wait ends without the timer */
static void
test_link_prev_lost (Fixture *f, gconstpointer data)
{
  start_two_links (f);
  /* A carries 10 (lost) and 12, B carries 11, slower; B has shown
   * nothing past 8, so only A's own sequence tells that 10 is gone */
  g_assert_cmpint (push (f, 12, A, 10), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 1);
  /* 11 is not written off: B may still bring it, and goes out at once */
  g_assert_cmpint (push (f, 11, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11, 12);
  expect_lost (f, 1, 0);

  /* a link_prev already behind, or equal to the packet (urgent, or the
   * first on its link), marks nothing: 13 on B stays awaited */
  g_assert_cmpint (push (f, 15, A, 12), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 14, C, 14), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 13, B, 11), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 13, 14, 15);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 1);
}

/* the other way to know: every link that carries data has shown something
 * sent after the gap, by data or by a probe's next sequence */
static void
test_links_passed (Fixture *f, gconstpointer data)
{
  start_two_links (f);
  /* 10 on B, lost; 11 on A */
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  /* a probe on A tells nothing new */
  tttd_reorder_link_mark (&f->reorder, A, 12, f->now);
  check_invariants (f);
  EXPECT_NONE (f);
  /* B's probe: it has sent everything before 12 */
  tttd_reorder_link_mark (&f->reorder, B, 12, f->now);
  check_invariants (f);
  EXPECT (f, 11);
  expect_lost (f, 1, 0);

  /* a link without data for a while is waited for only as long as it
   * may lag behind the others */
  f->now += f->reorder.active_us + 1;
  g_assert_cmpint (push (f, 13, A, 11), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, f->now + f->reorder.lag_us);
  f->now += f->reorder.lag_us - 1;
  expire (f);
  EXPECT_NONE (f);
  f->now += 1;
  expire (f);
  EXPECT (f, 13);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 2);
  g_assert_cmpuint (f->reorder.stats.timeouts, ==, 0);

  /* nor is a link that was forgotten */
  g_assert_cmpint (push (f, 14, B, 14), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 16, A, 13), ==, TTTD_REORDER_HELD);
  EXPECT (f, 14);
  tttd_reorder_forget_link (&f->reorder, B);
  g_assert_cmpint (push (f, 17, A, 16), ==, TTTD_REORDER_HELD);
  EXPECT (f, 16, 17);
  expect_lost (f, 3, 0);
}

/* a link that paused sends again: what it sent after the pause comes up
 * to the links' delay difference after what the others sent later, and is
 * waited for, not given up (which the flow would see as a loss) */
static void
test_idle_link_lag (Fixture *f, gconstpointer data)
{
  start_two_links (f);
  /* B carries nothing for a while; A goes on */
  f->now += f->reorder.active_us + 1;
  g_assert_cmpint (push (f, 10, A, 9), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10);
  /* 11 goes on the slow B after its pause, 12 on A arrives first */
  g_assert_cmpint (push (f, 12, A, 10), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  f->now += f->reorder.lag_us / 2;
  expire (f);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 11, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11, 12);
  expect_lost (f, 0, 0);
  g_assert_cmpuint (f->reorder.stats.late, ==, 0);

  /* a probe on the idle link that shows it past the gap ends the wait */
  f->now += f->reorder.active_us + 1;
  g_assert_cmpint (push (f, 13, A, 12), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 15, A, 13), ==, TTTD_REORDER_HELD);
  EXPECT (f, 13);
  tttd_reorder_link_mark (&f->reorder, B, 16, f->now);
  EXPECT (f, 15);
  expect_lost (f, 1, 0);
}

/* a link in a lull (a cellular scheduler holds its packets for half a
 * second) carried data shortly before: a gap the other link passed waits
 * for it well beyond the links' delay difference and comes in order, not
 * given up and then late (a loss, then a reordering, for the flow) */
static void
test_lull (Fixture *f, gconstpointer data)
{
  tttd_reorder_set_times (&f->reorder, SEC, 0, 25 * MS);
  start_two_links (f);
  f->now += 500 * MS;
  g_assert_cmpint (push (f, 10, A, 9), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 12, A, 10), ==, TTTD_REORDER_HELD);
  EXPECT (f, 10);
  f->now += 4 * f->reorder.lag_us;
  expire (f);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 11, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11, 12);
  expect_lost (f, 0, 0);
  g_assert_cmpuint (f->reorder.stats.late, ==, 0);
}

/* interactive traffic does not wait for bulk sent before it, and the
 * packet it overtook is neither dropped nor counted lost */
static void
test_urgent (Fixture *f, gconstpointer data)
{
  start_two_links (f);
  /* 10 on B, slow; 11 urgent on A; then 12 on A */
  g_assert_cmpint (push_full (f, 11, A, 11, TRUE), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11);
  g_assert_cmpint (push (f, 12, A, 9), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 12);
  expect_lost (f, 0, 0);
  g_assert_cmpint (push_full (f, 11, B, 11, TRUE), ==, TTTD_REORDER_DUPLICATE);
  EXPECT_NONE (f);

  /* the same with 13 never coming: the hold timer passes over the urgent
   * 14 without counting it given up on (timeouts are a share of lost) */
  g_assert_cmpint (push_full (f, 14, A, 14, TRUE), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 15, A, 12), ==, TTTD_REORDER_HELD);
  f->now += f->reorder.hold_us;
  expire (f);
  EXPECT (f, 14, 15);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 1);
  g_assert_cmpuint (f->reorder.stats.timeouts, ==, 1);
}

/* the slots start few and double when a packet comes past them, keeping
 * what they hold and know: a session with short gaps costs 1.5 KiB, not 24 */
static void
test_slots_grow (Fixture *f, gconstpointer data)
{
  start_two_links (f);
  /* B lags (10 still to come on it); A carries 11.. */
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  g_assert_cmpuint (f->reorder.n_slots, ==, TTTD_REORDER_SLOTS_MIN);
  g_assert_cmpint (push (f, 12, A, 11), ==, TTTD_REORDER_HELD);
  /* 13 was lost on A (14 names it): known lost before the slots grow */
  g_assert_cmpint (push (f, 14, A, 13), ==, TTTD_REORDER_HELD);
  g_assert_cmpuint (f->reorder.n_slots, ==, TTTD_REORDER_SLOTS_MIN);
  /* past the first slots, then far past: twice, then up to the most */
  g_assert_cmpint (push (f, 10 + TTTD_REORDER_SLOTS_MIN, A, 14), ==, TTTD_REORDER_HELD);
  g_assert_cmpuint (f->reorder.n_slots, ==, 2 * TTTD_REORDER_SLOTS_MIN);
  g_assert_cmpint (push (f, 10 + TTTD_REORDER_SLOTS - 1, A, 10 + TTTD_REORDER_SLOTS_MIN), ==, TTTD_REORDER_HELD);
  g_assert_cmpuint (f->reorder.n_slots, ==, TTTD_REORDER_SLOTS);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.held, ==, 5);
  /* a duplicate of one held is still one after the moves */
  g_assert_cmpint (push (f, 12, A, 12), ==, TTTD_REORDER_DUPLICATE);
  /* 10 comes on B: 11 and 12 follow; 13 stays a known loss (given up at
   * once without NACKs), then 14 */
  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11, 12, 14);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 1);
  /* the rest is held until its time is up, in order */
  f->now += f->reorder.hold_us;
  expire (f);
  EXPECT (f, 10 + TTTD_REORDER_SLOTS_MIN, 10 + TTTD_REORDER_SLOTS - 1);
  /* a reset frees them; the next gap starts small again */
  tttd_reorder_reset (&f->reorder);
  g_assert_null (f->reorder.slots);
  g_assert_cmpuint (f->reorder.n_slots, ==, 0);
}

/* the buffer holds at most TTTD_REORDER_SLOTS packets, and delivers what
 * it held, in order, when it has to let go */
static void
test_bounded (Fixture *f, gconstpointer data)
{
  const guint32 far = 10 + TTTD_REORDER_SLOTS;
  const guint32 last = far + 2 + 1000000;

  start_two_links (f);
  /* 10 is missing and B stays behind; A floods everything after it */
  for (guint32 seq = 11; seq < far; seq++)
    g_assert_cmpint (push (f, seq, A, seq == 11 ? 9 : seq - 1), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.held, ==, TTTD_REORDER_SLOTS - 1);
  /* one more cannot be held: what is held goes out, and the wait starts over */
  g_assert_cmpint (push (f, far, A, far - 1), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpuint (f->reorder.held, ==, 0);
  expect_run (f, 11, far - 11 + 1);
  g_assert_cmpuint (f->reorder.stats.resyncs, ==, 1);
  g_assert_cmpuint (f->reorder.stats.lost, ==, 1);

  /* a huge jump (the sender lost a lot) delivers what was held */
  g_assert_cmpint (push (f, far + 2, A, far), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, last, A, far + 2), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, far + 2, last);
  g_assert_cmpint (push (f, last + 1, A, last), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, last + 1);

  g_assert_cmpuint (f->max_held, ==, TTTD_REORDER_SLOTS - 1);
}

/* anything at all, in any order, as a confused or hostile peer sends: the
 * buffer keeps its invariants (at most TTTD_REORDER_SLOTS held) and every
 * buffer it took is given back exactly once */
static void
test_random (Fixture *f, gconstpointer data)
{
  guint32 base = (guint32) g_test_rand_int ();

  for (guint i = 0; i < 100000; i++)
    {
      guint op = (guint) g_test_rand_int_range (0, 100);

      if (op < 85)
        {
          guint link = (guint) g_test_rand_int_range (0, 4);
          guint32 seq, link_prev;

          /* mostly within the window, now and then far ahead or behind, or
           * on a link out of range; link 3 is slow: what it shows is
           * behind, so gaps wait */
          if (link == 3)
            seq = base - (guint32) g_test_rand_int_range (0, 300);
          else if (g_test_rand_int_range (0, 100) == 0)
            seq = base + (guint32) g_test_rand_int_range (-5000, 5000);
          else if (g_test_rand_int_range (0, 1000) == 0)
            {
              seq = (guint32) g_test_rand_int ();
              link = (guint) g_test_rand_int_range (0, TTTD_REORDER_LINKS + 2);
            }
          else
            seq = base + (guint32) g_test_rand_int_range (-200, 1000);
          link_prev = g_test_rand_int_range (0, 4) == 0 ? seq : seq - (guint32) g_test_rand_int_range (1, 64);
          push_full (f, seq, link, link_prev, g_test_rand_int_range (0, 20) == 0);
          base += (guint32) g_test_rand_int_range (0, 3);
        }
      else if (op < 88)
        {
          f->now += g_test_rand_int_range (0, 60 * 1000);
          expire (f);
        }
      else if (op < 97)
        {
          tttd_reorder_link_mark (&f->reorder, (guint) g_test_rand_int_range (0, 4),
                                  base + (guint32) g_test_rand_int_range (-100, 100), f->now);
          check_invariants (f);
        }
      else if (op < 99)
        tttd_reorder_forget_link (&f->reorder, (guint) g_test_rand_int_range (0, 40));
      else if (g_test_rand_bit ())
        {
          tttd_reorder_flush (&f->reorder);
          check_invariants (f);
          g_assert_cmpuint (f->reorder.held, ==, 0);
        }
      else
        {
          tttd_reorder_reset (&f->reorder);
          check_invariants (f);
        }
      f->now += g_test_rand_int_range (0, 100);
    }
  g_test_message ("most held: %u, resyncs: %" G_GUINT64_FORMAT, f->max_held, f->reorder.stats.resyncs);
}

/* a reset (new keys: the far end starts its sequence over) hands back what
 * is held, in order, and forgets the old session; settings and counters stay */
static void
test_reset (Fixture *f, gconstpointer data)
{
  guint64 delivered_before;

  f->reorder.hold_us = 20 * MS;
  f->reorder.active_us = 500 * MS;
  push (f, 5000, B, 5000);
  for (guint32 seq = 5001; seq < 5010; seq++)
    push (f, seq, A, seq == 5001 ? seq : seq - 1);
  skip_delivered (f);
  /* 5010 and 5011 on B, still on their way */
  g_assert_cmpint (push (f, 5012, A, 5009), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 5013, C, 5013), ==, TTTD_REORDER_HELD);
  delivered_before = f->reorder.stats.delivered;

  g_assert_nonnull (f->reorder.slots);
  tttd_reorder_reset (&f->reorder);
  EXPECT (f, 5012, 5013);
  /* the old session's slots go with it */
  g_assert_null (f->reorder.slots);
  g_assert_cmpint (f->reorder.hold_us, ==, 20 * MS);
  g_assert_cmpint (f->reorder.active_us, ==, 500 * MS);
  g_assert_cmpuint (f->reorder.stats.delivered, >=, delivered_before);
  /* what the flush delivered is counted */
  g_assert_cmpuint (f->reorder.stats.delivered, ==, delivered_before + 2);
  check_invariants (f);

  /* the new session starts at 0, far behind the old one; what the old one
   * delivered is no duplicate now */
  g_assert_cmpint (push (f, 0, A, 0), ==, TTTD_REORDER_DELIVERED);
  g_assert_cmpint (push (f, 1, A, 0), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 0, 1);
  g_assert_cmpint (push (f, 3, B, 3), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, f->now + 20 * MS);
  g_assert_cmpint (push (f, 2, A, 1), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 2, 3);
  g_assert_cmpuint (f->reorder.stats.duplicates, ==, 0);
}

/* a resync (a jump too far to hold across) delivers what was held; copies
 * of those that come later, on a slower link, are still duplicates */
static void
test_resync_duplicates (Fixture *f, gconstpointer data)
{
  const guint32 far = 10 + TTTD_REORDER_SLOTS + 100;
  guint n_late;

  start_two_links (f);
  for (guint32 seq = 11; seq < 21; seq++)
    g_assert_cmpint (push (f, seq, A, seq == 11 ? 9 : seq - 1), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, far, A, 20), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, far);
  g_assert_cmpuint (f->reorder.stats.resyncs, ==, 1);

  /* B's copies of what was delivered */
  for (guint32 seq = 11; seq < 21; seq++)
    push (f, seq, B, seq - 1);
  n_late = f->delivered->len - f->checked;
  skip_delivered (f);
  g_assert_cmpuint (n_late, ==, 0);
  g_assert_cmpuint (f->reorder.stats.duplicates, ==, 10);
  /* the one never delivered is late, not a duplicate */
  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10);
}

static GArray *asked_seqs;

static void
on_lost (guint32 seq, gpointer user_data)
{
  g_array_append_val (asked_seqs, seq);
}

static void
expect_asked (const guint32 *seqs, guint n)
{
  g_assert_cmpuint (asked_seqs->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (asked_seqs, guint32, i), ==, seqs[i]);
  g_array_set_size (asked_seqs, 0);
}
#define EXPECT_ASKED(...) \
  expect_asked ((const guint32[]){ __VA_ARGS__ }, G_N_ELEMENTS (((const guint32[]){ __VA_ARGS__ })))

/* with retransmission, a gap known lost is asked for and waited for,
 * then filled by the retransmission, or given up when its time is up */
static void
test_nack_wait (Fixture *f, gconstpointer data)
{
  asked_seqs = g_array_new (FALSE, FALSE, sizeof (guint32));
  tttd_reorder_set_lost_func (&f->reorder, on_lost);
  tttd_reorder_set_times (&f->reorder, 100 * MS, 30 * MS, 20 * MS);
  start_two_links (f);

  /* 10 lost on A: 12 on A names it; asked for at once, not given up */
  g_assert_cmpint (push (f, 12, A, 10), ==, TTTD_REORDER_HELD);
  EXPECT_ASKED (10);
  g_assert_cmpint (push (f, 11, B, 8), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, f->now + 30 * MS);
  /* the retransmission comes on B within the wait: all in order */
  f->now += 20 * MS;
  expire (f);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 10, B, 10), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11, 12);
  g_assert_cmpuint (f->reorder.stats.asked, ==, 1);
  g_assert_cmpuint (f->reorder.stats.recovered, ==, 1);
  expect_lost (f, 0, 0);

  /* 13 lost on B, and it never comes again: given up after the wait,
   * as lost, not as a timeout */
  g_assert_cmpint (push (f, 15, B, 13), ==, TTTD_REORDER_HELD);
  EXPECT_ASKED (13);
  g_assert_cmpint (push (f, 14, A, 12), ==, TTTD_REORDER_HELD);
  f->now += 29 * MS;
  expire (f);
  EXPECT_NONE (f);
  f->now += 1 * MS;
  expire (f);
  EXPECT (f, 14, 15);
  expect_lost (f, 1, 0);
  /* the retransmission, too late: delivered anyway */
  g_assert_cmpint (push (f, 13, A, 13), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 13);
  g_assert_cmpuint (f->reorder.stats.late, ==, 1);
  g_assert_cmpuint (f->reorder.stats.recovered, ==, 1);

  /* every link past a gap that no link named (several lost in a row on
   * one, or one the sender's pacer dropped): on links that lose nothing,
   * given up at once, not asked for (a pacer's drop, most likely) */
  g_assert_cmpint (push (f, 17, A, 17), ==, TTTD_REORDER_HELD);
  tttd_reorder_link_mark (&f->reorder, B, 18, f->now);
  EXPECT (f, 17);
  expect_lost (f, 2, 0);
  g_assert_cmpuint (asked_seqs->len, ==, 0);
  /* on lossy links, asked for as well, then given up when its time is up */
  tttd_reorder_set_ask_unnamed (&f->reorder, TRUE);
  g_assert_cmpint (push (f, 19, A, 19), ==, TTTD_REORDER_HELD);
  EXPECT_NONE (f);
  tttd_reorder_link_mark (&f->reorder, B, 20, f->now);
  EXPECT_ASKED (18);
  EXPECT_NONE (f);
  f->now += 30 * MS;
  expire (f);
  EXPECT (f, 19);
  expect_lost (f, 3, 0);

  /* the hold time bounds the wait as well: a later packet held for the
   * hold time releases what is before it */
  tttd_reorder_set_times (&f->reorder, 10 * MS, 30 * MS, 20 * MS);
  g_assert_cmpint (push (f, 22, A, 20), ==, TTTD_REORDER_HELD);
  EXPECT_ASKED (20);
  g_assert_cmpint (push (f, 21, B, 21), ==, TTTD_REORDER_HELD);
  f->now += 10 * MS;
  expire (f);
  EXPECT (f, 21, 22);
  expect_lost (f, 4, 0);
  /* asked only once per gap */
  g_assert_cmpuint (f->reorder.stats.asked, ==, 4);
  g_array_unref (asked_seqs);
}

/* a burst on one link: the next packet names only the last of it; the
 * others are found when every link has passed them, and all asked for in
 * one go, not one round trip each as each comes to the front */
static void
test_nack_burst (Fixture *f, gconstpointer data)
{
  asked_seqs = g_array_new (FALSE, FALSE, sizeof (guint32));
  tttd_reorder_set_lost_func (&f->reorder, on_lost);
  tttd_reorder_set_times (&f->reorder, 100 * MS, 30 * MS, 20 * MS);
  tttd_reorder_set_ask_unnamed (&f->reorder, TRUE);
  start_two_links (f);

  /* 10, 11, 12 lost on A; 13 on A names 12 */
  g_assert_cmpint (push (f, 13, A, 12), ==, TTTD_REORDER_HELD);
  EXPECT_ASKED (12);
  /* 14 on B: every link is past 10 and 11 */
  g_assert_cmpint (push (f, 14, B, 8), ==, TTTD_REORDER_HELD);
  EXPECT_ASKED (10, 11);
  EXPECT_NONE (f);
  /* the retransmissions fill them in any order */
  g_assert_cmpint (push (f, 11, A, 11), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 12, A, 12), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 10, A, 10), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11, 12, 13, 14);
  expect_lost (f, 0, 0);
  g_assert_cmpuint (f->reorder.stats.recovered, ==, 3);
  g_array_unref (asked_seqs);
}

/* a gap its link holds back in a queue (a modem's deep buffer whose
 * capacity fell) far longer than the links' delay difference: asked for
 * though the link has not passed it, with the gaps after it that blocked
 * as long, and filled by whichever copy comes first; one that comes
 * within the lag is not asked for */
static void
test_nack_stuck (Fixture *f, gconstpointer data)
{
  asked_seqs = g_array_new (FALSE, FALSE, sizeof (guint32));
  tttd_reorder_set_lost_func (&f->reorder, on_lost);
  /* asked for after lag + TTTD_REORDER_STUCK_US = 70 ms */
  tttd_reorder_set_times (&f->reorder, 300 * MS, 30 * MS, 20 * MS);
  g_assert_cmpint (f->reorder.stuck_us, ==, 70 * MS);
  start_two_links (f);

  /* 10 on B comes 69 ms after 11 on A: held, never asked for */
  g_assert_cmpint (push (f, 11, A, 9), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, f->now + 70 * MS);
  f->now += 69 * MS;
  expire (f);
  EXPECT_NONE (f);
  g_assert_cmpint (push (f, 10, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 10, 11);
  g_assert_cmpuint (asked_seqs->len, ==, 0);

  /* 12 and 14 sit in B's queue while A brings 13, 15, 16 */
  g_assert_cmpint (push (f, 13, A, 11), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 15, A, 13), ==, TTTD_REORDER_HELD);
  f->now += 40 * MS;
  g_assert_cmpint (push (f, 16, A, 15), ==, TTTD_REORDER_HELD);
  f->now += 29 * MS;
  expire (f);
  g_assert_cmpuint (asked_seqs->len, ==, 0);
  f->now += 1 * MS;
  expire (f);
  /* both at once, not one stuck time each as each comes to the front */
  EXPECT_ASKED (12, 14);
  EXPECT_NONE (f);
  g_assert_cmpuint (f->reorder.stats.stuck, ==, 2);
  /* the copies over A fill them; B's own come later, duplicates */
  f->now += 15 * MS;
  g_assert_cmpint (push (f, 12, A, 12), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 12, 13);
  g_assert_cmpint (push (f, 14, A, 14), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 14, 15, 16);
  f->now += 200 * MS;
  g_assert_cmpint (push (f, 12, B, 10), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 14, B, 12), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpuint (f->reorder.stats.recovered, ==, 2);
  expect_lost (f, 0, 0);

  /* 17 in B's queue, and no copy comes: waited for as long as the hold
   * time would have, then given up (lost after asking, no timeout) */
  g_assert_cmpint (push (f, 18, A, 16), ==, TTTD_REORDER_HELD);
  f->now += 70 * MS;
  expire (f);
  EXPECT_ASKED (17);
  f->now += 229 * MS;
  expire (f);
  EXPECT_NONE (f);
  f->now += 1 * MS;
  expire (f);
  EXPECT (f, 18);
  expect_lost (f, 1, 0);
  g_assert_cmpuint (f->reorder.stats.asked, ==, 3);

  /* a gap that comes to the front after another has held what follows
   * it since that came: 21 is asked for 70 ms after 22 came (B's copy
   * of 18, late, shows B active again) */
  g_assert_cmpint (push (f, 18, B, 14), ==, TTTD_REORDER_DUPLICATE);
  g_assert_cmpint (push (f, 20, A, 18), ==, TTTD_REORDER_HELD);
  f->now += 60 * MS;
  g_assert_cmpint (push (f, 22, A, 20), ==, TTTD_REORDER_HELD);
  f->now += 10 * MS;
  expire (f);
  EXPECT_ASKED (19);
  f->now += 10 * MS;
  g_assert_cmpint (push (f, 19, A, 19), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 19, 20);
  g_assert_cmpint (tttd_reorder_deadline (&f->reorder), ==, f->now + 50 * MS);
  f->now += 49 * MS;
  expire (f);
  g_assert_cmpuint (asked_seqs->len, ==, 0);
  f->now += 1 * MS;
  expire (f);
  EXPECT_ASKED (21);
  g_assert_cmpint (push (f, 21, A, 21), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 21, 22);
  g_assert_cmpuint (f->reorder.stats.stuck, ==, 5);

  /* a lag as long as the hold (a deep queue in the slowest link's RTT):
   * asked for when a copy can just come before the hold is up */
  tttd_reorder_set_times (&f->reorder, 300 * MS, 100 * MS, 300 * MS);
  g_assert_cmpint (f->reorder.stuck_us, ==, 200 * MS);
  /* when it could not come in time, it is not asked for */
  tttd_reorder_set_times (&f->reorder, 70 * MS, 30 * MS, 20 * MS);
  g_assert_cmpint (f->reorder.stuck_us, ==, 0);
  g_array_unref (asked_seqs);
}

/* without a wait (retransmit=false), nothing is asked for */
static void
test_nack_off (Fixture *f, gconstpointer data)
{
  asked_seqs = g_array_new (FALSE, FALSE, sizeof (guint32));
  tttd_reorder_set_lost_func (&f->reorder, on_lost);
  tttd_reorder_set_times (&f->reorder, 50 * MS, 0, 20 * MS);
  start_two_links (f);
  g_assert_cmpint (push (f, 12, A, 10), ==, TTTD_REORDER_HELD);
  g_assert_cmpint (push (f, 11, B, 8), ==, TTTD_REORDER_DELIVERED);
  EXPECT (f, 11, 12);
  g_assert_cmpuint (asked_seqs->len, ==, 0);
  g_assert_cmpuint (f->reorder.stats.asked, ==, 0);
  g_array_unref (asked_seqs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/reorder/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("in-order", test_in_order);
  ADD ("out-of-order", test_out_of_order);
  ADD ("duplicates", test_duplicates);
  ADD ("wrap", test_wrap);
  ADD ("timeout", test_timeout);
  ADD ("link-prev-lost", test_link_prev_lost);
  ADD ("links-passed", test_links_passed);
  ADD ("idle-link-lag", test_idle_link_lag);
  ADD ("lull", test_lull);
  ADD ("urgent", test_urgent);
  ADD ("bounded", test_bounded);
  ADD ("random", test_random);
  ADD ("reset", test_reset);
  ADD ("slots-grow", test_slots_grow);
  ADD ("resync-duplicates", test_resync_duplicates);
  ADD ("nack-wait", test_nack_wait);
  ADD ("nack-burst", test_nack_burst);
  ADD ("nack-stuck", test_nack_stuck);
  ADD ("nack-off", test_nack_off);
#undef ADD

  return g_test_run ();
}
