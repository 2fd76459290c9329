/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-resend.h"

/* the ring of packets to send again when a link dies */

typedef struct {
  TttdResend resend;
  GArray *seqs; /* what was handed over, in order */
  gboolean payload_ok;
} Fixture;

static const int PEER_A, PEER_B;
#define A (&PEER_A)
#define B (&PEER_B)

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  tttd_resend_init (&f->resend, 8, 64);
  f->seqs = g_array_new (FALSE, FALSE, sizeof (guint32));
  f->payload_ok = TRUE;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tttd_resend_clear (&f->resend);
  g_array_unref (f->seqs);
}

/* a packet's payload: its sequence number, repeated */
static void
note (Fixture *f, gconstpointer owner, guint link, guint32 seq, gint64 now)
{
  guint8 payload[40];

  memset (payload, (int) (seq & 0xff), sizeof payload);
  tttd_resend_note (&f->resend, owner, link, seq, seq * 7, payload, 20 + seq % 20, now);
}

static void
collect (const TttdResendEntry *entry, const guint8 *data, gpointer user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->seqs, entry->seq);
  if (entry->len != 20 + entry->seq % 20 || entry->flow_hash != entry->seq * 7)
    f->payload_ok = FALSE;
  for (guint i = 0; i < entry->len; i++)
    if (data[i] != (entry->seq & 0xff))
      f->payload_ok = FALSE;
}

static guint
take (Fixture *f, gconstpointer owner, guint link, gint64 since)
{
  g_array_set_size (f->seqs, 0);
  return tttd_resend_take (&f->resend, owner, link, since, collect, f);
}

static void
assert_seqs (Fixture *f, guint n, const guint32 *want)
{
  g_assert_true (f->payload_ok);
  g_assert_cmpuint (f->seqs->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (f->seqs, guint32, i), ==, want[i]);
}
#define ASSERT_SEQS(f, ...) \
  G_STMT_START \
  { \
    const guint32 want_[] = { __VA_ARGS__ }; \
    assert_seqs (f, G_N_ELEMENTS (want_), want_); \
  } \
  G_STMT_END

/* nothing is allocated before the first packet, and nothing comes back */
static void
test_empty (Fixture *f, gconstpointer data)
{
  g_assert_null (f->resend.entries);
  g_assert_cmpuint (take (f, A, 0, 0), ==, 0);
  tttd_resend_forget (&f->resend, A);
  note (f, A, 0, 1, 100);
  g_assert_nonnull (f->resend.entries);
}

/* what one link carried since a time comes back oldest first, payload
 * intact, and only once */
static void
test_link_since (Fixture *f, gconstpointer data)
{
  note (f, A, 0, 10, 100);
  note (f, A, 1, 11, 110);
  note (f, A, 0, 12, 120);
  note (f, A, 0, 13, 130);
  note (f, A, 1, 14, 140);
  note (f, A, 0, 15, 150);

  g_assert_cmpuint (take (f, A, 0, 120), ==, 3);
  ASSERT_SEQS (f, 12, 13, 15);
  /* handed over once */
  g_assert_cmpuint (take (f, A, 0, 0), ==, 1);
  ASSERT_SEQS (f, 10);
  g_assert_cmpuint (take (f, A, 0, 0), ==, 0);
  /* the other link's are still there */
  g_assert_cmpuint (take (f, A, 1, 0), ==, 2);
  ASSERT_SEQS (f, 11, 14);
}

/* peers do not see each other's packets; a forgotten peer has none */
static void
test_owners (Fixture *f, gconstpointer data)
{
  note (f, A, 0, 1, 100);
  note (f, B, 0, 1, 100);
  note (f, A, 0, 2, 110);
  note (f, B, 0, 2, 110);
  tttd_resend_forget (&f->resend, B);
  g_assert_cmpuint (take (f, B, 0, 0), ==, 0);
  g_assert_cmpuint (take (f, A, 0, 0), ==, 2);
  ASSERT_SEQS (f, 1, 2);
}

/* the ring keeps the newest: after a wrap, the oldest come first still */
static void
test_wrap (Fixture *f, gconstpointer data)
{
  for (guint32 seq = 0; seq < 8 + 5; seq++)
    note (f, A, 0, seq, 100 + seq);
  g_assert_cmpuint (take (f, A, 0, 0), ==, 8);
  ASSERT_SEQS (f, 5, 6, 7, 8, 9, 10, 11, 12);
}

/* a packet longer than a slot is not kept (and overwrites nothing) */
static void
test_too_long (Fixture *f, gconstpointer data)
{
  guint8 big[65] = { 0 };

  note (f, A, 0, 1, 100);
  tttd_resend_note (&f->resend, A, 0, 2, 0, big, sizeof big, 110);
  tttd_resend_note (&f->resend, NULL, 0, 3, 0, big, 10, 110);
  g_assert_cmpuint (take (f, A, 0, 0), ==, 1);
  ASSERT_SEQS (f, 1);
}

