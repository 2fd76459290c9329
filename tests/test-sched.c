/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-sched.h"

#define MS  (G_GINT64_CONSTANT (1000))
#define SEC (G_GINT64_CONSTANT (1000000))

typedef struct {
  TttdScheduler sched;
  TttdPacketInfo packet;
  gint64 now;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  tttd_scheduler_init (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  f->packet.wire_len = 1250;
  f->packet.flow_hash = 0;
  f->now = 1000 * SEC;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
}

/* a healthy link that has been up for a long time */
static TttdSchedLink *
add_link (Fixture *f, guint i, guint64 srtt_ms)
{
  TttdSchedLink *link = &f->sched.links[i];

  memset (link, 0, sizeof *link);
  link->present = TRUE;
  link->enabled = TRUE;
  link->state = TTTD_LINK_UP;
  link->weight = 10;
  link->priority = 10;
  link->up_since_us = f->now - 3600 * SEC;
  link->srtt_us = srtt_ms * 1000;
  return link;
}

static guint32
pick (Fixture *f)
{
  return tttd_scheduler_pick (&f->sched, &f->packet, f->now);
}

/* a single link is picked: which one */
static gint
pick_one (Fixture *f)
{
  guint32 mask = pick (f);

  g_assert_cmpuint (mask, !=, 0);
  g_assert_cmpuint (mask & (mask - 1), ==, 0);
  return __builtin_ctz (mask);
}

/* send on a link until its virtual queue is longer than the scheduler allows */
static void
fill (Fixture *f, guint i)
{
  g_assert_cmpuint (f->sched.links[i].rate_Bps, !=, 0);
  while (tttd_scheduler_queue_delay (&f->sched, i, f->now) <= f->sched.max_queue_us)
    tttd_scheduler_sent (&f->sched, i, 1250, f->now);
}

static void
test_names (Fixture *f, gconstpointer data)
{
  /* fixed by the product interface */
  const char *names[] = {
    "balance-rr", "weighted", "active-backup", "redundant", "lowest-rtt", "metered-overflow", "flow-hash", "adaptive",
  };
  TttdStrategy s;

  g_assert_cmpint (G_N_ELEMENTS (names), ==, TTTD_STRATEGY_COUNT);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (tttd_strategy_from_string (names[i], &s));
      g_assert_cmpstr (tttd_strategy_to_string (s), ==, names[i]);
      g_assert_cmpstr (tttd_strategy_to_string (i), ==, names[i]);
    }
  g_assert_true (tttd_strategy_from_string ("adaptive", &s));
  g_assert_cmpint (s, ==, TTTD_STRATEGY_ADAPTIVE);

  s = TTTD_STRATEGY_WEIGHTED;
  g_assert_false (tttd_strategy_from_string ("Adaptive", &s));
  g_assert_false (tttd_strategy_from_string ("balance_rr", &s));
  g_assert_false (tttd_strategy_from_string ("", &s));
  g_assert_false (tttd_strategy_from_string ("adaptive ", &s));
  g_assert_false (tttd_strategy_from_string (NULL, &s));
  g_assert_cmpint (s, ==, TTTD_STRATEGY_WEIGHTED);
  g_assert_cmpstr (tttd_strategy_to_string (TTTD_STRATEGY_COUNT), ==, "unknown");

  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_PROBING), ==, "probing");
  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_UP), ==, "up");
  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_DEGRADED), ==, "degraded");
  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_DOWN), ==, "down");
  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_STANDBY), ==, "standby");
  g_assert_cmpstr (tttd_link_state_to_string (TTTD_LINK_STANDBY + 1), ==, "unknown");
}

