/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The handshake retry backoff: its first wait, its growth, its ceiling and the bounds of its jitter. */
#include "config.h"

#include "tttd-backoff.h"

#define SEC G_USEC_PER_SEC

static void
test_growth (void)
{
  /* four quick tries (a server that just restarted answers one of them) */
  for (guint n = 0; n < 4; n++)
    g_assert_cmpint (tttd_backoff_retry_after (n, 0), ==, SEC / 2);
  /* then 1 s, doubling */
  g_assert_cmpint (tttd_backoff_retry_after (4, 0), ==, 1 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (5, 0), ==, 2 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (6, 0), ==, 4 * SEC);
  g_assert_cmpint (tttd_backoff_retry_after (7, 0), ==, 8 * SEC);
  /* each wait is at least the one before */
  for (guint n = 1; n < 100; n++)
    g_assert_cmpint (tttd_backoff_retry_after (n, 0), >=, tttd_backoff_retry_after (n - 1, 0));
}

static void
test_ceiling (void)
{
  /* a client that never hears back retries every 8 s, however long it tries */
  g_assert_cmpint (tttd_backoff_retry_after (8, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (64, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (G_MAXUINT, 0), ==, TTTD_BACKOFF_MAX_US);
  g_assert_cmpint (tttd_backoff_retry_after (G_MAXUINT, G_MAXUINT32), <, TTTD_BACKOFF_MAX_US * 5 / 4);
}

static void
test_jitter (void)
{
  const guint32 draws[] = { 0, 1, 124999, 125000, 250007, 123456789, G_MAXUINT32 };

  for (guint attempts = 0; attempts < 10; attempts++)
    {
      gint64 base = tttd_backoff_retry_after (attempts, 0);

      for (guint i = 0; i < G_N_ELEMENTS (draws); i++)
        {
          gint64 wait = tttd_backoff_retry_after (attempts, draws[i]);
          g_assert_cmpint (wait, >=, base);
          g_assert_cmpint (wait, <, base + base / 4);
          g_assert_cmpint (wait - base, ==, draws[i] % (guint32) (base / 4));
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
