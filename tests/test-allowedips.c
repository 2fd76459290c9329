/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit tests of the tunnel-address trie: longest match, overlaps, and a
 * random comparison against a linear scan. */
#include "config.h"

#include <string.h>

#include "tttd-allowedips.h"

typedef struct {
  TttdAllowedIps *table;
  int owners[64];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->table = tttd_allowed_ips_new ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->table, tttd_allowed_ips_free);
}

static TttdPrefix
P (const char *text)
{
  TttdPrefix prefix;

  g_assert_true (tttd_prefix_parse (text, FALSE, &prefix, NULL));
  return prefix;
}

static gpointer
lookup (Fixture *f, const char *address)
{
  TttdPrefix p = P (address);

  return tttd_allowed_ips_lookup (f->table, p.family, p.addr);
}

static gboolean
insert (Fixture *f, const char *text, gpointer owner)
{
  TttdPrefix p = P (text);

  return tttd_allowed_ips_insert (f->table, &p, owner);
}

static gboolean
is (const TttdPrefix *prefix, const char *text)
{
  TttdPrefix p = P (text);

  return tttd_prefix_equal (prefix, &p);
}

static void
test_longest_match (Fixture *f, gconstpointer data)
{
  int *a = &f->owners[0], *b = &f->owners[1], *server = &f->owners[2], *six = &f->owners[3];

  /* a wide prefix with another's host address inside */
  g_assert_true (insert (f, "198.18.200.0/28", a));
  g_assert_true (insert (f, "198.18.200.5/32", b));
  g_assert_true (insert (f, "198.18.200.1/32", server));
  g_assert_true (insert (f, "fd00:198:18::/64", six));
  g_assert_cmpuint (tttd_allowed_ips_count (f->table), ==, 4);
  g_assert_true (lookup (f, "198.18.200.5") == b);
  g_assert_true (lookup (f, "198.18.200.1") == server);
  g_assert_true (lookup (f, "198.18.200.0") == a);
  g_assert_true (lookup (f, "198.18.200.4") == a);
  g_assert_true (lookup (f, "198.18.200.6") == a);
  g_assert_true (lookup (f, "198.18.200.15") == a);
  g_assert_null (lookup (f, "198.18.200.16"));
  g_assert_null (lookup (f, "198.18.201.5"));
  g_assert_true (lookup (f, "fd00:198:18::5") == six);
  g_assert_null (lookup (f, "fd00:198:19::5"));
  /* one family never answers for the other: ::c612:c805 is not 198.18.200.5 */
  g_assert_null (lookup (f, "::c612:c805"));
  /* the same prefix twice: refused, the first owner stays */
  g_assert_false (insert (f, "198.18.200.5/32", a));
  g_assert_true (lookup (f, "198.18.200.5") == b);
  /* host bits are ignored */
  g_assert_false (insert (f, "198.18.200.3/28", b));
}

static void
test_insert_orders (Fixture *f, gconstpointer data)
{
  /* wider after narrower, narrower after wider, siblings: the same answers */
  static const char *const prefixes[] = { "198.0.0.0/8",  "198.1.0.0/16", "198.1.2.0/24",
                                          "198.1.2.3/32", "198.2.0.0/16", "0.0.0.0/0" };
  static const struct {
    const char *address;
    guint owner;
  } expect[] = {
    { "198.1.2.3", 3 }, { "198.1.2.4", 2 }, { "198.1.3.4", 1 },
    { "198.2.9.9", 4 }, { "198.3.0.0", 0 }, { "199.0.0.0", 5 },
  };
  guint orders[][6] = { { 0, 1, 2, 3, 4, 5 }, { 5, 4, 3, 2, 1, 0 }, { 3, 0, 4, 2, 5, 1 } };

  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      tttd_allowed_ips_clear (f->table);
      for (guint i = 0; i < 6; i++)
        {
          TttdPrefix p = P (prefixes[orders[o][i]]);
          g_assert_true (tttd_allowed_ips_insert (f->table, &p, &f->owners[orders[o][i]]));
        }
      for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
        g_assert_true (lookup (f, expect[i].address) == &f->owners[expect[i].owner]);
    }
}