static void
test_usable_mask (Fixture *f, gconstpointer data)
{
  add_link (f, 0, 10);
  add_link (f, 1, 10)->state = TTTD_LINK_DEGRADED;
  add_link (f, 2, 10)->state = TTTD_LINK_PROBING;
  add_link (f, 3, 10)->state = TTTD_LINK_DOWN;
  add_link (f, 4, 10)->state = TTTD_LINK_STANDBY;
  add_link (f, 5, 10)->enabled = FALSE;
  add_link (f, 6, 10)->present = FALSE;
  add_link (f, 31, 10);
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==, (1u << 0) | (1u << 1) | (1u << 31));

  /* probing links only when nothing is up or degraded */
  f->sched.links[0].state = TTTD_LINK_DOWN;
  f->sched.links[1].state = TTTD_LINK_DOWN;
  f->sched.links[31].state = TTTD_LINK_DOWN;
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==, 1u << 2);
  /* a disabled probing link is no better */
  add_link (f, 7, 10)->state = TTTD_LINK_PROBING;
  f->sched.links[7].enabled = FALSE;
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==, 1u << 2);
  /* and when every link is down, the down ones rather than none (not the
   * disabled, the absent or the standby) */
  f->sched.links[2].state = TTTD_LINK_DOWN;
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==,
                    (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 31));
  f->sched.links[2].state = TTTD_LINK_PROBING;
  f->sched.links[1].state = TTTD_LINK_DEGRADED;
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==, 1u << 1);

  /* nothing usable (disabled, absent or standby): no strategy picks anything */
  f->sched.links[1].state = TTTD_LINK_DOWN;
  f->sched.links[2].enabled = FALSE;
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    if (f->sched.links[i].state == TTTD_LINK_DOWN)
      f->sched.links[i].enabled = FALSE;
  g_assert_cmpuint (tttd_scheduler_usable_mask (&f->sched), ==, 0);
  for (guint s = 0; s < TTTD_STRATEGY_COUNT; s++)
    {
      tttd_scheduler_set_strategy (&f->sched, s);
      f->packet.flow_hash = 0x1234;
      g_assert_cmpuint (pick (f), ==, 0);
    }
}

/* whatever the strategy, only usable links are picked */
static void
test_never_unusable (Fixture *f, gconstpointer data)
{
  add_link (f, 0, 30)->state = TTTD_LINK_DOWN;
  add_link (f, 1, 80);
  add_link (f, 2, 5)->enabled = FALSE;
  add_link (f, 3, 60)->state = TTTD_LINK_DEGRADED;
  add_link (f, 4, 1)->state = TTTD_LINK_PROBING;
  add_link (f, 5, 1)->state = TTTD_LINK_STANDBY;
  for (guint s = 0; s < TTTD_STRATEGY_COUNT; s++)
    {
      tttd_scheduler_set_strategy (&f->sched, s);
      for (guint n = 0; n < 200; n++)
        {
          guint32 mask;
          f->packet.flow_hash = n * 2654435761u;
          f->packet.flags = n % 2 ? TTTD_PACKET_LATENCY_CRITICAL : 0;
          mask = pick (f);
          g_assert_cmpuint (mask, !=, 0);
          g_assert_cmpuint (mask & ~((1u << 1) | (1u << 3)), ==, 0);
        }
    }
}

static void
test_balance_rr (Fixture *f, gconstpointer data)
{
  guint counts[3] = { 0 };

  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_BALANCE_RR);
  add_link (f, 0, 10);
  add_link (f, 2, 50);
  add_link (f, 5, 200);
  g_assert_cmpint (pick_one (f), ==, 0);
  g_assert_cmpint (pick_one (f), ==, 2);
  g_assert_cmpint (pick_one (f), ==, 5);
  g_assert_cmpint (pick_one (f), ==, 0);
  g_assert_cmpint (pick_one (f), ==, 2);
  /* a link that goes down is skipped; the others keep alternating */
  f->sched.links[5].state = TTTD_LINK_DOWN;
  for (guint n = 0; n < 10; n++)
    g_assert_cmpint (pick_one (f), ==, n % 2 == 0 ? 0 : 2);
  f->sched.links[5].state = TTTD_LINK_UP;
  for (guint n = 0; n < 300; n++)
    {
      gint i = pick_one (f);
      counts[i == 0 ? 0 : i == 2 ? 1 : 2]++;
    }
  g_assert_cmpuint (counts[0], ==, 100);
  g_assert_cmpuint (counts[1], ==, 100);
  g_assert_cmpuint (counts[2], ==, 100);

  /* the highest slot wraps around to the lowest */
  add_link (f, 31, 10);
  f->sched.rr_next = 31;
  g_assert_cmpint (pick_one (f), ==, 31);
  g_assert_cmpint (pick_one (f), ==, 0);
}

