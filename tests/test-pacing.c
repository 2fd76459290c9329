/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the capacity estimator and pacing rate in a closed loop, on a link whose capacity steps */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tttd-health.h"
#include "tttd-nack.h"

/* A greedy sender paced by the estimate (as tttd-tx.c paces: a virtual
 * queue at the pacing rate of at most tttd_pace_limit_us, beyond which a
 * datagram is dropped), a link with a capacity that changes, a drop-tail buffer in
 * bytes and a delay each way, and the far end, whose health measures the
 * one-way delays and answers the probes.  Synthetic time in steps of
 * 100 us; every packet is followed. */

#define US   (G_GINT64_CONSTANT (1))
#define MS   (G_GINT64_CONSTANT (1000))
#define SEC  (G_GINT64_CONSTANT (1000000))
#define STEP (100 * US)

#define DATA_LEN  1250
#define PROBE_LEN 80
#define RING      65536

typedef struct {
  gint64 at; /* when it leaves the buffer / reaches the far end */
  gint64 sent;
  guint32 len;
  gboolean probe;
  TttdProbe body; /* a probe's, or a reply's */
  guint32 timestamp;
} Packet;

typedef struct {
  Packet items[RING];
  guint head, count;
} Fifo;

typedef struct {
  TttdHealth near, far;
  TttdHealthParams params;
  gint64 now;
  gint64 delay;         /* one way */
  guint64 capacity_Bps; /* the link's, now */
  guint64 mean_Bps;     /* bursty: the mean of a capacity that varies */
  GRand *rand;          /* bursty: draws each slot's capacity */
  gint64 slot_end;
  guint64 buffer_bytes;
  guint64 queued_bytes;
  double budget; /* bytes the link may still send in this step */
  Fifo buffer, wire, back;
  guint64 demand_Bps;   /* what the flow would send */
  double want;          /* bytes the flow has offered and the pacer holds */
  gint64 backlog_until; /* the pacer's virtual queue */
  guint32 far_clock;

  /* what happened */
  guint64 delivered_bytes;
  guint64 offered_bytes; /* what the link's capacity would have carried */
  guint64 pacer_drops;
  guint64 wrongful_drops; /* dropped by us while the link's buffer was empty */
  guint64 link_drops;
  gint64 max_queue_delay;
} Sim;

static void
push (Fifo *f, const Packet *p)
{
  g_assert_cmpuint (f->count, <, RING);
  f->items[(f->head + f->count++) % RING] = *p;
}

static Packet *
peek (Fifo *f)
{
  return f->count > 0 ? &f->items[f->head] : NULL;
}

static void
pop (Fifo *f)
{
  f->head = (f->head + 1) % RING;
  f->count--;
}

static Sim *
sim_new (guint64 capacity_Bps, guint64 buffer_bytes, gint64 delay)
{
  Sim *s = g_new0 (Sim, 1);

  s->now = 1000 * SEC;
  tttd_health_params_default (&s->params, 200);
  tttd_health_init (&s->near, s->now);
  tttd_health_init (&s->far, s->now);
  s->delay = delay;
  s->capacity_Bps = capacity_Bps;
  s->buffer_bytes = buffer_bytes;
  s->far_clock = 0x7ff00000u;
  return s;
}

/* a datagram into the link's buffer (dropped when it is full) */
static void
enqueue (Sim *s, guint32 len, gboolean probe, const TttdProbe *body)
{
  Packet p = { .sent = s->now, .len = len, .probe = probe };

  tttd_health_count_tx (&s->near, len);
  if (s->queued_bytes + len > s->buffer_bytes)
    {
      s->link_drops++;
      return;
    }
  if (body != NULL)
    p.body = *body;
  p.timestamp = (guint32) s->now;
  s->queued_bytes += len;
  push (&s->buffer, &p);
}

/* the pacer: what the flow offers leaves at the pacing rate */
static void
pace (Sim *s)
{
  guint64 rate = s->near.pacing_Bps;

  s->want += (double) s->demand_Bps * (double) STEP / (double) SEC;
  if (rate == 0)
    {
      while (s->want >= DATA_LEN)
        {
          enqueue (s, DATA_LEN, FALSE, NULL);
          s->want -= DATA_LEN;
        }
      return;
    }
  while (s->want >= DATA_LEN)
    {
      /* the virtual queue keeps its fraction of a step, as the real
       * pacer's slack does: no rounding of every gap up to a step */
      gint64 depart = MAX (s->now - STEP, s->backlog_until);

      if (depart - s->now > tttd_pace_limit_us (rate, TTTD_PACE_TARGET_US))
        {
          /* a flow backs off on a loss: here it just offers less */
          s->pacer_drops++;
          if (s->buffer.count == 0)
            s->wrongful_drops++;
          s->want -= DATA_LEN;
          continue;
        }
      if (depart > s->now)
        {
          tttd_health_backlogged (&s->near, s->now);
          break;
        }
      s->backlog_until = depart + (gint64) DATA_LEN * SEC / (gint64) rate;
      enqueue (s, DATA_LEN, FALSE, NULL);
      s->want -= DATA_LEN;
    }
  /* what the flow offers beyond what the pacer would hold is lost to it:
   * its window is full */
  s->want = MIN (s->want, (double) rate * (double) tttd_pace_limit_us (rate, TTTD_PACE_TARGET_US) / (double) SEC);
}

