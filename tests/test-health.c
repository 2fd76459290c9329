/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-health.h"

/* one link's health, driven by a simulated far end in synthetic time: we
 * send data and probes as the engine does, the far end counts what reaches
 * it and answers, the path delays, loses and queues */

#define MS  (G_GINT64_CONSTANT (1000))
#define SEC (G_GINT64_CONSTANT (1000000))

#define QUEUE_LOW 1000 /* the queue under which the pacer pushes a little */
#define DATA_LEN  1250
#define PROBE_LEN 80

typedef struct {
  gint64 at;         /* when it reaches us */
  guint32 timestamp; /* the far end's clock when it replied */
  TttdProbe reply;
} Reply;

typedef struct {
  TttdHealth health;
  TttdHealthParams params;
  gint64 now;

  /* the path: a delay each way, loss and a bottleneck on the way out */
  gint64 delay;
  guint drop_every;       /* every nth data packet is lost; 0: none */
  guint64 bottleneck_Bps; /* 0: none */
  gint64 queue_until;     /* when the bottleneck has sent what it holds */
  gint64 queue_limit;     /* a drop-tail buffer: data that would wait longer is lost; 0: none */
  gboolean answering;     /* the far end answers probes */
  gint64 back_queue;      /* a queue on the way back, not ours */

  /* the far end */
  guint32 far_rx_packets;
  guint32 far_rx_bytes;
  guint32 far_tx_packets;
  guint32 far_clock; /* its clock: ours plus this, wrapping */

  guint64 data_sent;
  guint64 credit;    /* bytes we may send now */
  GArray *in_flight; /* Reply, by arrival */
  guint probes;
  guint replies;
  gint64 last_reply_at;
  gint64 dead_after;     /* tttd_health_dead_after after the last reply */
  gint64 last_high_loss; /* the last reply that left the loss above recovered_loss */
  gint64 changed_at;     /* the last change of state */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  f->now = 1000 * SEC;
  /* the default probe interval */
  tttd_health_params_default (&f->params, 200);
  tttd_health_init (&f->health, f->now);
  f->delay = 10 * MS;
  f->answering = TRUE;
  f->far_clock = 0xfff00000u;
  f->in_flight = g_array_new (FALSE, FALSE, sizeof (Reply));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_array_unref (f->in_flight);
}

static void
assert_near (double value, double expected)
{
  g_assert_cmpfloat (value, >=, expected * 0.8);
  g_assert_cmpfloat (value, <=, expected * 1.2);
}

/* what the far end sees of a packet of ours: the time it arrives there */
static gint64
cross (Fixture *f, guint len)
{
  if (f->bottleneck_Bps == 0)
    return f->now + f->delay;
  f->queue_until = MAX (f->queue_until, f->now) + (gint64) len * SEC / (gint64) f->bottleneck_Bps;
  return f->queue_until + f->delay;
}

static void
send_data (Fixture *f)
{
  tttd_health_count_tx (&f->health, DATA_LEN);
  tttd_health_note_data (&f->health, f->now);
  if (f->drop_every != 0 && ++f->data_sent % f->drop_every == 0)
    return;
  if (f->queue_limit != 0 && f->bottleneck_Bps != 0 && f->queue_until - f->now > f->queue_limit)
    return;
  /* links keep order: it reaches the far end before any later probe */
  cross (f, DATA_LEN);
  f->far_rx_packets++;
  f->far_rx_bytes += DATA_LEN;
}

static void
send_probe (Fixture *f)
{
  TttdProbe probe = { 0 };
  Reply reply = { 0 };
  gint64 there;

  /* it tells the far end when the next one comes, as tttd's do */
  tttd_health_probe_sent (&f->health, &probe, (guint32) f->now,
                          tttd_health_interval_ms (&f->health, &f->params, FALSE, f->now), f->now);
  tttd_health_count_tx (&f->health, PROBE_LEN);
  f->probes++;
  if (!f->answering)
    return;
  there = cross (f, PROBE_LEN);
  f->far_rx_packets++;
  f->far_rx_bytes += PROBE_LEN;
  f->far_tx_packets++;
  /* replies keep their order on the way back */
  reply.at = MAX (there + f->delay + f->back_queue,
                  f->in_flight->len > 0 ? g_array_index (f->in_flight, Reply, f->in_flight->len - 1).at : 0);
  reply.timestamp = (guint32) there + f->far_clock;
  reply.reply.echo = (guint32) f->now;
  reply.reply.tx_packets = f->far_tx_packets;
  reply.reply.rx_packets = f->far_rx_packets;
  reply.reply.rx_bytes = f->far_rx_bytes;
  /* the far end sees the bottleneck's queue in the probe's one-way delay */
  reply.reply.rx_queue_us = (guint32) (there - f->now - f->delay);
  g_array_append_val (f->in_flight, reply);
}

