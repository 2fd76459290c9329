/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Cookie replies and mac2: how a server under load makes an initiator prove
 * its source address before it spends public-key work on it. */
#include "config.h"

#include <string.h>

#include "tttd-cookie.h"

static const char cookie_label[] = "cookie--";

G_STATIC_ASSERT (TTTD_COOKIE_REPLY_LEN == 4 + 4 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + TTTD_COOKIE_LEN +
                                            crypto_aead_xchacha20poly1305_ietf_ABYTES);
/* no amplification: the answer is smaller than what it answers */
G_STATIC_ASSERT (TTTD_COOKIE_REPLY_LEN < TTTD_INITIATION_LEN);

static void
reply_key (const guint8 public_key[32], guint8 out[32])
{
  crypto_generichash_state st;

  crypto_generichash_init (&st, NULL, 0, 32);
  crypto_generichash_update (&st, (const guint8 *) cookie_label, sizeof cookie_label - 1);
  crypto_generichash_update (&st, public_key, 32);
  crypto_generichash_final (&st, out, 32);
}

/* the cookie: BLAKE2b-128 keyed with the secret, of the source's address
 * (4 or 16 bytes) and port (2 bytes, network order) */
static void
cookie_compute (const guint8 secret[32], const TttdSockaddr *source, guint8 out[TTTD_COOKIE_LEN])
{
  guint8 data[18];
  gsize len;

  if (source->sa.sa_family == AF_INET)
    {
      memcpy (data, &source->in4.sin_addr, 4);
      memcpy (data + 4, &source->in4.sin_port, 2);
      len = 6;
    }
  else
    {
      memcpy (data, &source->in6.sin6_addr, 16);
      memcpy (data + 16, &source->in6.sin6_port, 2);
      len = 18;
    }
  crypto_generichash (out, TTTD_COOKIE_LEN, data, len, secret, 32);
}

static void
mac2_compute (const guint8 cookie[TTTD_COOKIE_LEN], const guint8 *initiation, guint8 out[TTTD_MAC_LEN])
{
  crypto_generichash (out, TTTD_MAC_LEN, initiation, TTTD_INITIATION_MAC2_OFFSET, cookie, TTTD_COOKIE_LEN);
}

TttdCookieChecker *
tttd_cookie_checker_new (const guint8 public_key[32])
{
  TttdCookieChecker *checker = sodium_malloc (sizeof *checker);

  g_assert (checker != NULL);
  memset (checker, 0, sizeof *checker);
  reply_key (public_key, checker->reply_key);
  return checker;
}

void
tttd_cookie_checker_free (TttdCookieChecker *checker)
{
  /* sodium_free wipes the memory */
  if (checker != NULL)
    sodium_free (checker);
}

/* a new secret every two minutes; the previous one still checks the
 * cookies it made during the next two, so that a client's cookie (used for
 * less than two minutes) never goes bad under its feet */
static void
rotate (TttdCookieChecker *checker, gint64 now_us)
{
  if (checker->have_secret && now_us - checker->rotated_us < TTTD_COOKIE_SECRET_LIFETIME_US)
    return;
  checker->have_previous = checker->have_secret && now_us - checker->rotated_us < 2 * TTTD_COOKIE_SECRET_LIFETIME_US;
  if (checker->have_previous)
    memcpy (checker->previous, checker->secret, 32);
  else
    sodium_memzero (checker->previous, 32);
  randombytes_buf (checker->secret, 32);
  checker->have_secret = TRUE;
  checker->rotated_us = now_us;
}

static gboolean
mac2_matches (const guint8 secret[32], const guint8 *msg, const TttdSockaddr *source)
{
  guint8 cookie[TTTD_COOKIE_LEN], mac[TTTD_MAC_LEN];
  gboolean ok;

  cookie_compute (secret, source, cookie);
  mac2_compute (cookie, msg, mac);
  ok = sodium_memcmp (mac, msg + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN) == 0;
  sodium_memzero (cookie, sizeof cookie);
  return ok;
}

