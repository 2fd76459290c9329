/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Tests of the dead-session verdict, over the real health estimator of
 * two links probed as a client probes them. */
#include "config.h"

#include <string.h>

#include "tttd-liveness.h"

#define MS  (G_GINT64_CONSTANT (1000))
#define SEC (G_GINT64_CONSTANT (1000000))

#define N_PATHS   2
#define PROBE_LEN 80
#define STEP      (5 * MS)

typedef struct {
  gint64 at; /* when the reply reaches us */
  TttdProbe reply;
  guint32 timestamp;
} Reply;

typedef struct {
  TttdHealthParams params;
  TttdHealth health[N_PATHS];
  gboolean present[N_PATHS];
  gboolean metered[N_PATHS];
  gboolean answering[N_PATHS];
  guint32 far_tx[N_PATHS];
  guint32 far_rx[N_PATHS];
  GArray *in_flight[N_PATHS];
  gint64 now;
  gint64 heard; /* the last handshake */
  gint64 delay; /* one way */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  f->now = 1000 * SEC;
  f->heard = f->now;
  f->delay = 10 * MS;
  tttd_health_params_default (&f->params, 200);
  for (guint i = 0; i < N_PATHS; i++)
    {
      tttd_health_init (&f->health[i], f->now);
      f->present[i] = TRUE;
      f->answering[i] = TRUE;
      f->in_flight[i] = g_array_new (FALSE, FALSE, sizeof (Reply));
    }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_PATHS; i++)
    g_array_unref (f->in_flight[i]);
}

static TttdLiveness
verdict (Fixture *f)
{
  const TttdHealth *paths[N_PATHS];

  for (guint i = 0; i < N_PATHS; i++)
    paths[i] = f->present[i] ? &f->health[i] : NULL;
  return tttd_liveness_check (paths, N_PATHS, f->heard, TTTD_LIVENESS_TIMEOUT_US, f->now);
}

static void
send_probe (Fixture *f, guint i)
{
  TttdHealth *h = &f->health[i];
  TttdProbe probe = { 0 };
  Reply reply = { 0 };

  tttd_health_probe_sent (h, &probe, (guint32) f->now, 0, f->now);
  tttd_health_count_tx (h, PROBE_LEN);
  if (!f->answering[i])
    return;
  f->far_rx[i]++;
  f->far_tx[i]++;
  reply.at = f->now + 2 * f->delay;
  reply.timestamp = (guint32) (f->now + f->delay);
  reply.reply.echo = (guint32) f->now;
  reply.reply.tx_packets = f->far_tx[i];
  reply.reply.rx_packets = f->far_rx[i];
  reply.reply.rx_bytes = f->far_rx[i] * PROBE_LEN;
  g_array_append_val (f->in_flight[i], reply);
}

/* time passes as in the client's timer: replies come in, each link is
 * ticked and probed when due; returns the first time the verdict was not
 * "alive" (0: it stayed alive) */
static gint64
run (Fixture *f, gint64 duration)
{
  gint64 until = f->now + duration, first_dead = 0;

  for (; f->now < until; f->now += STEP)
    {
      for (guint i = 0; i < N_PATHS; i++)
        {
          TttdHealth *h = &f->health[i];
          if (!f->present[i])
            continue;
          while (f->in_flight[i]->len > 0 && g_array_index (f->in_flight[i], Reply, 0).at <= f->now)
            {
              Reply reply = g_array_index (f->in_flight[i], Reply, 0);
              g_array_remove_index (f->in_flight[i], 0);
              tttd_health_count_rx (h, PROBE_LEN, f->now);
              tttd_health_reply_received (h, &f->params, &reply.reply, reply.timestamp, f->now);
            }
          if (tttd_health_tick (h, &f->params, f->metered[i], f->now))
            send_probe (f, i);
        }
      if (first_dead == 0 && verdict (f) != TTTD_LIVENESS_ALIVE)
        first_dead = f->now;
    }
  return first_dead;
}

/* links that answer: never dead, idle (quiet probes after 30 s) or not */
static void
test_answered (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (run (f, 120 * SEC), ==, 0);
  g_assert_cmpint (f->health[0].state, ==, TTTD_LINK_UP);
}