static void
receive_replies (Fixture *f, gint64 until)
{
  while (f->in_flight->len > 0 && g_array_index (f->in_flight, Reply, 0).at <= until)
    {
      Reply reply = g_array_index (f->in_flight, Reply, 0);
      TttdLinkState before = f->health.state;

      g_array_remove_index (f->in_flight, 0);
      f->now = MAX (f->now, reply.at);
      tttd_health_count_rx (&f->health, PROBE_LEN, f->now);
      tttd_health_reply_received (&f->health, &f->params, &reply.reply, reply.timestamp, f->now);
      f->replies++;
      f->last_reply_at = f->now;
      f->dead_after = tttd_health_dead_after (&f->health, &f->params, FALSE, f->now);
      if (tttd_health_loss (&f->health) > f->params.recovered_loss)
        f->last_high_loss = f->now;
      if (f->health.state != before)
        {
          f->changed_at = f->now;
          /* up -> degraded only above degraded_loss, and the way back
           * only after recover_us below recovered_loss */
          if (before == TTTD_LINK_UP && f->health.state == TTTD_LINK_DEGRADED)
            g_assert_cmpfloat (tttd_health_loss (&f->health), >, f->params.degraded_loss);
          if (before == TTTD_LINK_DEGRADED && f->health.state == TTTD_LINK_UP)
            g_assert_cmpint (f->now - f->last_high_loss, >=, f->params.recover_us);
        }
    }
}

/* time passes in steps of a millisecond: replies come in, data goes out
 * at rate_Bps, probes when the estimator says so */
static void
run (Fixture *f, gint64 duration, guint64 rate_Bps)
{
  gint64 until = f->now + duration;

  while (f->now < until)
    {
      gint64 next = f->now + MS;
      TttdLinkState before;

      receive_replies (f, next);
      f->now = next;
      f->credit += rate_Bps / 1000;
      while (f->credit >= DATA_LEN)
        {
          send_data (f);
          f->credit -= DATA_LEN;
        }
      before = f->health.state;
      if (tttd_health_tick (&f->health, &f->params, FALSE, f->now))
        send_probe (f);
      if (f->health.state != before)
        f->changed_at = f->now;
    }
}

/* run until the state changes, at most for duration: when it did, or 0 */
static gint64
run_until_change (Fixture *f, gint64 duration, guint64 rate_Bps)
{
  TttdLinkState state = f->health.state;
  gint64 until = f->now + duration;

  while (f->now < until && f->health.state == state)
    run (f, MS, rate_Bps);
  return f->health.state != state ? f->changed_at : 0;
}

/* the probe intervals follow from the one configured, and a slow one is
 * never made faster */
static void
test_params (Fixture *f, gconstpointer data)
{
  TttdHealthParams p;

  g_assert_cmpuint (f->params.idle_interval_ms, ==, 200);
  g_assert_cmpuint (f->params.active_interval_ms, ==, 50);
  g_assert_cmpuint (f->params.quiet_interval_ms, ==, 1000);
  g_assert_cmpuint (f->params.dormant_interval_ms, ==, 5000);
  g_assert_cmpuint (f->params.metered_interval_ms, ==, 10000);
  g_assert_cmpfloat (f->params.recovered_loss, <, f->params.degraded_loss);
  tttd_health_params_default (&p, 5000);
  g_assert_cmpuint (p.quiet_interval_ms, ==, 5000);
  g_assert_cmpuint (p.dormant_interval_ms, ==, 5000);
  g_assert_cmpuint (p.active_interval_ms, ==, 50);
  tttd_health_params_default (&p, 20);
  g_assert_cmpuint (p.active_interval_ms, ==, 20);
}

