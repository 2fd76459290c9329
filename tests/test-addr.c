/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "tttd-addr.h"
#include "tttd-error.h"

typedef struct {
  TttdPrefix prefix;
  TttdSockaddr sa;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
}

static void
assert_v4 (const guint8 *addr, const char *text)
{
  guint8 want[4];

  g_assert_cmpint (inet_pton (AF_INET, text, want), ==, 1);
  g_assert_cmpmem (addr, 4, want, 4);
}

static void
assert_v6 (const guint8 *addr, const char *text)
{
  guint8 want[16];

  g_assert_cmpint (inet_pton (AF_INET6, text, want), ==, 1);
  g_assert_cmpmem (addr, 16, want, 16);
}

static void
test_prefix_parse_v4 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (tttd_prefix_parse ("198.18.200.2/24", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.family, ==, AF_INET);
  g_assert_cmpuint (f->prefix.prefix, ==, 24);
  g_assert_cmpuint (tttd_prefix_addr_len (&f->prefix), ==, 4);
  /* an interface address keeps its host bits */
  assert_v4 (f->prefix.addr, "198.18.200.2");
  text = tttd_prefix_to_string (&f->prefix);
  g_assert_cmpstr (text, ==, "198.18.200.2/24");

  /* surrounding blanks are fine, a missing prefix means a host */
  g_assert_true (tttd_prefix_parse ("  198.19.0.1 ", FALSE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.prefix, ==, 32);
  assert_v4 (f->prefix.addr, "198.19.0.1");

  g_assert_true (tttd_prefix_parse ("0.0.0.0/0", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.prefix, ==, 0);
  g_assert_true (tttd_prefix_parse ("198.18.0.1/32", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.prefix, ==, 32);
}

static void
test_prefix_parse_v6 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (tttd_prefix_parse ("2001:db8::2/64", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.family, ==, AF_INET6);
  g_assert_cmpuint (f->prefix.prefix, ==, 64);
  g_assert_cmpuint (tttd_prefix_addr_len (&f->prefix), ==, 16);
  assert_v6 (f->prefix.addr, "2001:db8::2");
  text = tttd_prefix_to_string (&f->prefix);
  g_assert_cmpstr (text, ==, "2001:db8::2/64");

  g_assert_true (tttd_prefix_parse ("fd00::1", FALSE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.prefix, ==, 128);
  g_assert_true (tttd_prefix_parse ("::/0", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.prefix, ==, 0);
  g_assert_true (tttd_prefix_parse ("::ffff:198.18.0.1/128", TRUE, &f->prefix, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->prefix.family, ==, AF_INET6);
}

static void
test_prefix_parse_bad (Fixture *f, gconstpointer data)
{
  const char *bad[] = {
    "",
    " ",
    "/24",
    "198.18.0.1/",
    "198.18.0.1/33",
    "198.18.0.1/-1",
    "198.18.0.1/+8",
    "198.18.0.1/8x",
    "198.18.0.1/ 8",
    "198.18.0.256/24",
    "198.18.0/24",
    "198.18.0.1.1",
    "2001:db8::1/129",
    "2001:db8:::1/64",
    "2001:db8::g/64",
    "fe80::1%eth0/64",
    "host.example/24",
    "198.18.0.1/24/8",
    "[2001:db8::1]/64",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("prefix '%s'", bad[i]);
      g_assert_false (tttd_prefix_parse (bad[i], FALSE, &f->prefix, &error));
      g_assert_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT);
    }

  /* when required, a bare address is refused and the message says why */
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (tttd_prefix_parse ("198.18.0.0", TRUE, &f->prefix, &error));
    g_assert_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "198.18.0.0"));
    g_assert_nonnull (strstr (error->message, "prefix"));
  }
}

static void
parse_prefix (const char *text, TttdPrefix *out)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (tttd_prefix_parse (text, TRUE, out, &error));
  g_assert_no_error (error);
}

static gboolean
contains (const TttdPrefix *prefix, const char *address)
{
  guint8 addr[16] = { 0 };
  int family = strchr (address, ':') != NULL ? AF_INET6 : AF_INET;

  g_assert_cmpint (inet_pton (family, address, addr), ==, 1);
  return tttd_prefix_contains (prefix, family, addr);
}

static void
test_prefix_contains (Fixture *f, gconstpointer data)
{
  TttdPrefix p;

  /* a prefix that ends inside a byte */
  parse_prefix ("198.18.16.0/20", &p);
  g_assert_true (contains (&p, "198.18.16.0"));
  g_assert_true (contains (&p, "198.18.31.255"));
  g_assert_false (contains (&p, "198.18.32.0"));
  g_assert_false (contains (&p, "198.18.15.255"));
  g_assert_false (contains (&p, "198.19.16.1"));
  /* an IPv6 address is never inside an IPv4 prefix */
  g_assert_false (contains (&p, "::ffff:198.18.16.1"));

  parse_prefix ("198.18.200.2/32", &p);
  g_assert_true (contains (&p, "198.18.200.2"));
  g_assert_false (contains (&p, "198.18.200.3"));

  parse_prefix ("0.0.0.0/0", &p);
  g_assert_true (contains (&p, "255.255.255.255"));
  g_assert_true (contains (&p, "198.18.0.1"));
  g_assert_false (contains (&p, "::1"));

  parse_prefix ("2001:db8:abcd:1200::/55", &p);
  g_assert_true (contains (&p, "2001:db8:abcd:1200::1"));
  g_assert_true (contains (&p, "2001:db8:abcd:13ff:ffff::"));
  g_assert_false (contains (&p, "2001:db8:abcd:1400::"));
  g_assert_false (contains (&p, "198.18.0.1"));

  parse_prefix ("::/0", &p);
  g_assert_true (contains (&p, "2001:db8::1"));

  parse_prefix ("2001:db8::1/128", &p);
  g_assert_true (contains (&p, "2001:db8::1"));
  g_assert_false (contains (&p, "2001:db8::2"));
}

/* what a client takes from the server: host addresses, or prefixes inside
 * its own routes=; the hijack of the review (128.0.0.2/1, 64.0.0.2/2) fails */
static void
test_prefix_assignable (Fixture *f, gconstpointer data)
{
  const char *host[] = { "198.18.200.2/32", "2001:db8::2/128", "128.0.0.2/32" };
  const char *refused[] = { "128.0.0.2/1",     "64.0.0.2/2",     "0.0.0.0/0", "198.18.200.2/24",
                            "198.18.200.2/31", "2001:db8::2/64", "::/0",      "2001:db8::2/127" };
  const char *inside[] = { "198.18.200.2/24", "198.18.200.2/25", "2001:db8::2/64" };
  const char *outside[] = { "198.18.200.2/23", "198.19.0.2/24", "2001:db8::2/63", "2001:db9::2/64" };
  TttdPrefix p, ranges[2];

  for (guint i = 0; i < G_N_ELEMENTS (host); i++)
    {
      parse_prefix (host[i], &p);
      g_assert_true (tttd_prefix_assignable (&p, NULL, 0, NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("%s", refused[i]);
      parse_prefix (refused[i], &p);
      g_assert_false (tttd_prefix_assignable (&p, NULL, 0, &error));
      g_assert_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, refused[i]));
    }
  /* the client's own routes= widen it, to what they cover and no more */
  parse_prefix ("198.18.200.0/24", &ranges[0]);
  parse_prefix ("2001:db8::/64", &ranges[1]);
  for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
    {
      parse_prefix (inside[i], &p);
      g_assert_true (tttd_prefix_assignable (&p, ranges, 2, NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (outside); i++)
    {
      g_test_message ("%s", outside[i]);
      parse_prefix (outside[i], &p);
      g_assert_false (tttd_prefix_assignable (&p, ranges, 2, NULL));
    }
  parse_prefix ("128.0.0.2/1", &p);
  g_assert_false (tttd_prefix_assignable (&p, ranges, 2, NULL));
}

static void
test_prefix_equal (Fixture *f, gconstpointer data)
{
  TttdPrefix a, b;

  parse_prefix ("198.18.0.0/15", &a);
  parse_prefix (" 198.18.0.0/15", &b);
  g_assert_true (tttd_prefix_equal (&a, &b));
  parse_prefix ("198.18.0.0/16", &b);
  g_assert_false (tttd_prefix_equal (&a, &b));
  parse_prefix ("198.18.0.1/15", &b);
  g_assert_false (tttd_prefix_equal (&a, &b));
  /* same bytes, other family */
  parse_prefix ("c612::/15", &b);
  g_assert_false (tttd_prefix_equal (&a, &b));
  parse_prefix ("2001:db8::/32", &a);
  parse_prefix ("2001:0db8:0::/32", &b);
  g_assert_true (tttd_prefix_equal (&a, &b));
  parse_prefix ("2001:db8::1/32", &b);
  g_assert_false (tttd_prefix_equal (&a, &b));
}

static void
parse_endpoint (Fixture *f, const char *text, const char *expected, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *back = NULL;

  g_test_message ("endpoint '%s'", text);
  g_assert_true (tttd_sockaddr_parse (text, 5800, &f->sa, &error));
  g_assert_no_error (error);
  back = tttd_sockaddr_to_string (&f->sa);
  g_assert_cmpstr (back, ==, expected);
  g_assert_cmpuint (tttd_sockaddr_port (&f->sa), ==, port);
}

static void
test_endpoint_parse (Fixture *f, gconstpointer data)
{
  parse_endpoint (f, "203.0.113.7:5801", "203.0.113.7:5801", 5801);
  g_assert_cmpuint (f->sa.sa.sa_family, ==, AF_INET);
  g_assert_cmpuint (tttd_sockaddr_len (&f->sa), ==, sizeof (struct sockaddr_in));
  g_assert_cmpuint (ntohl (f->sa.in4.sin_addr.s_addr), ==, 0xcb007107);

  parse_endpoint (f, "203.0.113.7", "203.0.113.7:5800", 5800);
  parse_endpoint (f, " 198.18.0.1:1 ", "198.18.0.1:1", 1);
  parse_endpoint (f, "0.0.0.0:65535", "0.0.0.0:65535", 65535);

  parse_endpoint (f, "[2001:db8::7]:443", "[2001:db8::7]:443", 443);
  g_assert_cmpuint (f->sa.sa.sa_family, ==, AF_INET6);
  g_assert_cmpuint (tttd_sockaddr_len (&f->sa), ==, sizeof (struct sockaddr_in6));
  parse_endpoint (f, "[2001:db8::7]", "[2001:db8::7]:5800", 5800);
  /* a bare IPv6 address has no port: every colon belongs to it */
  parse_endpoint (f, "2001:db8::7", "[2001:db8::7]:5800", 5800);
  parse_endpoint (f, "::", "[::]:5800", 5800);
  parse_endpoint (f, "[::]:5800", "[::]:5800", 5800);
}

static void
test_endpoint_parse_bad (Fixture *f, gconstpointer data)
{
  const char *bad[] = {
    "",
    "   ",
    ":5800",
    "203.0.113.7:",
    "203.0.113.7:0",
    "203.0.113.7:65536",
    "203.0.113.7:-1",
    "203.0.113.7:+80",
    "203.0.113.7:80x",
    "203.0.113.7:http",
    "203.0.113.256:80",
    "vpn.example.org:5800",
    "vpn.example.org",
    "[2001:db8::7",
    "[2001:db8::7]:",
    "[2001:db8::7]5800",
    "[2001:db8::7]:0",
    "[2001:db8::7]:99999",
    "[]:5800",
    "[vpn]:5800",
    "2001:db8:::7",
    "fe80::1%eth0",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("endpoint '%s'", bad[i]);
      g_assert_false (tttd_sockaddr_parse (bad[i], 5800, &f->sa, &error));
      g_assert_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_endpoint_equal (Fixture *f, gconstpointer data)
{
  TttdSockaddr a, b;

  g_assert_true (tttd_sockaddr_parse ("198.18.0.1:5800", 1, &a, NULL));
  g_assert_true (tttd_sockaddr_parse ("198.18.0.1", 5800, &b, NULL));
  g_assert_true (tttd_sockaddr_equal (&a, &b));
  g_assert_true (tttd_sockaddr_parse ("198.18.0.1:5801", 1, &b, NULL));
  g_assert_false (tttd_sockaddr_equal (&a, &b));
  g_assert_true (tttd_sockaddr_parse ("198.18.0.2:5800", 1, &b, NULL));
  g_assert_false (tttd_sockaddr_equal (&a, &b));
  g_assert_true (tttd_sockaddr_parse ("[::ffff:198.18.0.1]:5800", 1, &b, NULL));
  g_assert_false (tttd_sockaddr_equal (&a, &b));

  g_assert_true (tttd_sockaddr_parse ("[2001:db8::1]:5800", 1, &a, NULL));
  g_assert_true (tttd_sockaddr_parse ("2001:0db8:0:0::1", 5800, &b, NULL));
  g_assert_true (tttd_sockaddr_equal (&a, &b));
  b.in6.sin6_scope_id = 3;
  g_assert_false (tttd_sockaddr_equal (&a, &b));
  g_assert_true (tttd_sockaddr_parse ("[2001:db8::2]:5800", 1, &b, NULL));
  g_assert_false (tttd_sockaddr_equal (&a, &b));

  /* an unset address prints as such */
  memset (&a, 0, sizeof a);
  {
    g_autofree char *text = tttd_sockaddr_to_string (&a);
    g_assert_cmpstr (text, ==, "(none)");
  }
}

static void
test_glob_list (Fixture *f, gconstpointer data)
{
  const char *ignore[] = { "lo", "ttt*", NULL };
  const char *match[] = { "wl?0", "enp*s0", "wwan[0]", NULL };
  const char *all[] = { "*", NULL };
  const char *none[] = { NULL };

  g_assert_true (tttd_glob_list_match ((char **) ignore, "lo"));
  g_assert_true (tttd_glob_list_match ((char **) ignore, "ttt0"));
  g_assert_true (tttd_glob_list_match ((char **) ignore, "ttt"));
  g_assert_false (tttd_glob_list_match ((char **) ignore, "lo0"));
  g_assert_false (tttd_glob_list_match ((char **) ignore, "xttt0"));
  g_assert_false (tttd_glob_list_match ((char **) ignore, "wlan0"));

  g_assert_true (tttd_glob_list_match ((char **) match, "wlp0"));
  g_assert_false (tttd_glob_list_match ((char **) match, "wlan0"));
  g_assert_true (tttd_glob_list_match ((char **) match, "enp3s0"));
  g_assert_false (tttd_glob_list_match ((char **) match, "enp3s1"));
  /* g_pattern has no character classes: brackets are literal */
  g_assert_false (tttd_glob_list_match ((char **) match, "wwan0"));
  g_assert_true (tttd_glob_list_match ((char **) match, "wwan[0]"));

  g_assert_true (tttd_glob_list_match ((char **) all, "usb0"));
  g_assert_false (tttd_glob_list_match ((char **) none, "usb0"));
  g_assert_false (tttd_glob_list_match (NULL, "usb0"));
}

static void
test_addr_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) table = g_hash_table_new (tttd_addr_key_hash, tttd_addr_key_equal);
  TttdAddrKey a, b, zero4, zero6;
  TttdSockaddr sa;
  guint8 raw[16];

  /* the port does not matter: a key names an address */
  g_assert_true (tttd_sockaddr_parse ("198.18.0.1:5800", 1, &sa, NULL));
  tttd_addr_key_from_sockaddr (&a, &sa);
  g_assert_true (tttd_sockaddr_parse ("198.18.0.1:9", 1, &sa, NULL));
  tttd_addr_key_from_sockaddr (&b, &sa);
  g_assert_true (tttd_addr_key_equal (&a, &b));
  g_assert_cmpuint (tttd_addr_key_hash (&a), ==, tttd_addr_key_hash (&b));
  /* from raw bytes, the same; IPv4 is padded with zeros */
  memset (raw, 0xee, sizeof raw);
  g_assert_cmpint (inet_pton (AF_INET, "198.18.0.1", raw), ==, 1);
  tttd_addr_key_init (&b, AF_INET, raw);
  g_assert_true (tttd_addr_key_equal (&a, &b));
  for (guint i = 4; i < 16; i++)
    g_assert_cmpuint (b.addr[i], ==, 0);
  g_assert_true (tttd_sockaddr_parse ("198.18.0.2:5800", 1, &sa, NULL));
  tttd_addr_key_from_sockaddr (&b, &sa);
  g_assert_false (tttd_addr_key_equal (&a, &b));

  g_assert_true (tttd_sockaddr_parse ("[2001:db8::1]:5800", 1, &sa, NULL));
  tttd_addr_key_from_sockaddr (&b, &sa);
  g_assert_cmpuint (b.family, ==, AF_INET6);
  g_assert_cmpint (inet_pton (AF_INET6, "2001:db8::1", raw), ==, 1);
  g_assert_cmpmem (b.addr, 16, raw, 16);
  g_assert_false (tttd_addr_key_equal (&a, &b));

  /* the same bytes in another family are another address */
  memset (raw, 0, sizeof raw);
  tttd_addr_key_init (&zero4, AF_INET, raw);
  tttd_addr_key_init (&zero6, AF_INET6, raw);
  g_assert_false (tttd_addr_key_equal (&zero4, &zero6));

  g_hash_table_add (table, &a);
  g_hash_table_add (table, &b);
  g_hash_table_add (table, &zero4);
  g_assert_true (g_hash_table_contains (table, &zero4));
  g_assert_false (g_hash_table_contains (table, &zero6));
  g_assert_true (tttd_sockaddr_parse ("198.18.0.1:1234", 1, &sa, NULL));
  {
    TttdAddrKey lookup;
    tttd_addr_key_from_sockaddr (&lookup, &sa);
    g_assert_true (g_hash_table_lookup (table, &lookup) == &a);
  }
}

static void
test_prefix_canonical (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *text;
    gboolean canonical;
  } cases[] = {
    { "198.18.200.0/28", TRUE },    { "198.18.200.5/28", FALSE },    { "198.18.200.16/28", TRUE },
    { "198.18.200.5/32", TRUE },    { "198.18.200.5/31", FALSE },    { "198.18.200.4/31", TRUE },
    { "0.0.0.0/0", TRUE },          { "198.18.0.0/0", FALSE },       { "198.18.128.0/17", TRUE },
    { "198.18.128.0/16", FALSE },   { "fd00:198:18::/64", TRUE },    { "fd00:198:18::1/64", FALSE },
    { "fd00:198:18::1/128", TRUE }, { "fd00:198:18::1/127", FALSE }, { "fd00::/7", FALSE },
    { "fc00::/7", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_true (tttd_prefix_parse (cases[i].text, TRUE, &f->prefix, NULL));
      if (tttd_prefix_is_canonical (&f->prefix) != cases[i].canonical)
        g_error ("%s: canonical %d, want %d", cases[i].text, !cases[i].canonical, cases[i].canonical);
    }
}

/* every pool size hands out addresses inside the pool only */
static void
test_pool_sizes (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *pool;
    guint64 count;
    const char *first, *last;
  } cases[] = {
    { "198.18.201.7/32", 1, "198.18.201.7", "198.18.201.7" },
    { "198.18.201.6/31", 2, "198.18.201.6", "198.18.201.7" },
    { "198.18.201.4/30", 2, "198.18.201.5", "198.18.201.6" },
    { "198.18.201.0/29", 6, "198.18.201.1", "198.18.201.6" },
    { "198.18.201.0/24", 254, "198.18.201.1", "198.18.201.254" },
    { "198.18.0.0/15", 131070, "198.18.0.1", "198.19.255.254" },
    { "198.0.0.0/8", TTTD_POOL_MAX_HOSTS, "198.0.0.1", "198.16.0.0" },
    { "fd00:198:19::7/128", 1, "fd00:198:19::7", "fd00:198:19::7" },
    { "fd00:198:19::6/127", 2, "fd00:198:19::6", "fd00:198:19::7" },
    { "fd00:198:19::4/126", 3, "fd00:198:19::5", "fd00:198:19::7" },
    { "fd00:198:19::/120", 255, "fd00:198:19::1", "fd00:198:19::ff" },
    { "fd00:198:19::/64", TTTD_POOL_MAX_HOSTS, "fd00:198:19::1", "fd00:198:19::10:0" },
    { "::/0", TTTD_POOL_MAX_HOSTS, "::1", "::10:0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TttdPrefix pool, host, want;
      guint64 first, count;

      g_assert_true (tttd_prefix_parse (cases[i].pool, TRUE, &pool, NULL));
      tttd_prefix_pool_range (&pool, &first, &count);
      g_assert_cmpuint (count, ==, cases[i].count);
      g_assert_true (tttd_prefix_nth_host (&pool, first, &host));
      g_assert_true (tttd_prefix_parse (cases[i].first, FALSE, &want, NULL));
      g_assert_true (tttd_prefix_equal (&host, &want));
      g_assert_true (tttd_prefix_nth_host (&pool, first + count - 1, &host));
      g_assert_true (tttd_prefix_parse (cases[i].last, FALSE, &want, NULL));
      g_assert_true (tttd_prefix_equal (&host, &want));
      g_assert_true (tttd_prefix_contains (&pool, host.family, host.addr));
      /* one past the pool's last address is refused, not wrapped */
      if (pool.prefix >= tttd_prefix_addr_len (&pool) * 8 - 16)
        {
          guint64 size = G_GUINT64_CONSTANT (1) << (tttd_prefix_addr_len (&pool) * 8 - pool.prefix);
          g_assert_false (tttd_prefix_nth_host (&pool, size, &host));
          g_assert_true (tttd_prefix_nth_host (&pool, size - 1, &host));
          g_assert_true (tttd_prefix_contains (&pool, host.family, host.addr));
        }
    }
  /* a pool written with host bits still counts from its network address */
  {
    TttdPrefix pool, host, want;
    g_assert_true (tttd_prefix_parse ("198.18.201.9/29", TRUE, &pool, NULL));
    g_assert_true (tttd_prefix_nth_host (&pool, 1, &host));
    g_assert_true (tttd_prefix_parse ("198.18.201.9", FALSE, &want, NULL));
    g_assert_true (tttd_prefix_equal (&host, &want));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/addr/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("prefix-parse-v4", test_prefix_parse_v4);
  ADD ("prefix-parse-v6", test_prefix_parse_v6);
  ADD ("prefix-parse-bad", test_prefix_parse_bad);
  ADD ("prefix-contains", test_prefix_contains);
  ADD ("prefix-equal", test_prefix_equal);
  ADD ("prefix-assignable", test_prefix_assignable);
  ADD ("endpoint-parse", test_endpoint_parse);
  ADD ("endpoint-parse-bad", test_endpoint_parse_bad);
  ADD ("endpoint-equal", test_endpoint_equal);
  ADD ("glob-list", test_glob_list);
  ADD ("addr-key", test_addr_key);
  ADD ("prefix-canonical", test_prefix_canonical);
  ADD ("pool-sizes", test_pool_sizes);
#undef ADD

  return g_test_run ();
}
