/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Tests of the server endpoint rotation: when a client moves, where to, and how soon under the retry backoff. */
#include "config.h"

#include <string.h>

#include "tttd-backoff.h"
#include "tttd-failover.h"

typedef struct {
  TttdSockaddr endpoints[4];
  guint n;
  TttdFailover failover;
} Fixture;

static void
add_endpoint (Fixture *f, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (f->n, <, G_N_ELEMENTS (f->endpoints));
  g_assert_true (tttd_sockaddr_parse (text, 5800, &f->endpoints[f->n++], &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  add_endpoint (f, "198.18.0.1:5800");
  add_endpoint (f, "198.18.1.1:5800");
  add_endpoint (f, "198.18.2.1:5800");
  tttd_failover_init (&f->failover, f->n);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
}

/* initiations to a dead endpoint: TTTD_FAILOVER_TRIES there, then the
 * next one, around and back to the first */
static void
test_rotation (Fixture *f, gconstpointer data)
{
  for (guint round = 0; round < 2; round++)
    for (guint e = 0; e < f->n; e++)
      for (guint t = 0; t < TTTD_FAILOVER_TRIES; t++)
        {
          gboolean first_ever = round == 0 && e == 0;
          gboolean moved = tttd_failover_initiation (&f->failover, TRUE);
          /* the first try at each endpoint is the move to it */
          g_assert_cmpint (moved, ==, t == 0 && !first_ever);
          g_assert_cmpuint (f->failover.current, ==, e);
        }
  /* from the last, around to the first */
  g_assert_cmpuint (f->failover.current, ==, f->n - 1);
  g_assert_true (tttd_failover_initiation (&f->failover, TRUE));
  g_assert_cmpuint (f->failover.current, ==, 0);
}

/* an answer keeps us where we are: the count starts over */
static void
test_answer_stays (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < 20; i++)
    {
      for (guint t = 0; t < TTTD_FAILOVER_TRIES; t++)
        g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
      tttd_failover_answered (&f->failover);
    }
  g_assert_cmpuint (f->failover.current, ==, 0);
  /* moved once, an answer there keeps us there */
  for (guint t = 0; t < TTTD_FAILOVER_TRIES; t++)
    g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
  g_assert_true (tttd_failover_initiation (&f->failover, TRUE));
  tttd_failover_answered (&f->failover);
  for (guint t = 0; t < TTTD_FAILOVER_TRIES; t++)
    g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
  g_assert_cmpuint (f->failover.current, ==, 1);
}

/* rekeys of a live session count nothing: a rekey initiation lost now and
 * then never moves a client whose session works */
static void
test_rekey_counts_nothing (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < 100; i++)
    g_assert_false (tttd_failover_initiation (&f->failover, FALSE));
  g_assert_cmpuint (f->failover.current, ==, 0);
  /* and one unanswered while stuck, then a live session's rekey: the
   * count starts over */
  for (guint i = 0; i < 10; i++)
    {
      for (guint t = 0; t + 1 < TTTD_FAILOVER_TRIES; t++)
        g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
      g_assert_false (tttd_failover_initiation (&f->failover, FALSE));
    }
  g_assert_cmpuint (f->failover.current, ==, 0);
}

/* one endpoint: nowhere to go, however long it stays away */
static void
test_single (Fixture *f, gconstpointer data)
{
  tttd_failover_init (&f->failover, 1);
  for (guint i = 0; i < 1000; i++)
    g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
  g_assert_cmpuint (f->failover.current, ==, 0);
  tttd_failover_init (&f->failover, 0);
  g_assert_false (tttd_failover_initiation (&f->failover, TRUE));
}

/* a link takes the first endpoint of its family from the current one on */
static void
test_pick (Fixture *f, gconstpointer data)
{
  Fixture mixed = { 0 };

  /* all IPv4: the current one */
  for (guint c = 0; c < f->n; c++)
    g_assert_cmpint (tttd_failover_pick (f->endpoints, f->n, c, AF_INET), ==, (gint) c);
  g_assert_cmpint (tttd_failover_pick (f->endpoints, f->n, 0, AF_INET6), ==, -1);
  g_assert_cmpint (tttd_failover_pick (f->endpoints, 0, 0, AF_INET), ==, -1);

  add_endpoint (&mixed, "[2001:2::1]:5800");
  add_endpoint (&mixed, "198.18.0.1:5800");
  add_endpoint (&mixed, "[2001:2::2]:5800");
  add_endpoint (&mixed, "198.18.1.1:5800");
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 0, AF_INET), ==, 1);
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 0, AF_INET6), ==, 0);
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 1, AF_INET6), ==, 2);
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 2, AF_INET), ==, 3);
  /* wrapping around */
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 3, AF_INET6), ==, 0);
  g_assert_cmpint (tttd_failover_pick (mixed.endpoints, mixed.n, 3, AF_INET), ==, 3);
}

/* under the client's retry backoff (the first initiation at the verdict,
 * then as tttd_backoff_retry_after says), the move to the next server
 * comes within 1.5 s of the verdict, whatever the jitter: the share of the
 * 5 s goal the rotation may take (finding the session dead takes the rest) */
static void
test_timing (Fixture *f, gconstpointer data)
{
  const guint32 jitters[] = { 0, 1, 0x7fffffff, G_MAXUINT32, 124999, 125000 };

  for (guint j = 0; j < G_N_ELEMENTS (jitters); j++)
    {
      gint64 at = 0;
      guint attempts = 0;

      tttd_failover_init (&f->failover, f->n);
      while (!tttd_failover_initiation (&f->failover, TRUE))
        {
          attempts++;
          at += tttd_backoff_retry_after (attempts, jitters[j]);
          g_assert_cmpint (at, <, 60 * G_USEC_PER_SEC);
        }
      g_assert_cmpuint (f->failover.current, ==, 1);
      g_assert_cmpuint (attempts, ==, TTTD_FAILOVER_TRIES);
      g_assert_cmpint (at, <=, 3 * G_USEC_PER_SEC / 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/tttd/failover/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("rotation", test_rotation);
  ADD ("answer-stays", test_answer_stays);
  ADD ("rekey-counts-nothing", test_rekey_counts_nothing);
  ADD ("single", test_single);
  ADD ("pick", test_pick);
  ADD ("timing", test_timing);
  return g_test_run ();
}
