/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit tests of cookie replies and mac2: only who receives at an address
 * can prove it, the proof goes stale with the server's secret, and the
 * reply is smaller than what it answers. */
#include "config.h"

#include <string.h>

#include "tttd-cookie.h"

#define CLIENT_INDEX 0x01020304u

typedef struct {
  TttdIdentity *client;
  TttdIdentity *server;
  TttdHandshake *hs;
  TttdCookieChecker *checker;
  TttdCookieJar jar;
  TttdSockaddr source;
  guint8 initiation[TTTD_INITIATION_LEN];
  guint8 reply[TTTD_COOKIE_REPLY_LEN];
} Fixture;

static TttdIdentity *
identity_new_random (void)
{
  guint8 priv[32];
  TttdIdentity *identity;

  tttd_key_generate (priv);
  identity = tttd_identity_new (priv);
  g_assert_nonnull (identity);
  return identity;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_assert_true (tttd_crypto_init (NULL));
  memset (f, 0, sizeof *f);
  f->client = identity_new_random ();
  f->server = identity_new_random ();
  f->hs = sodium_malloc (sizeof *f->hs);
  memset (f->hs, 0, sizeof *f->hs);
  f->checker = tttd_cookie_checker_new (f->server->public_key);
  tttd_cookie_jar_init (&f->jar, f->server->public_key);
  g_assert_true (tttd_sockaddr_parse ("198.18.0.2:40000", 0, &f->source, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tttd_identity_free (f->client);
  tttd_identity_free (f->server);
  tttd_cookie_checker_free (f->checker);
  sodium_free (f->hs);
}

/* an initiation as the client sends it: mac2 from the jar */
static void
initiate (Fixture *f, gint64 now_us)
{
  TttdInitPayload payload = { .timestamp_us = (guint64) now_us + 1, .ciphers = TTTD_CIPHER_MASK_ALL };

  g_assert_cmpint (tttd_handshake_create_initiation (f->hs, f->client, f->server->public_key, CLIENT_INDEX, &payload,
                                                     now_us, f->initiation),
                   ==, TTTD_HANDSHAKE_OK);
  tttd_cookie_mac2_write (&f->jar, f->initiation, now_us);
}

static void
get_cookie (Fixture *f, gint64 now_us)
{
  initiate (f, now_us);
  tttd_cookie_reply_create (f->checker, f->initiation, sizeof f->initiation, &f->source, now_us, f->reply);
  g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, now_us), ==,
                   TTTD_HANDSHAKE_OK);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  TttdHeader header;
  TttdInitPayload got;
  TttdHandshake *server_hs = sodium_malloc (sizeof *server_hs);

  /* no cookie yet: mac2 is zero and proves nothing */
  initiate (f, G_USEC_PER_SEC);
  g_assert_true (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  g_assert_false (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, G_USEC_PER_SEC));
  /* the reply names the initiator's index, parses, and is smaller than the
   * initiation (no amplification) */
  tttd_cookie_reply_create (f->checker, f->initiation, sizeof f->initiation, &f->source, G_USEC_PER_SEC, f->reply);
  g_assert_cmpuint (sizeof f->reply, <, sizeof f->initiation);
  g_assert_cmpuint (sizeof f->reply, <=, 64);
  g_assert_cmpint (tttd_header_parse (f->reply, sizeof f->reply, &header), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (header.type, ==, TTTD_MSG_COOKIE_REPLY);
  g_assert_cmpuint (header.receiver, ==, CLIENT_INDEX);
  g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, G_USEC_PER_SEC), ==,
                   TTTD_HANDSHAKE_OK);
  g_assert_true (f->jar.have_cookie);
  /* the next initiation carries mac2, and it checks, from that source */
  initiate (f, 2 * G_USEC_PER_SEC);
  g_assert_false (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  g_assert_true (
    tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, 2 * G_USEC_PER_SEC));
  /* mac2 does not spoil mac1 or the handshake */
  memset (server_hs, 0, sizeof *server_hs);
  g_assert_cmpint (tttd_handshake_consume_initiation (server_hs, f->server, f->initiation, sizeof f->initiation, &got),
                   ==, TTTD_HANDSHAKE_OK);
  /* every byte before it is covered */
  for (gsize i = 0; i < TTTD_INITIATION_LEN; i++)
    {
      guint8 msg[TTTD_INITIATION_LEN];
      memcpy (msg, f->initiation, sizeof msg);
      msg[i] ^= 0x20;
      g_assert_false (tttd_cookie_mac2_check (f->checker, msg, sizeof msg, &f->source, 2 * G_USEC_PER_SEC));
    }
  g_assert_false (
    tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation - 1, &f->source, 2 * G_USEC_PER_SEC));
  sodium_free (server_hs);
}

/* the cookie is the source's: another address, or another port, fails */
static void
test_wrong_address (Fixture *f, gconstpointer data)
{
  const char *others[] = { "198.18.0.3:40000", "198.18.0.2:40001", "[::ffff:198.18.0.2]:40000", "[2001:db8::2]:40000" };
  TttdSockaddr other, v6;

  get_cookie (f, 0);
  initiate (f, 1);
  g_assert_true (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, 1));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_test_message ("%s", others[i]);
      g_assert_true (tttd_sockaddr_parse (others[i], 0, &other, NULL));
      g_assert_false (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &other, 1));
    }
  /* IPv6 sources too, port included */
  g_assert_true (tttd_sockaddr_parse ("[2001:db8::2]:40000", 0, &v6, NULL));
  f->source = v6;
  get_cookie (f, 2);
  initiate (f, 3);
  g_assert_true (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &v6, 3));
  g_assert_true (tttd_sockaddr_parse ("[2001:db8::2]:40001", 0, &other, NULL));
  g_assert_false (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &other, 3));
  g_assert_true (tttd_sockaddr_parse ("[2001:db8::3]:40000", 0, &other, NULL));
  g_assert_false (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &other, 3));
}