/* a new link is probed at once and is up at its first answer */
static void
test_comes_up (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_PROBING);
  g_assert_cmpint (tttd_health_next_probe (&f->health, &f->params, FALSE, f->now), ==, f->now);
  g_assert_true (tttd_health_tick (&f->health, &f->params, FALSE, f->now));
  /* the first step sends it; no answer within the RTT: still probing */
  run (f, 2 * f->delay, 0);
  g_assert_cmpuint (f->probes, ==, 1);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_PROBING);
  run (f, MS, 0);
  g_assert_cmpuint (f->replies, ==, 1);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  g_assert_cmpfloat (tttd_health_loss (&f->health), ==, 0.0);
  /* and stays up while it answers */
  run (f, 10 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  g_assert_cmpfloat (tttd_health_loss (&f->health), ==, 0.0);
}

/* one probe answered after rtt, by hand, to time it exactly */
static void
exchange (Fixture *f, gint64 rtt)
{
  TttdProbe probe = { 0 }, reply = { 0 };

  tttd_health_probe_sent (&f->health, &probe, (guint32) f->now, 0, f->now);
  reply.echo = (guint32) f->now;
  f->now += rtt;
  tttd_health_reply_received (&f->health, &f->params, &reply, 0, f->now);
}

/* RTT samples: the smoothed RTT follows, the least is the floor */
static void
test_rtt (Fixture *f, gconstpointer data)
{
  TttdProbe probe = { 0 }, reply = { 0 };

  exchange (f, 20 * MS);
  g_assert_cmpuint (f->health.last_rtt_us, ==, 20 * MS);
  g_assert_cmpuint (f->health.srtt_us, ==, 20 * MS);
  g_assert_cmpuint (f->health.min_rtt_us, ==, 20 * MS);

  /* a second copy of the reply, or one to no probe of ours, is no sample */
  reply.echo = (guint32) (f->now - 20 * MS);
  f->now += 30 * MS;
  tttd_health_reply_received (&f->health, &f->params, &reply, 0, f->now);
  reply.echo++;
  tttd_health_reply_received (&f->health, &f->params, &reply, 0, f->now);
  g_assert_cmpuint (f->health.last_rtt_us, ==, 20 * MS);
  g_assert_cmpuint (f->health.srtt_us, ==, 20 * MS);

  /* the path gets slower: the average moves towards it, the floor stays */
  for (guint i = 0; i < 40; i++)
    {
      exchange (f, 40 * MS);
      g_assert_cmpuint (f->health.last_rtt_us, ==, 40 * MS);
      g_assert_cmpuint (f->health.srtt_us, >, 20 * MS);
      g_assert_cmpuint (f->health.srtt_us, <=, i == 0 ? 30 * MS : 40 * MS);
      g_assert_cmpuint (f->health.min_rtt_us, ==, 20 * MS);
    }
  g_assert_cmpuint (f->health.srtt_us, >=, 39 * MS);
  /* our probes tell the far end the latest sample */
  tttd_health_probe_sent (&f->health, &probe, (guint32) f->now, 0, f->now);
  g_assert_cmpuint (probe.echo, ==, 40 * MS);

  /* a faster sample is the new floor at once */
  exchange (f, 10 * MS);
  g_assert_cmpuint (f->health.min_rtt_us, ==, 10 * MS);

  /* a route that grew longer is no standing queue for ever: the floor
   * is of recent samples; one second is recent, twenty are not */
  for (guint i = 0; i < 100; i++)
    {
      exchange (f, 200 * MS);
      if (i < 5)
        g_assert_cmpuint (f->health.min_rtt_us, ==, 10 * MS);
    }
  g_assert_cmpuint (f->health.min_rtt_us, ==, 200 * MS);
}

/* a long path: more probes in flight than at a short one, all answered,
 * each reply an RTT sample */