/* the bottleneck sends what this step's capacity allows; bytes, not
 * packets: a packet longer than what is left waits for the next step */
static void
drain (Sim *s)
{
  Packet *p;

  if (s->mean_Bps != 0 && s->now >= s->slot_end)
    {
      /* a cellular scheduler's grants: each 20 ms slot's capacity is
       * drawn around the mean, exponentially (lulls and bursts of three
       * times the mean, as in the LTE recordings) */
      s->capacity_Bps = (guint64) ((double) s->mean_Bps * -log (1.0 - g_rand_double (s->rand)));
      s->slot_end = s->now + 20 * MS;
    }
  s->budget += (double) s->capacity_Bps * (double) STEP / (double) SEC;
  s->offered_bytes += s->capacity_Bps * (guint64) STEP / (guint64) SEC;
  while ((p = peek (&s->buffer)) != NULL && s->budget >= p->len)
    {
      Packet out = *p;
      s->budget -= p->len;
      s->queued_bytes -= p->len;
      s->max_queue_delay = MAX (s->max_queue_delay, s->now - p->sent);
      out.at = s->now + s->delay;
      pop (&s->buffer);
      push (&s->wire, &out);
    }
  /* an idle link saves nothing up */
  if (s->buffer.count == 0)
    s->budget = MIN (s->budget, (double) DATA_LEN);
}

static void
deliver (Sim *s)
{
  Packet *p;

  while ((p = peek (&s->wire)) != NULL && p->at <= s->now)
    {
      Packet in = *p;
      pop (&s->wire);
      tttd_health_count_rx (&s->far, in.len, s->now);
      s->delivered_bytes += in.len;
      if (!in.probe)
        {
          tttd_health_owd_sample (&s->far, in.timestamp, s->now);
          continue;
        }
      /* the far end answers at once; the way back is not loaded */
      Packet reply = { .at = s->now + s->delay, .probe = TRUE, .len = PROBE_LEN };
      tttd_health_probe_received (&s->far, &s->params, &in.body, in.timestamp, 50, &reply.body, s->now);
      tttd_health_count_tx (&s->far, PROBE_LEN);
      reply.timestamp = (guint32) s->now + s->far_clock;
      push (&s->back, &reply);
    }
  while ((p = peek (&s->back)) != NULL && p->at <= s->now)
    {
      Packet in = *p;
      pop (&s->back);
      tttd_health_count_rx (&s->near, PROBE_LEN, s->now);
      tttd_health_reply_received (&s->near, &s->params, &in.body, in.timestamp, s->now);
    }
}

static void
run (Sim *s, gint64 duration)
{
  gint64 until = s->now + duration;

  while (s->now < until)
    {
      s->now += STEP;
      deliver (s);
      if (s->demand_Bps > 0)
        tttd_health_note_data (&s->near, s->now);
      if (tttd_health_tick (&s->near, &s->params, FALSE, s->now))
        {
          TttdProbe probe;
          tttd_health_probe_sent (&s->near, &probe, (guint32) s->now, 0, s->now);
          enqueue (s, PROBE_LEN, TRUE, &probe);
        }
      pace (s);
      drain (s);
    }
}

/* Mbit/s delivered over the next duration */
static double
measure (Sim *s, gint64 duration)
{
  guint64 before = s->delivered_bytes;

  run (s, duration);
  return (double) (s->delivered_bytes - before) * 8.0 / (double) duration;
}

/* how long after now the delivery over 100 ms reaches share of the link's
 * capacity; G_MAXINT64 if not within limit */
static gint64
time_to_reach (Sim *s, double share, gint64 limit)
{
  gint64 start = s->now;

  while (s->now - start < limit)
    {
      double mbit = measure (s, 100 * MS);
      if (g_getenv ("PACING_TRACE") != NULL)
        g_test_message ("%5" G_GINT64_FORMAT
                        " ms: %.2f Mbit/s, capacity %.2f, pacing %.2f, gain %.2f, step %u, queue %u us, delivery %.2f",
                        (s->now - start) / MS, mbit, s->near.capacity_Bps * 8 / 1e6, s->near.pacing_Bps * 8 / 1e6,
                        s->near.gain, s->near.probe_step, s->near.tx_queue_us, s->near.delivery_Bps * 8 / 1e6);
      if (mbit >= share * (double) s->capacity_Bps * 8.0 / 1e6)
        return s->now - start;
    }
  return G_MAXINT64;
}