static void
test_overlap (Fixture *f, gconstpointer data)
{
  TttdPrefix found, p;
  int *a = &f->owners[0], *b = &f->owners[1];

  p = P ("198.18.200.0/28");
  g_assert_true (tttd_allowed_ips_insert (f->table, &p, a));
  p = P ("198.18.200.64/32");
  g_assert_true (tttd_allowed_ips_insert (f->table, &p, b));
  /* inside a's */
  p = P ("198.18.200.5/32");
  g_assert_true (tttd_allowed_ips_find_overlap (f->table, &p, &found) == a);
  g_assert_true (is (&found, "198.18.200.0/28"));
  /* holding a's (and b's) */
  p = P ("198.18.200.0/24");
  g_assert_nonnull (tttd_allowed_ips_find_overlap (f->table, &p, &found));
  p = P ("198.18.200.64/26");
  g_assert_true (tttd_allowed_ips_find_overlap (f->table, &p, &found) == b);
  g_assert_true (is (&found, "198.18.200.64/32"));
  /* equal */
  p = P ("198.18.200.0/28");
  g_assert_true (tttd_allowed_ips_find_overlap (f->table, &p, NULL) == a);
  /* next door: none */
  p = P ("198.18.200.16/28");
  g_assert_null (tttd_allowed_ips_find_overlap (f->table, &p, NULL));
  p = P ("198.18.200.65/32");
  g_assert_null (tttd_allowed_ips_find_overlap (f->table, &p, NULL));
  p = P ("198.18.200.32/27");
  g_assert_null (tttd_allowed_ips_find_overlap (f->table, &p, NULL));
  p = P ("fd00::/8");
  g_assert_null (tttd_allowed_ips_find_overlap (f->table, &p, NULL));
  /* everything overlaps the default route */
  p = P ("0.0.0.0/0");
  g_assert_nonnull (tttd_allowed_ips_find_overlap (f->table, &p, NULL));
}

/* a linear scan gives the reference answers */
typedef struct {
  TttdPrefix prefix;
  gpointer owner;
} Ref;

static void
random_prefix (GRand *rand, int family, TttdPrefix *p)
{
  guint len = family == AF_INET ? 4 : 16;

  memset (p, 0, sizeof *p);
  p->family = (guint8) family;
  /* few distinct leading bits, so that prefixes nest and collide */
  for (guint i = 0; i < len; i++)
    p->addr[i] = (guint8) (i < len - 2 ? 0 : g_rand_int_range (rand, 0, 4) << 6);
  p->addr[len - 1] |= (guint8) g_rand_int_range (rand, 0, 8);
  p->prefix = (guint8) g_rand_int_range (rand, (gint) len * 8 - 16, (gint) len * 8 + 1);
}

static void
test_random (Fixture *f, gconstpointer data)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261202);
  int family = GPOINTER_TO_INT (data);

  for (guint round = 0; round < 50; round++)
    {
      g_autoptr (GArray) refs = g_array_new (FALSE, FALSE, sizeof (Ref));
      tttd_allowed_ips_clear (f->table);
      for (guint i = 0; i < 40; i++)
        {
          Ref r;
          gboolean dup = FALSE;
          TttdPrefix found;
          gpointer overlap = NULL;

          random_prefix (rand, family, &r.prefix);
          for (guint b = r.prefix.prefix; b < 128; b++)
            r.prefix.addr[b / 8] &= (guint8) ~(0x80 >> (b % 8));
          r.owner = &f->owners[i];
          for (guint j = 0; j < refs->len; j++)
            {
              const Ref *o = &g_array_index (refs, Ref, j);
              if (tttd_prefix_equal (&o->prefix, &r.prefix))
                dup = TRUE;
              if (tttd_prefix_contains (&o->prefix, family, r.prefix.addr) ||
                  tttd_prefix_contains (&r.prefix, family, o->prefix.addr))
                overlap = o->owner;
            }
          g_assert_true ((tttd_allowed_ips_find_overlap (f->table, &r.prefix, &found) != NULL) == (overlap != NULL));
          g_assert_cmpint (tttd_allowed_ips_insert (f->table, &r.prefix, r.owner), ==, !dup);
          if (!dup)
            g_array_append_val (refs, r);
        }
      for (guint probe = 0; probe < 200; probe++)
        {
          TttdPrefix q;
          gpointer best = NULL;
          gint best_len = -1;
          random_prefix (rand, family, &q);
          for (guint j = 0; j < refs->len; j++)
            {
              const Ref *o = &g_array_index (refs, Ref, j);
              if (tttd_prefix_contains (&o->prefix, family, q.addr) && o->prefix.prefix > best_len)
                {
                  best = o->owner;
                  best_len = o->prefix.prefix;
                }
            }
          g_assert_true (tttd_allowed_ips_lookup (f->table, family, q.addr) == best);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/tttd/allowedips/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("longest-match", test_longest_match, NULL);
  ADD ("insert-orders", test_insert_orders, NULL);
  ADD ("overlap", test_overlap, NULL);
  ADD ("random-v4", test_random, GINT_TO_POINTER (AF_INET));
  ADD ("random-v6", test_random, GINT_TO_POINTER (AF_INET6));
#undef ADD

  return g_test_run ();
}