static void
test_weighted (Fixture *f, gconstpointer data)
{
  guint counts[2] = { 0 };
  guint run = 0, longest_run = 0;
  gint last = -1;

  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_WEIGHTED);
  add_link (f, 0, 10)->weight = 70;
  add_link (f, 1, 10)->weight = 30;
  for (guint n = 0; n < 1000; n++)
    {
      gint i = pick_one (f);
      counts[i]++;
      run = i == last ? run + 1 : 1;
      last = i;
      if (i == 1)
        longest_run = MAX (longest_run, run);
    }
  g_test_message ("70/30: %u/%u", counts[0], counts[1]);
  g_assert_cmpuint (counts[0], >=, 690);
  g_assert_cmpuint (counts[0], <=, 710);
  g_assert_cmpuint (counts[0] + counts[1], ==, 1000);
  /* spread evenly, not in bursts: the small share never comes twice in a row */
  g_assert_cmpuint (longest_run, ==, 1);

  /* three links, one of them going away */
  memset (counts, 0, sizeof counts);
  add_link (f, 2, 10)->weight = 100;
  {
    guint c3[3] = { 0 };
    for (guint n = 0; n < 2000; n++)
      c3[pick_one (f)]++;
    g_assert_cmpuint (c3[0], >=, 690 - 20);
    g_assert_cmpuint (c3[0], <=, 700 + 20);
    g_assert_cmpuint (c3[1], >=, 300 - 20);
    g_assert_cmpuint (c3[1], <=, 300 + 20);
    g_assert_cmpuint (c3[2], >=, 1000 - 20);
    g_assert_cmpuint (c3[2], <=, 1000 + 20);
    f->sched.links[2].state = TTTD_LINK_DOWN;
    memset (c3, 0, sizeof c3);
    for (guint n = 0; n < 1000; n++)
      c3[pick_one (f)]++;
    g_assert_cmpuint (c3[2], ==, 0);
    g_assert_cmpuint (c3[0], >=, 690);
    g_assert_cmpuint (c3[0], <=, 710);
  }
}

static void
test_active_backup (Fixture *f, gconstpointer data)
{
  gint64 back;

  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ACTIVE_BACKUP);
  f->sched.failback_us = 5 * SEC;
  add_link (f, 0, 10)->priority = 20;
  add_link (f, 1, 50)->priority = 1; /* the primary, though slower */
  add_link (f, 2, 10)->priority = 30;
  for (guint n = 0; n < 10; n++)
    g_assert_cmpint (pick_one (f), ==, 1);

  /* the primary dies: the next best priority takes over at once */
  f->sched.links[1].state = TTTD_LINK_DOWN;
  g_assert_cmpint (pick_one (f), ==, 0);
  f->now += 1;
  g_assert_cmpint (pick_one (f), ==, 0);

  /* it comes back: no fail back before it was stable for failback_us */
  f->now += 10 * SEC;
  back = f->now;
  f->sched.links[1].state = TTTD_LINK_UP;
  f->sched.links[1].up_since_us = back;
  g_assert_cmpint (pick_one (f), ==, 0);
  f->now = back + 5 * SEC - 1;
  g_assert_cmpint (pick_one (f), ==, 0);
  /* it flaps: the wait starts again */
  f->sched.links[1].up_since_us = f->now;
  back = f->now;
  f->now = back + 4 * SEC;
  g_assert_cmpint (pick_one (f), ==, 0);
  f->now = back + 5 * SEC;
  g_assert_cmpint (pick_one (f), ==, 1);
  f->now += 1;
  g_assert_cmpint (pick_one (f), ==, 1);

  /* the backup leaving does not disturb the primary */
  f->sched.links[0].state = TTTD_LINK_DOWN;
  g_assert_cmpint (pick_one (f), ==, 1);
  /* both gone: the last one */
  f->sched.links[1].present = FALSE;
  g_assert_cmpint (pick_one (f), ==, 2);
  /* a degraded link is used only when nothing is up */
  f->sched.links[0].state = TTTD_LINK_DEGRADED;
  g_assert_cmpint (pick_one (f), ==, 2);
  f->sched.links[2].state = TTTD_LINK_DOWN;
  g_assert_cmpint (pick_one (f), ==, 0);
}