#define MBIT(x) ((guint64) ((x) *1e6 / 8))

/* ten times more capacity: the estimate follows within a second and a half
 * (a dozen probes that each find more room), and the pacer never drops
 * what the link would have carried */
static void
test_step_up (void)
{
  g_autofree Sim *s = sim_new (MBIT (2), 200000, 20 * MS);
  gint64 took;

  s->demand_Bps = MBIT (2.4);
  run (s, 5 * SEC);
  s->demand_Bps = MBIT (40);
  run (s, SEC);
  g_test_message ("at 2 Mbit/s: capacity %.2f Mbit/s, pacing %.2f, state %s, srtt %" G_GUINT64_FORMAT
                  " us, queue %u us, delivery %.2f",
                  s->near.capacity_Bps * 8 / 1e6, s->near.pacing_Bps * 8 / 1e6,
                  tttd_link_state_to_string (s->near.state), s->near.srtt_us, s->near.tx_queue_us,
                  s->near.delivery_Bps * 8 / 1e6);
  g_assert_cmpuint (s->near.capacity_Bps, >=, MBIT (1.6));
  g_assert_cmpuint (s->near.capacity_Bps, <=, MBIT (2.6));
  s->pacer_drops = s->wrongful_drops = 0;
  s->capacity_Bps = MBIT (20);
  took = time_to_reach (s, 0.8, 5 * SEC);
  g_test_message ("2 -> 20 Mbit/s: 80%% delivered after %" G_GINT64_FORMAT " ms; %" G_GUINT64_FORMAT
                  " pacer drops, %" G_GUINT64_FORMAT " while the link's buffer was empty",
                  took / MS, s->pacer_drops, s->wrongful_drops);
  g_assert_cmpint (took, <=, 1500 * MS);
  g_assert_cmpuint (s->wrongful_drops, ==, 0);
}

/* ten times less, into a deep buffer: the pacing rate falls to what the
 * link carries within two seconds (the far end sees the buffer's delay
 * only a buffer's delay late: a full 250 kB at 2 Mbit/s is a second), and
 * the buffer it filled has drained two seconds later */
static void
test_step_down (void)
{
  g_autofree Sim *s = sim_new (MBIT (20), 250000, 20 * MS);

  s->demand_Bps = MBIT (24);
  run (s, 5 * SEC);
  s->demand_Bps = MBIT (40);
  run (s, SEC);
  g_assert_cmpuint (s->near.capacity_Bps, >=, MBIT (16));
  s->capacity_Bps = MBIT (2);
  for (guint i = 0; i < 20; i++)
    {
      run (s, 100 * MS);
      if (g_getenv ("PACING_TRACE") != NULL)
        g_test_message ("%u00 ms: capacity %.2f, pacing %.2f, gain %.2f, queue %u us, buffer %" G_GUINT64_FORMAT " B",
                        i + 1, s->near.capacity_Bps * 8 / 1e6, s->near.pacing_Bps * 8 / 1e6, s->near.gain,
                        s->near.tx_queue_us, s->queued_bytes);
    }
  g_test_message ("20 -> 2 Mbit/s: after 2 s capacity %.2f Mbit/s, pacing %.2f", s->near.capacity_Bps * 8 / 1e6,
                  s->near.pacing_Bps * 8 / 1e6);
  g_assert_cmpuint (s->near.pacing_Bps, <=, MBIT (2.6));
  run (s, 2 * SEC);
  s->max_queue_delay = 0;
  run (s, SEC);
  g_test_message ("queue delay in the fifth second at most %" G_GINT64_FORMAT " ms", s->max_queue_delay / MS);
  g_assert_cmpint (s->max_queue_delay, <=, 100 * MS);
}

/* two seconds without capacity (an outage): the link comes back and is
 * used at its rate again within a second and a half */
static void
test_outage (void)
{
  g_autofree Sim *s = sim_new (MBIT (10), 100000, 20 * MS);
  guint64 capacity = s->capacity_Bps;
  gint64 took;

  s->demand_Bps = MBIT (12);
  run (s, 5 * SEC);
  s->demand_Bps = MBIT (40);
  run (s, SEC);
  s->capacity_Bps = 0;
  run (s, 2 * SEC);
  s->capacity_Bps = capacity;
  took = time_to_reach (s, 0.8, 5 * SEC);
  g_test_message ("after a 2 s outage: 80%% of 10 Mbit/s delivered after %" G_GINT64_FORMAT " ms (state %s)", took / MS,
                  tttd_link_state_to_string (s->near.state));
  g_assert_cmpint (took, <=, 1500 * MS);
}

