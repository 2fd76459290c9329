/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-nack.h"

/* fast retransmission's pure parts: the NACK body on the wire, the
 * sender's budget against amplification, and the times from the RTTs */

#define MS (G_GINT64_CONSTANT (1000))

static void
test_round_trip (void)
{
  TttdNack nack, out;
  guint8 buf[TTTD_NACK_HEADER_LEN + TTTD_NACK_MAX_RANGES * TTTD_NACK_RANGE_LEN + 8];
  const guint8 expected[] = {
    0x03, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* 10, 11, 12 */
    0x14, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,                         /* 20 */
    0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00,                         /* 2^32 - 1 and 0: a range wraps */
  };
  gsize len;

  tttd_nack_clear (&nack);
  g_assert_true (tttd_nack_add (&nack, 10));
  g_assert_true (tttd_nack_add (&nack, 11));
  g_assert_true (tttd_nack_add (&nack, 12));
  g_assert_true (tttd_nack_add (&nack, 11)); /* asked for already: no new range */
  g_assert_true (tttd_nack_add (&nack, 20));
  g_assert_true (tttd_nack_add (&nack, G_MAXUINT32));
  g_assert_true (tttd_nack_add (&nack, 0));
  g_assert_cmpuint (nack.n_ranges, ==, 3);
  g_assert_cmpuint (tttd_nack_count (&nack), ==, 6);
  len = tttd_nack_write (buf, &nack);
  g_assert_cmpmem (buf, len, expected, sizeof expected);
  g_assert_cmpint (tttd_nack_parse (buf, len, &out), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (out.n_ranges, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (out.ranges[i].first, ==, nack.ranges[i].first);
      g_assert_cmpuint (out.ranges[i].count, ==, nack.ranges[i].count);
    }

  /* 32 ranges at most: the 33rd does not fit, a follower still does */
  tttd_nack_clear (&nack);
  for (guint i = 0; i < TTTD_NACK_MAX_RANGES; i++)
    g_assert_true (tttd_nack_add (&nack, i * 10));
  g_assert_false (tttd_nack_add (&nack, 1000));
  g_assert_true (tttd_nack_add (&nack, 311));
  len = tttd_nack_write (buf, &nack);
  g_assert_cmpuint (len, ==, TTTD_NACK_HEADER_LEN + TTTD_NACK_MAX_RANGES * TTTD_NACK_RANGE_LEN);
  g_assert_cmpint (tttd_nack_parse (buf, len, &out), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (tttd_nack_count (&out), ==, TTTD_NACK_MAX_RANGES + 1);

  /* a range stops growing at the reorder window */
  tttd_nack_clear (&nack);
  for (guint i = 0; i <= TTTD_NACK_MAX_COUNT; i++)
    g_assert_true (tttd_nack_add (&nack, 5000 + i));
  g_assert_cmpuint (nack.n_ranges, ==, 2);
  g_assert_cmpuint (nack.ranges[0].count, ==, TTTD_NACK_MAX_COUNT);
}

static void
test_parse_bad (void)
{
  TttdNack nack, out;
  guint8 buf[TTTD_NACK_HEADER_LEN + 2 * TTTD_NACK_RANGE_LEN];
  guint8 bad[sizeof buf];
  gsize len;

  tttd_nack_clear (&nack);
  tttd_nack_add (&nack, 1);
  tttd_nack_add (&nack, 7);
  len = tttd_nack_write (buf, &nack);
  g_assert_cmpuint (len, ==, sizeof buf);
  /* every truncation */
  for (gsize l = 0; l < len; l++)
    g_assert_cmpint (tttd_nack_parse (buf, l, &out), !=, TTTD_PARSE_OK);
  /* a count that does not match the length, 0 ranges */
  memcpy (bad, buf, len);
  bad[0] = 1;
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_LENGTH);
  bad[0] = 0;
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_LENGTH);
  bad[0] = 33;
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_LENGTH);
  /* every reserved byte */
  for (guint i = 1; i < 4; i++)
    {
      memcpy (bad, buf, len);
      bad[i] = 1;
      g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_RESERVED);
    }
  memcpy (bad, buf, len);
  bad[TTTD_NACK_HEADER_LEN + 7] = 0x80;
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_RESERVED);
  /* a range of 0 or of more than the reorder window */
  memcpy (bad, buf, len);
  tttd_put_le16 (bad + TTTD_NACK_HEADER_LEN + 4, 0);
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_LENGTH);
  tttd_put_le16 (bad + TTTD_NACK_HEADER_LEN + 4, TTTD_NACK_MAX_COUNT + 1);
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_LENGTH);
  tttd_put_le16 (bad + TTTD_NACK_HEADER_LEN + 4, TTTD_NACK_MAX_COUNT);
  g_assert_cmpint (tttd_nack_parse (bad, len, &out), ==, TTTD_PARSE_OK);
}