static void
test_active_backup_start (Fixture *f, gconstpointer data)
{
  /* at start the best link is used at once, whatever its age */
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ACTIVE_BACKUP);
  add_link (f, 3, 10)->priority = 5;
  add_link (f, 4, 10)->priority = 2;
  f->sched.links[4].up_since_us = f->now;
  g_assert_cmpint (pick_one (f), ==, 4);
  /* equal priorities: the lower slot, stably */
  f->sched.links[3].priority = 2;
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ACTIVE_BACKUP);
  for (guint n = 0; n < 5; n++)
    g_assert_cmpint (pick_one (f), ==, 3);
}

static void
test_redundant (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_REDUNDANT);
  add_link (f, 0, 10);
  add_link (f, 3, 100);
  add_link (f, 4, 30)->state = TTTD_LINK_DEGRADED;
  add_link (f, 5, 30)->state = TTTD_LINK_DOWN;
  add_link (f, 6, 30)->state = TTTD_LINK_PROBING;
  add_link (f, 7, 30)->enabled = FALSE;
  for (guint n = 0; n < 3; n++)
    g_assert_cmpuint (pick (f), ==, (1u << 0) | (1u << 3) | (1u << 4));
  f->sched.links[3].state = TTTD_LINK_DOWN;
  g_assert_cmpuint (pick (f), ==, (1u << 0) | (1u << 4));
  f->sched.links[0].state = TTTD_LINK_DOWN;
  f->sched.links[4].state = TTTD_LINK_DOWN;
  g_assert_cmpuint (pick (f), ==, 1u << 6);
}

static void
test_queue (Fixture *f, gconstpointer data)
{
  TttdSchedLink *link = add_link (f, 0, 10);

  /* no rate known: no queue is kept */
  tttd_scheduler_sent (&f->sched, 0, 100000, f->now);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now), ==, 0);
  /* 1 MB/s: 1000 bytes take 1 ms */
  link->rate_Bps = 1000000;
  tttd_scheduler_sent (&f->sched, 0, 1000, f->now);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now), ==, 1 * MS);
  tttd_scheduler_sent (&f->sched, 0, 1000, f->now);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now), ==, 2 * MS);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now + 500), ==, 2 * MS - 500);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now + 5 * MS), ==, 0);
  /* an idle link starts from now, not from its old backlog */
  f->now += 10 * MS;
  tttd_scheduler_sent (&f->sched, 0, 1000, f->now);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now), ==, 1 * MS);
}

static void
test_lowest_rtt (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_LOWEST_RTT);
  add_link (f, 0, 30);
  add_link (f, 1, 10);
  add_link (f, 2, 50);
  add_link (f, 3, 0); /* not measured yet */
  for (guint n = 0; n < 20; n++)
    g_assert_cmpint (pick_one (f), ==, 1); /* no rate: never full */

  /* the best link fills up: the next one takes the overflow */
  f->sched.links[1].rate_Bps = 1000000;
  f->sched.max_queue_us = 20 * MS;
  fill (f, 1);
  g_assert_cmpint (pick_one (f), ==, 0);
  f->sched.links[0].rate_Bps = 1000000;
  fill (f, 0);
  g_assert_cmpint (pick_one (f), ==, 2);
  f->sched.links[2].rate_Bps = 1000000;
  fill (f, 2);
  g_assert_cmpint (pick_one (f), ==, 3);
  /* all full: the lowest RTT anyway */
  f->sched.links[3].rate_Bps = 1000000;
  fill (f, 3);
  g_assert_cmpint (pick_one (f), ==, 1);
  /* the queues drain: back to the best */
  f->now += 100 * MS;
  g_assert_cmpint (pick_one (f), ==, 1);
  /* a better link appears */
  add_link (f, 9, 2);
  g_assert_cmpint (pick_one (f), ==, 9);
  /* degraded links only when nothing is up */
  f->sched.links[9].state = TTTD_LINK_DEGRADED;
  g_assert_cmpint (pick_one (f), ==, 1);
}