/* a steady link: the pacer holds its buffer short (the queue is where a
 * ping waits) and uses nearly all of it */
static void
test_steady (void)
{
  g_autofree Sim *s = sim_new (MBIT (40), 250000, 5 * MS);
  double mbit;

  s->demand_Bps = MBIT (48);
  run (s, 5 * SEC);
  s->demand_Bps = MBIT (60);
  run (s, SEC);
  s->max_queue_delay = 0;
  mbit = measure (s, 5 * SEC);
  g_test_message ("40 Mbit/s steady: %.2f Mbit/s delivered, queue delay at most %" G_GINT64_FORMAT " ms, gain %.2f",
                  mbit, s->max_queue_delay / MS, s->near.gain);
  g_test_message ("capacity %.2f pacing %.2f delivery %.2f queue %u step %u drops %" G_GUINT64_FORMAT
                  " link drops %" G_GUINT64_FORMAT,
                  s->near.capacity_Bps * 8 / 1e6, s->near.pacing_Bps * 8 / 1e6, s->near.delivery_Bps * 8 / 1e6,
                  s->near.tx_queue_us, s->near.probe_step, s->pacer_drops, s->link_drops);
  g_assert_cmpfloat (mbit, >=, 36.0);
  g_assert_cmpint (s->max_queue_delay, <=, 20 * MS);
}

/* a link whose capacity changes every 20 ms (lulls, bursts of three
 * times its mean) into a modem's deep buffer: the pacer must not take a
 * lull for a fall (the next burst would find the link idle), nor drop what
 * the link would carry.  Five draws of the capacity.  Not asserted, but
 * shown: the estimate also takes bursts for the capacity, and the buffer
 * fills to 0.4-0.6 s and overflows now and then */
static void
test_bursty (void)
{
  static const guint32 seeds[] = { 1, 2, 3, 7, 14 };

  for (guint k = 0; k < G_N_ELEMENTS (seeds); k++)
    {
      g_autofree Sim *s = sim_new (MBIT (5), 250000, 20 * MS);
      g_autoptr (GRand) rand = g_rand_new_with_seed (seeds[k]);
      guint64 delivered, offered;

      s->rand = rand;
      s->mean_Bps = MBIT (5);
      s->demand_Bps = MBIT (10);
      run (s, 5 * SEC);
      s->max_queue_delay = 0;
      s->pacer_drops = s->wrongful_drops = s->link_drops = 0;
      delivered = s->delivered_bytes;
      offered = s->offered_bytes;
      for (guint i = 0; i < 50; i++)
        {
          run (s, 200 * MS);
          if (g_getenv ("PACING_TRACE") != NULL)
            g_test_message ("%4u ms: capacity %.2f, pacing %.2f, gain %.2f, queue %u us, buffer %" G_GUINT64_FORMAT
                            " B, delivery %.2f, link drops %" G_GUINT64_FORMAT,
                            (i + 1) * 200, s->near.capacity_Bps * 8 / 1e6, s->near.pacing_Bps * 8 / 1e6, s->near.gain,
                            s->near.tx_queue_us, s->queued_bytes, s->near.delivery_Bps * 8 / 1e6, s->link_drops);
        }
      delivered = s->delivered_bytes - delivered;
      offered = s->offered_bytes - offered;
      g_test_message ("bursty, seed %u: %.2f of %.2f Mbit/s offered delivered, queue delay at most %" G_GINT64_FORMAT
                      " ms, %" G_GUINT64_FORMAT " pacer drops (%" G_GUINT64_FORMAT
                      " while the link's buffer was empty), %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                      " dropped by the full buffer",
                      seeds[k], delivered * 8 / 1e7, offered * 8 / 1e7, s->max_queue_delay / MS, s->pacer_drops,
                      s->wrongful_drops, s->link_drops, delivered / DATA_LEN);
      g_assert_cmpfloat ((double) delivered, >=, 0.9 * (double) offered);
      g_assert_cmpuint (s->wrongful_drops, ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/pacing/step-up", test_step_up);
  g_test_add_func ("/tttd/pacing/step-down", test_step_down);
  g_test_add_func ("/tttd/pacing/outage", test_outage);
  g_test_add_func ("/tttd/pacing/steady", test_steady);
  g_test_add_func ("/tttd/pacing/bursty", test_bursty);
  return g_test_run ();
}