gboolean
tttd_cookie_mac2_check (TttdCookieChecker *checker, const guint8 *msg, gsize len, const TttdSockaddr *source,
                        gint64 now_us)
{
  if (len != TTTD_INITIATION_LEN || msg[1] != TTTD_MSG_INITIATION ||
      sodium_is_zero (msg + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN))
    return FALSE;
  rotate (checker, now_us);
  return mac2_matches (checker->secret, msg, source) ||
         (checker->have_previous && mac2_matches (checker->previous, msg, source));
}

void
tttd_cookie_reply_create (TttdCookieChecker *checker, const guint8 *initiation, gsize len, const TttdSockaddr *source,
                          gint64 now_us, guint8 out[TTTD_COOKIE_REPLY_LEN])
{
  guint8 cookie[TTTD_COOKIE_LEN];
  guint8 *nonce = out + 8;

  g_return_if_fail (len == TTTD_INITIATION_LEN);
  rotate (checker, now_us);
  cookie_compute (checker->secret, source, cookie);
  out[0] = TTTD_PROTOCOL_VERSION;
  out[1] = TTTD_MSG_COOKIE_REPLY;
  out[2] = 0;
  out[3] = 0;
  /* the initiator's index, so that it finds its pending handshake */
  memcpy (out + 4, initiation + 4, 4);
  randombytes_buf (nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  /* bound to the initiation it answers: its mac1 is the associated data */
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + 32, NULL, cookie, sizeof cookie,
                                              initiation + TTTD_INITIATION_MAC1_OFFSET, TTTD_MAC_LEN, NULL, nonce,
                                              checker->reply_key);
  sodium_memzero (cookie, sizeof cookie);
}

void
tttd_cookie_jar_init (TttdCookieJar *jar, const guint8 server_public_key[32])
{
  memset (jar, 0, sizeof *jar);
  reply_key (server_public_key, jar->reply_key);
}

TttdHandshakeResult
tttd_cookie_reply_consume (TttdCookieJar *jar, const TttdHandshake *hs, const guint8 *msg, gsize len, gint64 now_us)
{
  guint8 cookie[TTTD_COOKIE_LEN];

  if (len != TTTD_COOKIE_REPLY_LEN || msg[0] != TTTD_PROTOCOL_VERSION || msg[1] != TTTD_MSG_COOKIE_REPLY ||
      msg[2] != 0 || msg[3] != 0)
    return TTTD_HANDSHAKE_BAD_PAYLOAD;
  if (!hs->pending || tttd_get_le32 (msg + 4) != hs->local_index)
    return TTTD_HANDSHAKE_UNEXPECTED;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (cookie, NULL, NULL, msg + 32, len - 32, hs->mac1, TTTD_MAC_LEN,
                                                  msg + 8, jar->reply_key) != 0)
    return TTTD_HANDSHAKE_BAD_CRYPTO;
  memcpy (jar->cookie, cookie, sizeof cookie);
  jar->received_us = now_us;
  jar->have_cookie = TRUE;
  sodium_memzero (cookie, sizeof cookie);
  return TTTD_HANDSHAKE_OK;
}

void
tttd_cookie_mac2_write (TttdCookieJar *jar, guint8 initiation[TTTD_INITIATION_LEN], gint64 now_us)
{
  guint8 *mac2 = initiation + TTTD_INITIATION_MAC2_OFFSET;

  if (jar->have_cookie && now_us - jar->received_us >= TTTD_COOKIE_LIFETIME_US)
    {
      sodium_memzero (jar->cookie, sizeof jar->cookie);
      jar->have_cookie = FALSE;
    }
  if (jar->have_cookie)
    mac2_compute (jar->cookie, initiation, mac2);
  else
    memset (mac2, 0, TTTD_MAC_LEN);
}