/* however much a peer asks for, retransmissions stay within the share of
 * what was sent, plus the burst */
static void
test_budget_bound (void)
{
  GRand *rand = g_rand_new_with_seed (15);

  for (guint round = 0; round < 50; round++)
    {
      TttdRetransmitBudget budget;
      guint64 sent = 0, taken = 0, asked = 0;
      guint ask_per_sent = g_rand_int_range (rand, 0, 5);

      tttd_retransmit_budget_init (&budget);
      for (guint i = 0; i < 20000; i++)
        {
          if (g_rand_boolean (rand))
            {
              tttd_retransmit_budget_sent (&budget);
              sent++;
            }
          for (guint a = 0; a < ask_per_sent; a++)
            {
              asked++;
              if (tttd_retransmit_budget_take (&budget))
                taken++;
            }
          /* at every moment, not only at the end */
          g_assert_cmpuint (taken * 100, <=, sent * TTTD_RETRANSMIT_SHARE_PCT + TTTD_RETRANSMIT_BURST * 100);
        }
      /* and the budget is there when asked for: a lossy link gets it */
      if (ask_per_sent >= 2)
        g_assert_cmpuint (taken * 100, >=, sent * TTTD_RETRANSMIT_SHARE_PCT - 100);
      else if (ask_per_sent == 0)
        g_assert_cmpuint (taken, ==, 0);
    }
  g_rand_free (rand);

  /* a burst is bounded too: nothing sent, only the initial credit */
  {
    TttdRetransmitBudget budget;
    guint taken = 0;

    tttd_retransmit_budget_init (&budget);
    while (tttd_retransmit_budget_take (&budget))
      taken++;
    g_assert_cmpuint (taken, >, 0);
    g_assert_cmpuint (taken, <=, TTTD_RETRANSMIT_BURST);
    /* and credit saved up over a long clean stretch stops at the burst */
    for (guint i = 0; i < 100000; i++)
      tttd_retransmit_budget_sent (&budget);
    taken = 0;
    while (tttd_retransmit_budget_take (&budget))
      taken++;
    g_assert_cmpuint (taken, ==, TTTD_RETRANSMIT_BURST);
  }
}