static void
test_metered_overflow (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_METERED_OVERFLOW);
  f->sched.max_queue_us = 20 * MS;
  f->sched.metered_queue_us = 40 * MS;
  add_link (f, 0, 10)->metered = TRUE;     /* LTE: fast but paid */
  add_link (f, 1, 40)->rate_Bps = 1000000; /* Wi-Fi */
  add_link (f, 2, 10)->metered = TRUE;
  for (guint n = 0; n < 10; n++)
    {
      g_assert_cmpint (pick_one (f), ==, 1);
      tttd_scheduler_sent (&f->sched, 1, 100, f->now);
    }
  /* a queue past max_queue but short of metered_queue is a burst: not worth paying for */
  fill (f, 1);
  g_assert_cmpint (pick_one (f), ==, 1);
  f->sched.metered_queue_us = 20 * MS;
  /* the unmetered link is full: the metered ones carry the overflow */
  fill (f, 1);
  {
    gint i = pick_one (f);
    g_assert_true (i == 0 || i == 2);
  }
  /* it drains: the metered ones are idle again */
  f->now += 200 * MS;
  g_assert_cmpint (pick_one (f), ==, 1);
  /* it goes down: the metered ones, at once */
  f->sched.links[1].state = TTTD_LINK_DOWN;
  {
    gint i = pick_one (f);
    g_assert_true (i == 0 || i == 2);
  }
  f->sched.links[1].state = TTTD_LINK_UP;
  g_assert_cmpint (pick_one (f), ==, 1);
  /* with two unmetered links the metered ones wait for both to be full */
  add_link (f, 3, 60)->rate_Bps = 1000000;
  fill (f, 1);
  g_assert_cmpint (pick_one (f), ==, 3);
  fill (f, 3);
  {
    gint i = pick_one (f);
    g_assert_true (i == 0 || i == 2);
  }
}

static void
test_flow_hash (Fixture *f, gconstpointer data)
{
  const guint n_flows = 4000;
  g_autofree guint32 *hashes = g_new (guint32, n_flows);
  g_autofree guint8 *before = g_new0 (guint8, n_flows);
  guint counts[4] = { 0 }, moved_to[4] = { 0 };

  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_FLOW_HASH);
  add_link (f, 0, 10);
  add_link (f, 1, 20);
  add_link (f, 2, 30);
  add_link (f, 3, 40);
  for (guint n = 0; n < n_flows; n++)
    {
      do
        hashes[n] = (guint32) g_test_rand_int ();
      while (hashes[n] == 0);
      f->packet.flow_hash = hashes[n];
      before[n] = (guint8) pick_one (f);
      counts[before[n]]++;
      /* the same flow stays where it is, packet after packet */
      for (guint k = 0; k < 3; k++)
        g_assert_cmpint (pick_one (f), ==, before[n]);
    }
  /* each link gets a fair part of the flows (25% each expected), whatever
   * its RTT */
  for (guint i = 0; i < 4; i++)
    {
      g_test_message ("link %u: %u flows", i, counts[i]);
      g_assert_cmpuint (counts[i], >, n_flows * 18 / 100);
      g_assert_cmpuint (counts[i], <, n_flows * 32 / 100);
    }

  /* link 2 dies: only its flows move, and they spread over the others */
  f->sched.links[2].state = TTTD_LINK_DOWN;
  for (guint n = 0; n < n_flows; n++)
    {
      gint now_on;
      f->packet.flow_hash = hashes[n];
      now_on = pick_one (f);
      if (before[n] != 2)
        g_assert_cmpint (now_on, ==, before[n]);
      else
        {
          g_assert_cmpint (now_on, !=, 2);
          moved_to[now_on]++;
        }
    }
  for (guint i = 0; i < 4; i++)
    if (i != 2)
      {
        g_test_message ("link 2's flows to link %u: %u", i, moved_to[i]);
        g_assert_cmpuint (moved_to[i], >, counts[2] / 6);
      }

  /* it comes back: every flow is where it was at first */
  f->sched.links[2].state = TTTD_LINK_UP;
  for (guint n = 0; n < n_flows; n++)
    {
      f->packet.flow_hash = hashes[n];
      g_assert_cmpint (pick_one (f), ==, before[n]);
    }

  /* a new link takes flows only for itself: nothing moves between the
   * old ones */
  add_link (f, 7, 10);
  for (guint n = 0; n < n_flows; n++)
    {
      gint now_on;
      f->packet.flow_hash = hashes[n];
      now_on = pick_one (f);
      g_assert_true (now_on == before[n] || now_on == 7);
    }

  /* no flow (a fragment): still one usable link */
  f->packet.flow_hash = 0;
  g_assert_cmpint (pick_one (f), >=, 0);
}