static void
test_long_rtt (Fixture *f, gconstpointer data)
{
  const struct {
    gint64 rtt;
    guint64 rate_Bps; /* with data: probes every 50 ms */
  } cases[] = {
    { 150 * MS, 200000 },
    { 300 * MS, 200000 }, /* a satellite, or a modem's queue under load */
    { 600 * MS, 0 },
    { 1200 * MS, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      fixture_teardown (f, NULL);
      fixture_setup (f, NULL);
      f->delay = cases[i].rtt / 2;
      run (f, 10 * SEC, cases[i].rate_Bps);
      g_test_message ("RTT %" G_GINT64_FORMAT " ms: srtt %" G_GUINT64_FORMAT
                      " us, %u of %u probes answered, answered %.3f",
                      cases[i].rtt / MS, f->health.srtt_us, f->replies, f->probes, f->health.answered);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
      g_assert_cmpuint (f->replies + 2 * cases[i].rtt / (50 * MS), >=, f->probes);
      g_assert_cmpuint (f->health.srtt_us, !=, 0);
      g_assert_cmpfloat (f->health.answered, >=, 0.9);
      assert_near ((double) f->health.srtt_us, (double) cases[i].rtt);
    }
}

/* the probed side: the far end measures the RTT and tells us, and our
 * reply carries our counters and echoes its timestamp */
static void
test_probed (Fixture *f, gconstpointer data)
{
  TttdProbe probe = { .echo = 30000, .tx_packets = 1 }, reply = { 0 };

  tttd_health_count_tx (&f->health, 100);
  tttd_health_count_rx (&f->health, 120, f->now);
  tttd_health_probe_received (&f->health, &f->params, &probe, 0xdeadbeef, 200, &reply, f->now);
  g_assert_cmpuint (reply.echo, ==, 0xdeadbeef);
  g_assert_cmpuint (reply.tx_packets, ==, 2);
  g_assert_cmpuint (reply.rx_packets, ==, 1);
  g_assert_cmpuint (reply.rx_bytes, ==, 120);
  g_assert_cmpuint (f->health.srtt_us, ==, 30000);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
}

/* a link whose probes go unanswered is down once tttd_health_dead_after
 * has passed without an answer, and not before; whether it carries data,
 * is idle, or has been quiet long */
static void
test_dead (Fixture *f, gconstpointer data)
{
  struct {
    const char *what;
    gint64 warmup;
    guint64 rate_Bps;
    guint interval_ms;
  } cases[] = {
    { "idle", 5 * SEC, 0, 200 },
    { "active", 5 * SEC, 1000000, 50 },
    { "quiet", 40 * SEC, 0, 1000 },
    { "dormant", 130 * SEC, 0, 5000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 down;

      fixture_teardown (f, NULL);
      fixture_setup (f, NULL);
      g_test_message ("%s", cases[i].what);
      run (f, cases[i].warmup, cases[i].rate_Bps);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
      g_assert_cmpuint (tttd_health_interval_ms (&f->health, &f->params, FALSE, f->now), ==, cases[i].interval_ms);
      /* three probes' worth at least, and well within a few more */
      g_assert_cmpint (f->dead_after, >=, 2 * (gint64) cases[i].interval_ms * MS);
      g_assert_cmpint (f->dead_after, <=, 3 * (gint64) cases[i].interval_ms * MS);

      f->answering = FALSE;
      down = run_until_change (f, 30 * SEC, cases[i].rate_Bps);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
      g_test_message ("down after %" G_GINT64_FORMAT " us of silence; dead after %" G_GINT64_FORMAT,
                      down - f->last_reply_at, f->dead_after);
      g_assert_cmpint (down - f->last_reply_at, >=, f->dead_after);
      /* counted from the first probe left unanswered */
      g_assert_cmpint (down - f->last_reply_at, <=, f->dead_after + (gint64) cases[i].interval_ms * MS + MS);
    }
}

/* the probed side notices a far end gone silent, by the probe interval it
 * announced */
static void
test_peer_silent (Fixture *f, gconstpointer data)
{
  TttdProbe probe = { 0 }, reply;
  gint64 last = 0;

  for (guint i = 0; i < 10; i++)
    {
      probe.tx_packets = i + 1;
      probe.rx_packets = i;
      tttd_health_count_rx (&f->health, PROBE_LEN, f->now);
      tttd_health_probe_received (&f->health, &f->params, &probe, (guint32) f->now, 200, &reply, f->now);
      tttd_health_count_tx (&f->health, PROBE_LEN);
      last = f->now;
      f->now += 200 * MS;
      tttd_health_tick (&f->health, &f->params, FALSE, f->now);
    }
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  /* a probe or two late is no silence; ten are */
  for (; f->now < last + 10 * 200 * MS; f->now += MS)
    {
      tttd_health_tick (&f->health, &f->params, FALSE, f->now);
      if (f->health.state == TTTD_LINK_DOWN)
        break;
    }
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
  g_assert_cmpint (f->now - last, >, 2 * 200 * MS);
}

/* ... but on a lossy link, a few of the far end's probes lost in a row is
 * chance, not a dead link: the silence allowed grows with the loss */
static void
test_peer_silent_lossy (Fixture *f, gconstpointer data)
{
  TttdProbe probe = { 0 }, reply;
  gint64 last = 0;

  /* the far end probes every 200 ms; every other probe is lost (and every
   * other reply: its counters say it received half of what was sent) */
  for (guint i = 0; i < 60; i++)
    {
      probe.tx_packets = 2 * i + 1;
      probe.rx_packets = f->health.tx_packets / 2;
      tttd_health_count_rx (&f->health, PROBE_LEN, f->now);
      tttd_health_probe_received (&f->health, &f->params, &probe, (guint32) f->now, 200, &reply, f->now);
      tttd_health_count_tx (&f->health, PROBE_LEN);
      last = f->now;
      f->now += 400 * MS;
      tttd_health_tick (&f->health, &f->params, FALSE, f->now);
    }
  g_assert_cmpint (f->health.state, !=, TTTD_LINK_DOWN);
  g_assert_cmpfloat (tttd_health_loss (&f->health), >=, 0.3);
  /* five probes lost in a row happen every few seconds at this loss */
  for (; f->now < last + 6 * 200 * MS; f->now += MS)
    tttd_health_tick (&f->health, &f->params, FALSE, f->now);
  g_assert_cmpint (f->health.state, !=, TTTD_LINK_DOWN);
  /* a silence of many seconds is still a dead link */
  for (; f->now < last + 30 * 200 * MS; f->now += MS)
    {
      tttd_health_tick (&f->health, &f->params, FALSE, f->now);
      if (f->health.state == TTTD_LINK_DOWN)
        break;
    }
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
}

/* a link that went down must answer up_replies probes before it is up
 * again, and longer each time it went down */
static void
test_down_up (Fixture *f, gconstpointer data)
{
  run (f, 2 * SEC, 0);
  for (guint down = 1; down <= 3; down++)
    {
      guint replies;

      f->answering = FALSE;
      g_assert_cmpint (run_until_change (f, 10 * SEC, 0), !=, 0);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
      f->answering = TRUE;
      replies = f->replies;
      run_until_change (f, 10 * SEC, 0);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
      g_test_message ("down %u times: up after %u replies", down, f->replies - replies);
      g_assert_cmpuint (f->replies - replies, ==, f->params.up_replies * down);
      run (f, 2 * SEC, 0);
    }
}

/* answer ANSWERS of the next PROBES probes, the first ones */
static void
answer_some (Fixture *f, guint probes, guint answers)
{
  guint first = f->probes;

  while (f->probes < first + probes)
    {
      f->answering = f->probes < first + answers;
      run (f, MS, 0);
    }
  f->answering = FALSE;
  run (f, 2 * f->delay + MS, 0);
}

/* a down link proves itself with up_replies answers that no silence as
 * long as the one that took it down interrupts; single losses between
 * them (a lossy link) do not count against it */
static void
test_down_up_in_a_row (Fixture *f, gconstpointer data)
{
  run (f, 2 * SEC, 0);
  f->answering = FALSE;
  run_until_change (f, 10 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
  g_assert_cmpuint (f->params.up_replies, ==, 3);

  /* one answer, then a long silence, then two answers: still down */
  answer_some (f, 1, 1);
  answer_some (f, 20, 0);
  answer_some (f, 2, 2);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
  /* the third since the silence brings it up */
  f->answering = TRUE;
  g_assert_cmpint (run_until_change (f, 10 * SEC, 0), !=, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);

  /* down again (the second time: twice the answers), then every other
   * probe answered: up after six answers all the same */
  f->answering = FALSE;
  run_until_change (f, 10 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
  for (guint i = 0; i < 5; i++)
    {
      answer_some (f, 1, 1);
      answer_some (f, 1, 0);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
    }
  answer_some (f, 1, 1);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
}

/* loss above degraded_loss degrades the link; it is up again once the loss
 * has stayed below recovered_loss for recover_us; in between, nothing moves */
static void
test_degraded (Fixture *f, gconstpointer data)
{
  const guint64 rate = 500000;
  gint64 t, low_since;

  run (f, 2 * SEC, rate);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  g_assert_cmpfloat (tttd_health_loss (&f->health), ==, 0.0);

  /* 7%: above recovered_loss, below degraded_loss: stays up */
  f->drop_every = 14;
  run (f, 10 * SEC, rate);
  g_test_message ("7%% loss measured %.3f", tttd_health_loss (&f->health));
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  g_assert_cmpfloat (tttd_health_loss (&f->health), >, 0.04);

  /* 20%: degraded, within a couple of seconds */
  f->drop_every = 5;
  t = f->now;
  g_assert_cmpint (run_until_change (f, 5 * SEC, rate), !=, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DEGRADED);
  g_test_message ("degraded after %" G_GINT64_FORMAT " ms", (f->now - t) / MS);
  g_assert_cmpint (f->now - t, <=, 2 * SEC);
  run (f, 2 * SEC, rate);
  assert_near (tttd_health_loss (&f->health), 0.2);

  /* back to 7%: stays degraded */
  f->drop_every = 14;
  run (f, 10 * SEC, rate);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DEGRADED);

  /* no loss: up once it has been low for recover_us (the reply hook
   * checks not before) */
  f->drop_every = 0;
  t = f->now;
  g_assert_cmpint (run_until_change (f, 10 * SEC, rate), !=, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  low_since = f->last_high_loss;
  g_assert_cmpint (low_since, >, t);
  g_assert_cmpint (f->now - low_since, <=, f->params.recover_us + 2 * 50 * MS);
  g_assert_cmpfloat (tttd_health_loss (&f->health), <=, f->params.recovered_loss);
}

static guint
interval_at (Fixture *f, gboolean metered, gint64 at)
{
  return tttd_health_interval_ms (&f->health, &f->params, metered, at);
}

/* probes: fast on a link with data, at the configured rate on an idle one,
 * once a second after 30 s without data, rarely on a metered one; data
 * on an idle link speeds them up at once */
static void
test_intervals (Fixture *f, gconstpointer data)
{
  guint probes;
  gint64 t;

  /* coming up, and long without an answer: the idle rate, never quiet */
  f->answering = FALSE;
  run (f, 40 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_DOWN);
  g_assert_cmpuint (interval_at (f, FALSE, f->now), ==, 200);
  g_assert_cmpuint (interval_at (f, TRUE, f->now), ==, 10000);

  /* up without data: the idle rate, quiet 30 s after it came up */
  f->answering = TRUE;
  run_until_change (f, 10 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  t = f->now;
  g_assert_cmpuint (interval_at (f, FALSE, t + 30 * SEC - MS), ==, 200);
  g_assert_cmpuint (interval_at (f, FALSE, t + 30 * SEC), ==, 1000);
  g_assert_cmpuint (interval_at (f, TRUE, t + 30 * SEC), ==, 10000);
  /* dormant after 2 minutes: a probe every 5 s (metered ones stay slower) */
  g_assert_cmpuint (interval_at (f, FALSE, t + 120 * SEC - MS), ==, 1000);
  g_assert_cmpuint (interval_at (f, FALSE, t + 120 * SEC), ==, 5000);
  g_assert_cmpuint (interval_at (f, TRUE, t + 120 * SEC), ==, 10000);
  probes = f->probes;
  run (f, 10 * SEC, 0);
  g_assert_cmpuint (f->probes - probes, >=, 49);
  g_assert_cmpuint (f->probes - probes, <=, 51);
  run (f, 20 * SEC + 10 * MS, 0);
  probes = f->probes;
  run (f, 10 * SEC, 0);
  g_assert_cmpuint (f->probes - probes, >=, 9);
  g_assert_cmpuint (f->probes - probes, <=, 11);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);

  /* data: probes speed up now, not at the next quiet probe */
  run (f, 300 * MS, 0);
  g_assert_false (tttd_health_tick (&f->health, &f->params, FALSE, f->now));
  g_assert_true (tttd_health_note_data (&f->health, f->now));
  g_assert_cmpuint (interval_at (f, FALSE, f->now), ==, 50);
  g_assert_cmpuint (interval_at (f, TRUE, f->now), ==, 50);
  g_assert_true (tttd_health_tick (&f->health, &f->params, FALSE, f->now));
  /* a busy link is no news */
  for (guint i = 0; i < 20; i++)
    {
      run (f, 100 * MS, 0);
      g_assert_false (tttd_health_note_data (&f->health, f->now));
    }
  run (f, SEC - MS, 0);
  g_assert_false (tttd_health_note_data (&f->health, f->now));
  probes = f->probes;
  run (f, 10 * SEC, 400000);
  g_assert_cmpuint (f->probes - probes, >=, 199);
  g_assert_cmpuint (f->probes - probes, <=, 201);

  /* a second without data: idle, and the next data is news again; the
   * quiet clock starts at the last data */
  run (f, SEC, 0);
  g_assert_cmpuint (interval_at (f, FALSE, f->now), ==, 200);
  g_assert_true (tttd_health_note_data (&f->health, f->now));
  g_assert_cmpuint (interval_at (f, FALSE, f->now + 30 * SEC - MS), ==, 200);
  g_assert_cmpuint (interval_at (f, FALSE, f->now + 30 * SEC), ==, 1000);

  /* the first data ever is news */
  tttd_health_init (&f->health, f->now);
  g_assert_true (tttd_health_note_data (&f->health, f->now));
}

/* each probe tells the far end when the next comes, and the far end takes
 * a silence well past that for a dead link: when the interval grows (30 s
 * without data: quiet) the next probe still comes when the last one said,
 * and only the one after waits the longer interval */
static void
test_interval_promise (Fixture *f, gconstpointer data)
{
  gint64 end;
  guint grew = 0;

  run_until_change (f, 10 * SEC, 0);
  g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
  for (end = f->now + 40 * SEC; f->now < end;)
    {
      gint64 before = f->health.last_probe_us;
      guint promised = f->health.promised_ms;

      run (f, MS, 0);
      if (f->health.last_probe_us == before)
        continue;
      /* never later than the last probe said */
      g_assert_cmpint (f->health.last_probe_us - before, <=, (gint64) promised * MS);
      if (f->health.promised_ms > promised)
        grew++;
    }
  g_assert_cmpuint (grew, ==, 1);
  g_assert_cmpuint (f->health.promised_ms, ==, f->params.quiet_interval_ms);
}

/* a link pushed beyond what it delivers: its capacity is what reaches the
 * far end, as the far end counts and times it */
static void
test_capacity (Fixture *f, gconstpointer data)
{
  const struct {
    guint64 bottleneck_Bps;
    guint64 rate_Bps;
  } cases[] = {
    { 1000000, 1250000 },
    { 250000, 400000 },
    { 4000000, 5000000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double capacity, delivery;

      fixture_teardown (f, NULL);
      fixture_setup (f, NULL);
      f->bottleneck_Bps = cases[i].bottleneck_Bps;
      run (f, 3 * SEC, cases[i].rate_Bps);
      capacity = (double) f->health.capacity_Bps / (double) f->bottleneck_Bps;
      delivery = (double) f->health.delivery_Bps / (double) f->bottleneck_Bps;
      g_test_message ("%" G_GUINT64_FORMAT " B/s through %" G_GUINT64_FORMAT
                      " B/s: capacity %.3f, delivery %.3f, pacing %" G_GUINT64_FORMAT,
                      cases[i].rate_Bps, f->bottleneck_Bps, capacity, delivery, f->health.pacing_Bps);
      g_assert_cmpint (f->health.state, ==, TTTD_LINK_UP);
      assert_near (capacity, 1.0);
      assert_near (delivery, 1.0);
      /* paced: no faster than it delivers */
      g_assert_cmpuint (f->health.pacing_Bps, !=, 0);
      g_assert_cmpuint (f->health.pacing_Bps, <=, f->health.capacity_Bps * 11 / 10);
      /* a queue, not loss */
      g_assert_cmpfloat (tttd_health_loss (&f->health), ==, 0.0);
    }

  /* a drop-tail buffer of 40 ms, pushed 8% over: a tenth of what goes in
   * is not lost, so the queue does not grow, but it stands at the buffer's
   * depth (the way an ack-clocked TCP flow keeps a modem's buffer full):
   * the link is full, and its capacity is what it delivers */
  fixture_teardown (f, NULL);
  fixture_setup (f, NULL);
  f->bottleneck_Bps = 1000000;
  f->queue_limit = 40 * MS;
  run (f, 3 * SEC, 1080000);
  g_test_message ("standing queue: capacity %" G_GUINT64_FORMAT ", delivery %" G_GUINT64_FORMAT ", tx queue %u us",
                  f->health.capacity_Bps, f->health.delivery_Bps, f->health.tx_queue_us);
  g_assert_cmpuint (f->health.tx_queue_us, >=, 30 * MS);
  assert_near ((double) f->health.capacity_Bps, 1000000);
  g_assert_cmpuint (f->health.pacing_Bps, !=, 0);

  /* under what the link can carry, no queue: nothing is known of its limit */
  fixture_teardown (f, NULL);
  fixture_setup (f, NULL);
  f->bottleneck_Bps = 1000000;
  run (f, 3 * SEC, 500000);
  g_assert_cmpuint (f->health.capacity_Bps, ==, 0);
  g_assert_cmpuint (f->health.pacing_Bps, ==, 0);
  assert_near ((double) f->health.delivery_Bps, 500000);
}

/* the probed side measures the queue on the way to it from the probes'
 * one-way delay (the prober's clock is anywhere, wrapping), reports it in
 * its replies, and takes the prober's report as its own sending queue */
static void
test_one_way_queue (Fixture *f, gconstpointer data)
{
  const guint32 far_clock = 0xffffff00u; /* wraps within the test */
  TttdProbe probe = { 0 }, reply;
  gint64 delay = 20 * MS;

  for (guint i = 0; i < 200; i++)
    {
      gint64 sent = f->now;
      /* from the 100th probe on, a queue of 6 ms on the way here */
      gint64 queue = i >= 100 ? 6 * MS : 0;

      f->now = sent + delay + queue;
      probe.rx_queue_us = 1234; /* what the prober sees on our way to it */
      tttd_health_probe_received (&f->health, &f->params, &probe, (guint32) sent + far_clock, 50, &reply, f->now);
      if (i == 99)
        g_assert_cmpuint (reply.rx_queue_us, <, 100);
      f->now = sent + 50 * MS;
    }
  g_assert_cmpuint (reply.rx_queue_us, >=, 5 * MS);
  g_assert_cmpuint (reply.rx_queue_us, <=, 7 * MS);
  g_assert_cmpuint (f->health.tx_queue_us, ==, 1234);
}

/* a queue on the way back (the far end's upload filling it) is not ours:
 * the RTT grows, but neither the capacity nor the pacing rate falls */
static void
test_reverse_queue (Fixture *f, gconstpointer data)
{
  guint64 pacing, capacity;

  /* the capacity learnt, then a flow below it: no queue of ours */
  f->bottleneck_Bps = 1000000;
  run (f, SEC, 1250000);
  run (f, 2 * SEC, 500000);
  run (f, 3 * SEC, 900000);
  pacing = f->health.pacing_Bps;
  capacity = f->health.capacity_Bps;
  g_assert_cmpuint (capacity, >=, 950000);
  g_assert_cmpuint (f->health.tx_queue_us, <, QUEUE_LOW);
  /* the way back fills: up to 40 ms more, over two seconds, then stays */
  for (guint ms = 0; ms < 5000; ms++)
    {
      f->back_queue = MIN (ms, 2000) * 20;
      run (f, MS, 900000);
    }
  g_test_message ("srtt %" G_GUINT64_FORMAT " us; capacity %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                  ", pacing %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT,
                  f->health.srtt_us, capacity, f->health.capacity_Bps, pacing, f->health.pacing_Bps);
  g_assert_cmpuint (f->health.srtt_us, >, 50 * MS);
  g_assert_cmpuint (f->health.capacity_Bps, >=, capacity * 97 / 100);
  g_assert_cmpuint (f->health.pacing_Bps, >=, pacing * 97 / 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/health/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("params", test_params);
  ADD ("comes-up", test_comes_up);
  ADD ("rtt", test_rtt);
  ADD ("long-rtt", test_long_rtt);
  ADD ("probed", test_probed);
  ADD ("dead", test_dead);
  ADD ("peer-silent", test_peer_silent);
  ADD ("peer-silent-lossy", test_peer_silent_lossy);
  ADD ("interval-promise", test_interval_promise);
  ADD ("down-up", test_down_up);
  ADD ("down-up-in-a-row", test_down_up_in_a_row);
  ADD ("degraded", test_degraded);
  ADD ("intervals", test_intervals);
  ADD ("capacity", test_capacity);
  ADD ("one-way-queue", test_one_way_queue);
  ADD ("reverse-queue", test_reverse_queue);
#undef ADD

  return g_test_run ();
}