/* random use against a model: every packet handed over was noted for that
 * owner and link, at or after the time asked, at most once, in order */
static void
test_random (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) given = g_hash_table_new (NULL, NULL);
  static guint noted_link[2][20000];
  static gint64 noted_at[2][20000];
  guint32 seq[2] = { 0, 0 };
  gint64 now = 1000;
  guint handed = 0;

  for (guint round = 0; round < 20000; round++)
    {
      guint owner = (guint) g_test_rand_int_range (0, 2);
      guint link = (guint) g_test_rand_int_range (0, 3);
      gconstpointer o = owner ? B : A;

      now += g_test_rand_int_range (0, 10);
      if (g_test_rand_int_range (0, 10) < 8)
        {
          noted_link[owner][seq[owner]] = link;
          noted_at[owner][seq[owner]] = now;
          note (f, o, link, seq[owner]++, now);
          continue;
        }
      gint64 since = now - g_test_rand_int_range (0, 80);
      take (f, o, link, since);
      g_assert_true (f->payload_ok);
      for (guint i = 0; i < f->seqs->len; i++)
        {
          guint32 s = g_array_index (f->seqs, guint32, i);
          guint key = s * 2 + owner + 1;
          g_assert_false (g_hash_table_contains (given, GUINT_TO_POINTER (key)));
          g_hash_table_add (given, GUINT_TO_POINTER (key));
          g_assert_cmpuint (s, <, seq[owner]);
          g_assert_cmpuint (noted_link[owner][s], ==, link);
          g_assert_cmpint (noted_at[owner][s], >=, since);
          handed++;
          if (i > 0)
            g_assert_cmpuint (s, >, g_array_index (f->seqs, guint32, i - 1));
        }
    }
  g_test_message ("%u packets handed over", handed);
  g_assert_cmpuint (handed, >, 0);
}

/* fast retransmission finds a packet by its sequence number: what the
 * ring still holds of this owner, nothing else */
static void
test_lookup (Fixture *f, gconstpointer data)
{
  const guint8 *payload;
  TttdResendEntry *entry;

  g_assert_null (tttd_resend_lookup (&f->resend, A, 1, &payload));
  for (guint32 seq = 1; seq <= 20; seq++)
    note (f, A, seq % 2, seq, seq * 100);
  note (f, B, 0, 1000, 5000);
  /* 8 slots: B's packet and A's last 7 */
  for (guint32 seq = 1; seq <= 20; seq++)
    {
      entry = tttd_resend_lookup (&f->resend, A, seq, &payload);
      if (seq < 14)
        {
          g_assert_null (entry);
          continue;
        }
      g_assert_nonnull (entry);
      g_assert_cmpuint (entry->seq, ==, seq);
      g_assert_cmpuint (entry->link, ==, seq % 2);
      g_assert_cmpint (entry->sent_us, ==, seq * 100);
      g_assert_cmpuint (entry->len, ==, 20 + seq % 20);
      g_assert_false (entry->retransmitted);
      for (guint i = 0; i < entry->len; i++)
        g_assert_cmpuint (payload[i], ==, seq & 0xff);
    }
  /* another owner's sequence numbers are not ours, and ours not theirs */
  g_assert_null (tttd_resend_lookup (&f->resend, A, 1000, &payload));
  g_assert_null (tttd_resend_lookup (&f->resend, B, 20, &payload));
  g_assert_nonnull (tttd_resend_lookup (&f->resend, B, 1000, &payload));
  /* a sequence sharing an index slot with a kept one (the index has 16
   * slots here) is not found in its place */
  g_assert_null (tttd_resend_lookup (&f->resend, A, 20 + 16, &payload));
  /* what a dying link's resend took is gone */
  entry = tttd_resend_lookup (&f->resend, A, 20, &payload);
  entry->retransmitted = TRUE;
  g_assert_cmpuint (take (f, A, 0, 0), ==, 4);
  g_assert_null (tttd_resend_lookup (&f->resend, A, 20, &payload));
  g_assert_nonnull (tttd_resend_lookup (&f->resend, A, 19, &payload));
  /* a new packet in a slot starts with its own state */
  note (f, A, 0, 21, 2200);
  g_assert_false (tttd_resend_lookup (&f->resend, A, 21, &payload)->retransmitted);
  tttd_resend_forget (&f->resend, A);
  g_assert_null (tttd_resend_lookup (&f->resend, A, 21, &payload));
  g_assert_nonnull (tttd_resend_lookup (&f->resend, B, 1000, &payload));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/resend/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("empty", test_empty);
  ADD ("link-since", test_link_since);
  ADD ("owners", test_owners);
  ADD ("wrap", test_wrap);
  ADD ("too-long", test_too_long);
  ADD ("random", test_random);
  ADD ("lookup", test_lookup);
  return g_test_run ();
}