static void
test_adaptive_earliest (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  add_link (f, 0, 40);
  add_link (f, 1, 20);
  add_link (f, 2, 30);
  add_link (f, 3, 0); /* unmeasured: assumed slow */
  for (guint n = 0; n < 10; n++)
    g_assert_cmpint (pick_one (f), ==, 1);

  /* a queue on the fastest link: the next one arrives first */
  f->sched.links[1].rate_Bps = 1000000;
  f->sched.links[2].rate_Bps = 1000000;
  for (guint n = 0; n < 5; n++)
    tttd_scheduler_sent (&f->sched, 1, 1250, f->now); /* 6.25 ms queued */
  g_assert_cmpint (pick_one (f), ==, 2);
  f->now += 10 * MS;
  g_assert_cmpint (pick_one (f), ==, 1);

  /* a degraded link still counts, unless it is too lossy */
  f->sched.links[1].state = TTTD_LINK_DEGRADED;
  g_assert_cmpint (pick_one (f), ==, 1);
  f->sched.links[1].loss = 0.5;
  g_assert_cmpint (pick_one (f), ==, 2);
}

static void
test_adaptive_spread (Fixture *f, gconstpointer data)
{
  guint counts[2] = { 0 };

  /* two equal links, loaded to what they carry together: both are used */
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  add_link (f, 0, 20)->rate_Bps = 1000000;
  add_link (f, 1, 20)->rate_Bps = 1000000;
  for (guint n = 0; n < 1000; n++)
    {
      gint i = pick_one (f);
      counts[i]++;
      tttd_scheduler_sent (&f->sched, i, f->packet.wire_len, f->now);
      f->now += 625; /* 1250 bytes every 625 us: 2 MB/s */
    }
  g_test_message ("equal links: %u/%u", counts[0], counts[1]);
  g_assert_cmpuint (counts[0], >=, 450);
  g_assert_cmpuint (counts[0], <=, 550);

  /* a ten times faster link carries most of it */
  memset (counts, 0, sizeof counts);
  f->now += SEC;
  f->sched.links[0].rate_Bps = 10000000;
  for (guint n = 0; n < 2000; n++)
    {
      gint i = pick_one (f);
      counts[i]++;
      tttd_scheduler_sent (&f->sched, i, f->packet.wire_len, f->now);
      f->now += 100; /* 12.5 MB/s offered: more than the fast one carries */
    }
  g_test_message ("10:1 links: %u/%u", counts[0], counts[1]);
  g_assert_cmpuint (counts[0], >=, 1700);
  g_assert_cmpuint (counts[1], >=, 100);
}

static void
test_adaptive_exclude (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  f->sched.rtt_cutoff = 3.0;
  f->sched.loss_cutoff = 0.2;
  add_link (f, 0, 10)->rate_Bps = 1000000;
  add_link (f, 1, 100); /* far slower than 3 x 10 ms + 20 ms */
  /* even with 200 ms queued on the fast link, the far slower one stays out */
  for (guint n = 0; n < 160; n++)
    tttd_scheduler_sent (&f->sched, 0, 1250, f->now);
  g_assert_cmpint (tttd_scheduler_queue_delay (&f->sched, 0, f->now), ==, 200 * MS);
  g_assert_cmpint (pick_one (f), ==, 0);
  /* one within the margin is used instead */
  add_link (f, 2, 45);
  g_assert_cmpint (pick_one (f), ==, 2);
  /* with the fast one gone, the slow ones compete normally */
  f->sched.links[0].state = TTTD_LINK_DOWN;
  g_assert_cmpint (pick_one (f), ==, 2);
  f->sched.links[2].state = TTTD_LINK_DOWN;
  g_assert_cmpint (pick_one (f), ==, 1);
}