/* a new secret every two minutes; a cookie of the previous one still
 * works, one two secrets old does not; the client drops it before */
static void
test_rotation (Fixture *f, gconstpointer data)
{
  const gint64 life = TTTD_COOKIE_SECRET_LIFETIME_US;
  guint8 secret[32];

  get_cookie (f, 0);
  memcpy (secret, f->checker->secret, 32);
  initiate (f, 1);
  g_assert_true (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, life - 1));
  g_assert_cmpmem (secret, 32, f->checker->secret, 32);
  /* rotated: the old secret is the previous one now */
  g_assert_true (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, life));
  g_assert_cmpint (memcmp (secret, f->checker->secret, 32), !=, 0);
  g_assert_cmpmem (secret, 32, f->checker->previous, 32);
  /* a cookie of the new secret works as well */
  get_cookie (f, life + 1);
  initiate (f, life + 2);
  g_assert_false (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  g_assert_true (tttd_cookie_mac2_check (f->checker, f->initiation, sizeof f->initiation, &f->source, life + 2));
  /* two rotations later, a cookie of the first secret is worthless */
  {
    TttdCookieChecker *fresh = tttd_cookie_checker_new (f->server->public_key);
    tttd_cookie_reply_create (fresh, f->initiation, sizeof f->initiation, &f->source, 0, f->reply);
    g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, 0), ==, TTTD_HANDSHAKE_OK);
    initiate (f, 1);
    g_assert_true (tttd_cookie_mac2_check (fresh, f->initiation, sizeof f->initiation, &f->source, 1));
    g_assert_true (tttd_cookie_mac2_check (fresh, f->initiation, sizeof f->initiation, &f->source, life));
    g_assert_false (tttd_cookie_mac2_check (fresh, f->initiation, sizeof f->initiation, &f->source, 2 * life));
    tttd_cookie_checker_free (fresh);
  }
  /* after a long idle time the previous secret is not kept either */
  {
    TttdCookieChecker *idle = tttd_cookie_checker_new (f->server->public_key);
    tttd_cookie_reply_create (idle, f->initiation, sizeof f->initiation, &f->source, 0, f->reply);
    g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, 0), ==, TTTD_HANDSHAKE_OK);
    initiate (f, 1);
    g_assert_false (tttd_cookie_mac2_check (idle, f->initiation, sizeof f->initiation, &f->source, 10 * life));
    g_assert_false (idle->have_previous);
    tttd_cookie_checker_free (idle);
  }
  /* the client stops using a cookie before the server may drop it */
  get_cookie (f, 0);
  initiate (f, TTTD_COOKIE_LIFETIME_US - 1);
  g_assert_false (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  initiate (f, TTTD_COOKIE_LIFETIME_US);
  g_assert_true (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  g_assert_false (f->jar.have_cookie);
  g_assert_cmpint (TTTD_COOKIE_LIFETIME_US, <, TTTD_COOKIE_SECRET_LIFETIME_US);
}

/* a reply opens only for the initiation it answers, with the server's key */
static void
test_reply_bound (Fixture *f, gconstpointer data)
{
  guint8 first[TTTD_INITIATION_LEN], msg[TTTD_COOKIE_REPLY_LEN];
  TttdCookieJar other;
  TttdIdentity *stranger = identity_new_random ();

  initiate (f, 0);
  memcpy (first, f->initiation, sizeof first);
  tttd_cookie_reply_create (f->checker, first, sizeof first, &f->source, 0, f->reply);
  /* a new initiation with the same index: other mac1, the reply is stale */
  initiate (f, 1);
  g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, 1), ==,
                   TTTD_HANDSHAKE_BAD_CRYPTO);
  g_assert_false (f->jar.have_cookie);
  tttd_cookie_reply_create (f->checker, f->initiation, sizeof f->initiation, &f->source, 1, f->reply);
  /* every byte matters */
  for (gsize i = 0; i < sizeof msg; i++)
    {
      memcpy (msg, f->reply, sizeof msg);
      msg[i] ^= 0x01;
      g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, msg, sizeof msg, 1), !=, TTTD_HANDSHAKE_OK);
    }
  for (gsize len = 0; len < sizeof msg; len++)
    g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, len, 1), ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
  /* sealed with the server's key: a jar for another server cannot open it */
  tttd_cookie_jar_init (&other, stranger->public_key);
  g_assert_cmpint (tttd_cookie_reply_consume (&other, f->hs, f->reply, sizeof f->reply, 1), ==,
                   TTTD_HANDSHAKE_BAD_CRYPTO);
  g_assert_false (f->jar.have_cookie);
  /* no initiation pending: nothing to answer */
  f->hs->pending = FALSE;
  g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, 1), ==,
                   TTTD_HANDSHAKE_UNEXPECTED);
  f->hs->pending = TRUE;
  g_assert_cmpint (tttd_cookie_reply_consume (&f->jar, f->hs, f->reply, sizeof f->reply, 1), ==, TTTD_HANDSHAKE_OK);
  g_assert_true (f->jar.have_cookie);
  tttd_identity_free (stranger);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/cookie/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("round-trip", test_round_trip);
  ADD ("wrong-address", test_wrong_address);
  ADD ("rotation", test_rotation);
  ADD ("reply-bound", test_reply_bound);
#undef ADD

  return g_test_run ();
}
