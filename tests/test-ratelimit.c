/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit tests of the handshake token buckets: per source (IPv4 address,
 * IPv6 /64) and for all. */
#include "config.h"

#include <string.h>

#include "tttd-ratelimit.h"

static TttdSockaddr
sockaddr (const char *text)
{
  TttdSockaddr sa;

  g_assert_true (tttd_sockaddr_parse (text, 0, &sa, NULL));
  return sa;
}

static guint
drain (TttdRateLimit *limit, const char *source, guint tries, gint64 now_us)
{
  TttdSockaddr sa = sockaddr (source);
  guint allowed = 0;

  for (guint i = 0; i < tries; i++)
    allowed += tttd_rate_limit_allow (limit, &sa, now_us);
  return allowed;
}

static void
test_per_source (void)
{
  TttdRateLimit *limit = tttd_rate_limit_new (5, 10, 1000, 1000, 100);

  /* the burst, then nothing until it refills */
  g_assert_cmpuint (drain (limit, "198.18.0.2:1000", 20, G_USEC_PER_SEC), ==, 10);
  /* the port is free to pick: it is the same source */
  g_assert_cmpuint (drain (limit, "198.18.0.2:1001", 5, G_USEC_PER_SEC), ==, 0);
  g_assert_cmpuint (drain (limit, "198.18.0.3:1000", 20, G_USEC_PER_SEC), ==, 10);
  /* 5 per second */
  g_assert_cmpuint (drain (limit, "198.18.0.2:1000", 20, 2 * G_USEC_PER_SEC), ==, 5);
  tttd_rate_limit_free (limit);
}

/* an IPv6 host picks addresses from its /64: all of it is one source, so
 * that it cannot take the whole budget */
static void
test_ipv6_per_64 (void)
{
  TttdRateLimit *limit = tttd_rate_limit_new (5, 10, 1000, 1000, 100);
  guint allowed = 0;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *text = g_strdup_printf ("[2001:db8:1:2::%x]:4000", i + 1);
      allowed += drain (limit, text, 1, G_USEC_PER_SEC);
    }
  g_assert_cmpuint (allowed, ==, 10);
  g_assert_cmpuint (tttd_rate_limit_sources (limit), ==, 1);
  /* the next /64 is another source */
  g_assert_cmpuint (drain (limit, "[2001:db8:1:3::1]:4000", 20, G_USEC_PER_SEC), ==, 10);
  tttd_rate_limit_free (limit);
}

static void
test_total (void)
{
  TttdRateLimit *limit = tttd_rate_limit_new (5, 10, 20, 20, 100);
  guint allowed = 0;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("198.18.1.%u:1", i + 1);
      allowed += drain (limit, text, 10, G_USEC_PER_SEC);
    }
  g_assert_cmpuint (allowed, ==, 20);
  tttd_rate_limit_free (limit);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/ratelimit/per-source", test_per_source);
  g_test_add_func ("/tttd/ratelimit/ipv6-per-64", test_ipv6_per_64);
  g_test_add_func ("/tttd/ratelimit/total", test_total);
  return g_test_run ();
}