static void
test_adaptive_lossy (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  add_link (f, 0, 10)->loss = 0.5;
  add_link (f, 1, 30)->loss = 0.01;
  add_link (f, 2, 20)->loss = 0.25;
  for (guint n = 0; n < 10; n++)
    g_assert_cmpint (pick_one (f), ==, 1);
  /* the loss recovers */
  f->sched.links[0].loss = 0.0;
  g_assert_cmpint (pick_one (f), ==, 0);
  /* all lossy: better a lossy link than none */
  f->sched.links[0].loss = 0.9;
  f->sched.links[1].loss = 0.9;
  f->sched.links[2].loss = 0.9;
  g_assert_cmpint (pick_one (f), ==, 0);
}

static void
test_adaptive_critical (Fixture *f, gconstpointer data)
{
  tttd_scheduler_set_strategy (&f->sched, TTTD_STRATEGY_ADAPTIVE);
  add_link (f, 4, 30);
  add_link (f, 5, 10);
  add_link (f, 6, 20);
  g_assert_cmpint (pick_one (f), ==, 5);
  /* latency-critical packets go twice, on the two earliest links */
  f->packet.flags = TTTD_PACKET_LATENCY_CRITICAL;
  g_assert_cmpuint (pick (f), ==, (1u << 5) | (1u << 6));
  /* the first copy never on a link left out for loss; the second may go
   * there, as it only adds to the chance that one arrives */
  f->sched.links[5].loss = 0.5;
  g_assert_cmpuint (pick (f), ==, (1u << 6) | (1u << 5));
  f->packet.flags = 0;
  g_assert_cmpuint (pick (f), ==, 1u << 6);
  f->packet.flags = TTTD_PACKET_LATENCY_CRITICAL;
  f->sched.links[5].loss = 0.0;
  /* nor on a link far slower than the best */
  f->sched.links[6].srtt_us = 400000;
  g_assert_cmpuint (pick (f), ==, (1u << 5) | (1u << 4));
  f->sched.links[6].srtt_us = 20000;
  /* a single link: once */
  f->sched.links[4].state = TTTD_LINK_DOWN;
  f->sched.links[6].state = TTTD_LINK_DOWN;
  g_assert_cmpuint (pick (f), ==, 1u << 5);
  /* an ordinary packet: once */
  f->sched.links[4].state = TTTD_LINK_UP;
  f->packet.flags = 0;
  g_assert_cmpuint (pick (f), ==, 1u << 5);
}

static void
test_probing_start (Fixture *f, gconstpointer data)
{
  /* at start nothing is measured: the first packets still flow */
  for (guint s = 0; s < TTTD_STRATEGY_COUNT; s++)
    {
      fixture_setup (f, NULL);
      tttd_scheduler_set_strategy (&f->sched, s);
      add_link (f, 0, 0)->state = TTTD_LINK_PROBING;
      add_link (f, 1, 0)->state = TTTD_LINK_PROBING;
      f->packet.flow_hash = 77;
      g_assert_cmpuint (pick (f), !=, 0);
      g_assert_cmpuint (pick (f) & ~3u, ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/sched/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("names", test_names);
  ADD ("usable-mask", test_usable_mask);
  ADD ("never-unusable", test_never_unusable);
  ADD ("balance-rr", test_balance_rr);
  ADD ("weighted", test_weighted);
  ADD ("active-backup", test_active_backup);
  ADD ("active-backup-start", test_active_backup_start);
  ADD ("redundant", test_redundant);
  ADD ("queue", test_queue);
  ADD ("lowest-rtt", test_lowest_rtt);
  ADD ("metered-overflow", test_metered_overflow);
  ADD ("flow-hash", test_flow_hash);
  ADD ("adaptive-earliest", test_adaptive_earliest);
  ADD ("adaptive-spread", test_adaptive_spread);
  ADD ("adaptive-exclude", test_adaptive_exclude);
  ADD ("adaptive-lossy", test_adaptive_lossy);
  ADD ("adaptive-critical", test_adaptive_critical);
  ADD ("probing-start", test_probing_start);
#undef ADD

  return g_test_run ();
}