/* a metered link is probed every 10 s when idle: its normal silence
 * between probes is no dead session */
static void
test_metered (Fixture *f, gconstpointer data)
{
  f->present[1] = FALSE;
  f->metered[0] = TRUE;
  g_assert_cmpint (run (f, 120 * SEC), ==, 0);
}

/* the server is gone (killed, restarted): the session is dead within the
 * timeout of the first probe left unanswered, but not before a probe went
 * out unanswered */
static void
test_server_gone (Fixture *f, gconstpointer data)
{
  gint64 gone, dead;

  g_assert_cmpint (run (f, 40 * SEC), ==, 0);
  gone = f->now;
  f->answering[0] = f->answering[1] = FALSE;
  dead = run (f, 20 * SEC);
  g_assert_cmpint (dead, !=, 0);
  g_test_message ("dead %" G_GINT64_FORMAT " ms after the server went (%s)", (dead - gone) / MS,
                  tttd_liveness_to_string (verdict (f)));
  /* idle: quiet probes, 1 s apart; a link goes down after three */
  g_assert_cmpint (dead - gone, >, 1 * SEC);
  g_assert_cmpint (dead - gone, <=, 1 * SEC + TTTD_LIVENESS_TIMEOUT_US + STEP);
  g_assert_cmpint (verdict (f), !=, TTTD_LIVENESS_ALIVE);
}

/* one link dead, the other answering: the session lives */
static void
test_one_link_gone (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (run (f, 5 * SEC), ==, 0);
  f->answering[1] = FALSE;
  g_assert_cmpint (run (f, 60 * SEC), ==, 0);
  g_assert_cmpint (f->health[1].state, ==, TTTD_LINK_DOWN);
  g_assert_cmpint (f->health[0].state, ==, TTTD_LINK_UP);
}

/* a handshake that completes is a sign of life: no handshake right after
 * it while the links are still down, but again after the timeout if they
 * stay silent; and once they answer, the session lives */
static void
test_handshake_resets (Fixture *f, gconstpointer data)
{
  gint64 dead;

  g_assert_cmpint (run (f, 5 * SEC), ==, 0);
  f->answering[0] = f->answering[1] = FALSE;
  g_assert_cmpint (run (f, 10 * SEC), !=, 0);
  f->heard = f->now;
  g_assert_cmpint (verdict (f), ==, TTTD_LIVENESS_ALIVE);
  dead = run (f, 10 * SEC);
  g_assert_cmpint (dead - f->heard, >=, TTTD_LIVENESS_TIMEOUT_US);
  g_assert_cmpint (dead - f->heard, <=, TTTD_LIVENESS_TIMEOUT_US + 2 * SEC);
  g_assert_cmpint (verdict (f), ==, TTTD_LIVENESS_SILENT);
  /* the server is back: the next handshake and replies bring it back */
  f->answering[0] = f->answering[1] = TRUE;
  f->heard = f->now;
  g_assert_cmpint (run (f, 30 * SEC), ==, 0);
}

/* every link went (interfaces gone), then one returns to a server that
 * forgot us: dead as soon as it is found dead */
static void
test_links_return (Fixture *f, gconstpointer data)
{
  gint64 back, dead;

  g_assert_cmpint (run (f, 5 * SEC), ==, 0);
  f->present[0] = f->present[1] = FALSE;
  g_assert_cmpint (verdict (f), ==, TTTD_LIVENESS_ALIVE);
  g_assert_cmpint (run (f, 60 * SEC), ==, 0);
  back = f->now;
  f->present[0] = TRUE;
  f->answering[0] = FALSE;
  tttd_health_init (&f->health[0], f->now);
  dead = run (f, 10 * SEC);
  g_assert_cmpint (dead, !=, 0);
  g_assert_cmpint (dead - back, <=, TTTD_LIVENESS_TIMEOUT_US);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/tttd/liveness/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("answered", test_answered);
  ADD ("metered", test_metered);
  ADD ("server-gone", test_server_gone);
  ADD ("one-link-gone", test_one_link_gone);
  ADD ("handshake-resets", test_handshake_resets);
  ADD ("links-return", test_links_return);
  return g_test_run ();
}