static void
test_times (void)
{
  TttdRecoveryTimes t;
  const guint64 bench[] = { 10 * MS, 40 * MS };
  const guint64 one_fast[] = { 1 * MS };
  const guint64 far_apart[] = { 1 * MS, 1000 * MS };
  const guint64 unknown[] = { 0, 0 };
  const guint64 with_unknown[] = { 0, 20 * MS };

  /* the bench's links: the NACK round trip on the fast one plus margin;
   * the hold time the RTT difference, that and a margin */
  tttd_recovery_times (bench, 2, TRUE, &t);
  g_assert_cmpint (t.nack_wait_us, ==, 10 * MS + 10 * MS);
  g_assert_cmpint (t.hold_us, ==, 30 * MS + TTTD_PACE_MAX_US + 20 * MS + 10 * MS);
  g_assert_cmpint (t.nack_wait_us, <=, t.hold_us);
  g_assert_cmpint (t.max_age_us, ==, 40 * MS + t.hold_us);
  /* a link after a pause may deliver up to the RTT difference late */
  g_assert_cmpint (t.lag_us, ==, 30 * MS + 10 * MS);
  /* without retransmission: nothing is waited for, the old hold time */
  tttd_recovery_times (bench, 2, FALSE, &t);
  g_assert_cmpint (t.nack_wait_us, ==, 0);
  g_assert_cmpint (t.hold_us, ==, TTTD_HOLD_DEFAULT_US);
  /* the bounds */
  tttd_recovery_times (one_fast, 1, TRUE, &t);
  g_assert_cmpint (t.hold_us, ==, TTTD_PACE_MAX_US + 11 * MS + 10 * MS);
  g_assert_cmpint (t.nack_wait_us, ==, 11 * MS);
  tttd_recovery_times (far_apart, 2, TRUE, &t);
  g_assert_cmpint (t.hold_us, ==, TTTD_HOLD_MAX_US);
  g_assert_cmpint (t.nack_wait_us, ==, 11 * MS);
  g_assert_cmpint (t.nack_wait_us, <=, t.hold_us);
  g_assert_cmpint (t.max_age_us, <=, 2 * TTTD_HOLD_MAX_US);
  g_assert_cmpint (t.lag_us, ==, t.hold_us);
  /* no RTT known: nothing asked for */
  tttd_recovery_times (unknown, 2, TRUE, &t);
  g_assert_cmpint (t.nack_wait_us, ==, 0);
  g_assert_cmpint (t.hold_us, ==, TTTD_HOLD_DEFAULT_US);
  tttd_recovery_times (NULL, 0, TRUE, &t);
  g_assert_cmpint (t.nack_wait_us, ==, 0);
  /* an unknown RTT is skipped */
  tttd_recovery_times (with_unknown, 2, TRUE, &t);
  g_assert_cmpint (t.nack_wait_us, ==, 30 * MS);

  /* the sender's deadline: nothing older than max_age, nothing from the future */
  tttd_recovery_times (bench, 2, TRUE, &t);
  g_assert_true (tttd_retransmit_in_time (&t, 1000 * MS, 1000 * MS));
  g_assert_true (tttd_retransmit_in_time (&t, 1000 * MS, 1000 * MS + t.max_age_us));
  g_assert_false (tttd_retransmit_in_time (&t, 1000 * MS, 1000 * MS + t.max_age_us + 1));
  g_assert_false (tttd_retransmit_in_time (&t, 1000 * MS, 999 * MS));
}

/* a fast link's pacer holds its target; a slow one's one TUN read's burst
 * (64 KiB: 52 ms at 10 Mbit/s, 105 ms at 5), up to the most no RTT shows */
static void
test_pace_limit (void)
{
  g_assert_cmpint (tttd_pace_limit_us (40000000 / 8, 50 * MS), ==, 50 * MS);
  g_assert_cmpint (tttd_pace_limit_us (10000000 / 8, 50 * MS), ==, 52428);
  g_assert_cmpint (tttd_pace_limit_us (5000000 / 8, 50 * MS), ==, 104857);
  g_assert_cmpint (tttd_pace_limit_us (1000000 / 8, 50 * MS), ==, TTTD_PACE_MAX_US);
  g_assert_cmpint (tttd_pace_limit_us (1, 50 * MS), ==, TTTD_PACE_MAX_US);
  g_assert_cmpint (tttd_pace_limit_us (G_MAXUINT64, 50 * MS), ==, 50 * MS);
  /* a receiver's hold time can cover the longest wait */
  g_assert_cmpint (TTTD_PACE_MAX_US, <, TTTD_HOLD_MAX_US);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/nack/round-trip", test_round_trip);
  g_test_add_func ("/tttd/nack/parse-bad", test_parse_bad);
  g_test_add_func ("/tttd/nack/budget-bound", test_budget_bound);
  g_test_add_func ("/tttd/nack/times", test_times);
  g_test_add_func ("/tttd/nack/pace-limit", test_pace_limit);
  return g_test_run ();
}
