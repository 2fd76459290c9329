/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The handshake retry backoff: its first wait, its growth, its ceiling and the bounds of its jitter. */
#include "config.h"

#include "tttd-backoff.h"

#define SEC G_USEC_PER_SEC

static void
test_growth (void)
{
  /* before the first answer-less initiation and after it: 1 s */
  g_assert_cmpint (tttd_backoff_retry_after (0, 0), ==, 1 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (1, 0), ==, 1 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (2, 0), ==, 2 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (3, 0), ==, 4 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (4, 0), ==, 8 * SEC);
  /* each wait is at least the one before */
  for (guint n = 1; n < 100; n++)
    g_assert_cmpint (tttd_backoff_retry_after (n, 0), >=, tttd_backoff_retry_after (n - 1, 0));
}

static void
test_ceiling (void)
{
  /* a client that never hears back retries every 8 s, however long it tries */
  g_assert_cmpint (tttd_backoff_retry_after (5, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (64, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (G_MAXUINT, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (G_MAXUINT, G_MAXUINT32), <, TTTD_BACKOFF_MAX_US + TTTD_BACKOFF_JITTER_US);
}

static void
test_jitter (void)
{
  const guint32 draws[] = { 0, 1, TTTD_BACKOFF_JITTER_US - 1, TTTD_BACKOFF_JITTER_US,
                            TTTD_BACKOFF_JITTER_US + 7, 123456789, G_MAXUINT32 };

  for (guint attempts = 0; attempts < 8; attempts++)
    {
      gint64 base = tttd_backoff_retry_after (attempts, 0);

      for (guint i = 0; i < G_N_ELEMENTS (draws); i++)
        {
          gint64 wait = tttd_backoff_retry_after (attempts, draws[i]);
          g_assert_cmpint (wait, >=, base);
          g_assert_cmpint (wait, <, base + TTTD_BACKOFF_JITTER_US);
          g_assert_cmpint (wait - base, ==, draws[i] % TTTD_BACKOFF_JITTER_US);
        }
    }
  /* the jitter spreads clients: two different draws give two different waits */
  g_assert_cmpint (tttd_backoff_retry_after (1, 1000), !=, tttd_backoff_retry_after (1, 2000));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/backoff/growth", test_growth);
  g_test_add_func ("/tttd/backoff/ceiling", test_ceiling);
  g_test_add_func ("/tttd/backoff/jitter", test_jitter);
  return g_test_run ();
}
