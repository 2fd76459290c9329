/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "tttd-handshake.h"

#define CLIENT_INDEX 0x11223344u
#define SERVER_INDEX 0x55667788u

typedef struct {
  TttdIdentity *client;
  TttdIdentity *server;
  TttdIdentity *stranger;   /* a third key pair nobody knows */
  TttdHandshake *client_hs; /* sodium_malloc()ed, as the daemon keeps them */
  TttdHandshake *server_hs;
  TttdInitPayload init_payload;
  TttdResponsePayload response_payload;
  guint8 initiation[TTTD_INITIATION_LEN];
  guint8 response[TTTD_RESPONSE_LEN];
  TttdSessionKeys client_keys;
  TttdSessionKeys server_keys;
} Fixture;

static TttdIdentity *
identity_new_random (void)
{
  guint8 priv[32];
  TttdIdentity *identity;

  tttd_key_generate (priv);
  identity = tttd_identity_new (priv);
  sodium_memzero (priv, sizeof priv);
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
  f->stranger = identity_new_random ();
  f->client_hs = sodium_malloc (sizeof *f->client_hs);
  f->server_hs = sodium_malloc (sizeof *f->server_hs);
  memset (f->client_hs, 0, sizeof *f->client_hs);
  memset (f->server_hs, 0, sizeof *f->server_hs);

  f->init_payload.timestamp_us = G_GUINT64_CONSTANT (1767225600123456);
  f->init_payload.link = 3;
  f->init_payload.ciphers = TTTD_CIPHER_MASK_ALL;
  f->init_payload.flags = TTTD_HANDSHAKE_FRESH;

  f->response_payload.cipher = TTTD_CIPHER_CHACHA20_POLY1305;
  f->response_payload.flags = TTTD_HANDSHAKE_FRESH;
  f->response_payload.n_addresses = 2;
  g_assert_true (tttd_prefix_parse ("198.18.200.2/24", TRUE, &f->response_payload.addresses[0], NULL));
  g_assert_true (tttd_prefix_parse ("fd00:198:18::2/64", TRUE, &f->response_payload.addresses[1], NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tttd_identity_free (f->client);
  tttd_identity_free (f->server);
  tttd_identity_free (f->stranger);
  sodium_free (f->client_hs);
  sodium_free (f->server_hs);
}

/* what an attacker who knows the responder's public key can always do: make
 * mac1 right again after changing a message (an initiation's mac1 is
 * followed by mac2) */
static void
fix_mac1 (guint8 *msg, gsize len, const guint8 public_key[32])
{
  guint8 key[32];

  if (len == TTTD_INITIATION_LEN && msg[1] == TTTD_MSG_INITIATION)
    len = TTTD_INITIATION_MAC2_OFFSET;
  tttd_mac1_key (public_key, key);
  crypto_generichash (msg + len - TTTD_MAC_LEN, TTTD_MAC_LEN, msg, len - TTTD_MAC_LEN, key, sizeof key);
}

static void
create_initiation (Fixture *f)
{
  g_assert_cmpint (tttd_handshake_create_initiation (f->client_hs, f->client, f->server->public_key, CLIENT_INDEX,
                                                     &f->init_payload, 1000, f->initiation),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_true (f->client_hs->pending);
  g_assert_cmpuint (f->client_hs->local_index, ==, CLIENT_INDEX);
}

static void
consume_initiation_and_respond (Fixture *f)
{
  TttdInitPayload got;

  memset (&got, 0, sizeof got);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpint (tttd_handshake_create_response (f->server_hs, f->server, SERVER_INDEX, &f->response_payload,
                                                   f->response, &f->server_keys),
                   ==, TTTD_HANDSHAKE_OK);
}

static void
assert_prefix_equal (const TttdPrefix *a, const TttdPrefix *b)
{
  g_autofree char *sa = tttd_prefix_to_string (a);
  g_autofree char *sb = tttd_prefix_to_string (b);

  g_assert_cmpstr (sa, ==, sb);
  g_assert_true (tttd_prefix_equal (a, b));
}

static void
test_good (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;
  TttdResponsePayload resp;
  TttdHeader header;
  guint8 zero[32] = { 0 };

  create_initiation (f);
  g_assert_cmpint (tttd_header_parse (f->initiation, sizeof f->initiation, &header), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (header.type, ==, TTTD_MSG_INITIATION);
  g_assert_cmpuint (tttd_get_le32 (f->initiation + 4), ==, CLIENT_INDEX);
  /* the client's static key does not travel in clear */
  g_assert_null (memmem (f->initiation, sizeof f->initiation, f->client->public_key, 32));

  memset (&got, 0, sizeof got);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  /* the server learns who it is and what it asks for */
  g_assert_cmpmem (f->server_hs->remote_static, 32, f->client->public_key, 32);
  g_assert_cmpuint (f->server_hs->remote_index, ==, CLIENT_INDEX);
  g_assert_cmpuint (got.timestamp_us, ==, f->init_payload.timestamp_us);
  g_assert_cmpuint (got.link, ==, f->init_payload.link);
  g_assert_cmpuint (got.ciphers, ==, f->init_payload.ciphers);
  g_assert_cmpuint (got.flags, ==, TTTD_HANDSHAKE_FRESH);
  g_assert_true (f->server_hs->pending);

  g_assert_cmpint (tttd_handshake_create_response (f->server_hs, f->server, SERVER_INDEX, &f->response_payload,
                                                   f->response, &f->server_keys),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (tttd_header_parse (f->response, sizeof f->response, &header), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (header.type, ==, TTTD_MSG_RESPONSE);
  g_assert_cmpuint (header.receiver, ==, CLIENT_INDEX);
  g_assert_cmpuint (tttd_get_le32 (f->response + 4), ==, SERVER_INDEX);
  /* the responder answered: nothing pending; the caller reads the indexes,
   * then clears hs */
  g_assert_false (f->server_hs->pending);
  g_assert_cmpuint (f->server_hs->local_index, ==, SERVER_INDEX);
  g_assert_cmpuint (f->server_hs->remote_index, ==, CLIENT_INDEX);
  tttd_handshake_clear (f->server_hs);
  g_assert_cmpmem (f->server_hs->ephemeral_private, 32, zero, 32);

  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (f->client_hs->remote_index, ==, SERVER_INDEX);
  g_assert_cmpuint (resp.cipher, ==, f->response_payload.cipher);
  g_assert_cmpuint (resp.flags, ==, TTTD_HANDSHAKE_FRESH);
  g_assert_cmpuint (resp.n_addresses, ==, 2);
  assert_prefix_equal (&resp.addresses[0], &f->response_payload.addresses[0]);
  assert_prefix_equal (&resp.addresses[1], &f->response_payload.addresses[1]);

  /* one key per direction, the same on both ends */
  g_assert_cmpmem (f->client_keys.send, 32, f->server_keys.recv, 32);
  g_assert_cmpmem (f->client_keys.recv, 32, f->server_keys.send, 32);
  g_assert_cmpint (memcmp (f->client_keys.send, f->client_keys.recv, 32), !=, 0);
  g_assert_cmpint (memcmp (f->client_keys.send, zero, 32), !=, 0);
  g_assert_cmpint (memcmp (f->client_keys.recv, zero, 32), !=, 0);
}

/* the keys carry data both ways with either cipher */
static void
test_keys_work (Fixture *f, gconstpointer data)
{
  TttdAeadKey *send = sodium_malloc (sizeof *send);
  TttdAeadKey *recv = sodium_malloc (sizeof *recv);
  const char hello[] = "an IPv4 packet, or something like it";
  guint8 ad[TTTD_HEADER_LEN] = { 1, 3, 0, 0 };
  guint8 text[sizeof hello], tag[16];
  TttdResponsePayload resp;

  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  for (TttdCipher c = TTTD_CIPHER_CHACHA20_POLY1305; c <= TTTD_CIPHER_AES256_GCM; c++)
    {
      if (c == TTTD_CIPHER_AES256_GCM && !crypto_aead_aes256gcm_is_available ())
        continue;
      /* client to server */
      tttd_aead_key_init (send, c, f->client_keys.send);
      tttd_aead_key_init (recv, c, f->server_keys.recv);
      memcpy (text, hello, sizeof text);
      tttd_aead_seal (send, 7, ad, sizeof ad, text, sizeof text, tag);
      g_assert_true (tttd_aead_open (recv, 7, ad, sizeof ad, text, sizeof text, tag));
      g_assert_cmpmem (text, sizeof text, hello, sizeof hello);
      /* server to client */
      tttd_aead_key_init (send, c, f->server_keys.send);
      tttd_aead_key_init (recv, c, f->client_keys.recv);
      tttd_aead_seal (send, 8, ad, sizeof ad, text, sizeof text, tag);
      g_assert_true (tttd_aead_open (recv, 8, ad, sizeof ad, text, sizeof text, tag));
      g_assert_cmpmem (text, sizeof text, hello, sizeof hello);
      /* a key used the wrong way round opens nothing */
      tttd_aead_key_init (recv, c, f->client_keys.send);
      tttd_aead_seal (send, 9, ad, sizeof ad, text, sizeof text, tag);
      g_assert_false (tttd_aead_open (recv, 9, ad, sizeof ad, text, sizeof text, tag));
    }
  sodium_free (send);
  sodium_free (recv);
}

static void
test_fresh_keys (Fixture *f, gconstpointer data)
{
  TttdSessionKeys first_client, first_server;
  TttdResponsePayload resp;

  /* two handshakes of the same pair never share keys (ephemeral keys) */
  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  first_client = f->client_keys;
  first_server = f->server_keys;
  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (memcmp (first_client.send, f->client_keys.send, 32), !=, 0);
  g_assert_cmpint (memcmp (first_server.send, f->server_keys.send, 32), !=, 0);
  g_assert_cmpmem (f->client_keys.send, 32, f->server_keys.recv, 32);
}

static void
test_response_payload (Fixture *f, gconstpointer data)
{
  const char *v4[] = { "198.18.200.2/32", "198.19.0.1/15", "0.0.0.0/0" };
  const char *v6[] = { "fd00::2/128", "2001:db8::/32", "::/0" };

  for (guint n = 0; n <= TTTD_RESPONSE_ADDRESSES; n++)
    for (guint v = 0; v < G_N_ELEMENTS (v4); v++)
      {
        TttdResponsePayload resp;

        memset (&f->response_payload, 0, sizeof f->response_payload);
        f->response_payload.cipher = (guint8) (v == 1 ? TTTD_CIPHER_AES256_GCM : TTTD_CIPHER_CHACHA20_POLY1305);
        f->response_payload.n_addresses = (guint8) n;
        f->response_payload.flags = (guint8) (v == 1 ? TTTD_HANDSHAKE_FRESH : 0);
        /* v6 first once, to see the order is kept */
        g_assert_true (tttd_prefix_parse (v == 2 ? v6[v] : v4[v], TRUE, &f->response_payload.addresses[0], NULL));
        g_assert_true (tttd_prefix_parse (v == 2 ? v4[v] : v6[v], TRUE, &f->response_payload.addresses[1], NULL));
        create_initiation (f);
        consume_initiation_and_respond (f);
        g_assert_cmpint (tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response,
                                                          &resp, &f->client_keys),
                         ==, TTTD_HANDSHAKE_OK);
        g_assert_cmpuint (resp.cipher, ==, f->response_payload.cipher);
        g_assert_cmpuint (resp.flags, ==, f->response_payload.flags);
        g_assert_cmpuint (resp.n_addresses, ==, n);
        for (guint i = 0; i < n; i++)
          assert_prefix_equal (&resp.addresses[i], &f->response_payload.addresses[i]);
      }
}

static void
test_bad_payload (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;
  TttdResponsePayload resp;

  /* flags this version does not know are refused, not ignored */
  for (guint bit = 1; bit < 8; bit++)
    {
      f->init_payload.flags = (guint8) (TTTD_HANDSHAKE_FRESH | (1u << bit));
      create_initiation (f);
      g_assert_cmpint (
        tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
        TTTD_HANDSHAKE_BAD_PAYLOAD);
      g_assert_false (f->server_hs->pending);
    }
  f->init_payload.flags = 0;
  create_initiation (f);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (got.flags, ==, 0);

  f->response_payload.flags = 0x40;
  g_assert_cmpint (tttd_handshake_create_response (f->server_hs, f->server, SERVER_INDEX, &f->response_payload,
                                                   f->response, &f->server_keys),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
  /* a bad payload from the right server still leaves the initiation pending */
  g_assert_true (f->client_hs->pending);
}

/* partial checksums: the client's capability rides in the ciphers byte,
 * where it changes no choice of cipher, and the server's answer is a
 * response flag the client accepts */
static void
test_csum_partial (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;
  TttdResponsePayload resp;

  g_assert_cmpint (tttd_cipher_choose (1u << TTTD_CIPHER_CHACHA20_POLY1305,
                                       (1u << TTTD_CIPHER_CHACHA20_POLY1305) | TTTD_CAP_CSUM_PARTIAL),
                   ==, TTTD_CIPHER_CHACHA20_POLY1305);
  g_assert_cmpint (tttd_cipher_choose (TTTD_CAP_CSUM_PARTIAL, TTTD_CAP_CSUM_PARTIAL), ==, 0);
  f->init_payload.ciphers |= TTTD_CAP_CSUM_PARTIAL;
  create_initiation (f);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmphex (got.ciphers & TTTD_CAP_CSUM_PARTIAL, ==, TTTD_CAP_CSUM_PARTIAL);
  f->response_payload.flags = TTTD_HANDSHAKE_FRESH | TTTD_HANDSHAKE_CSUM_PARTIAL;
  g_assert_cmpint (tttd_handshake_create_response (f->server_hs, f->server, SERVER_INDEX, &f->response_payload,
                                                   f->response, &f->server_keys),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmphex (resp.flags, ==, TTTD_HANDSHAKE_FRESH | TTTD_HANDSHAKE_CSUM_PARTIAL);
}

/* the cipher must be one the client offered: anything else (unknown
 * values, 32 and up included, where a shift by it would be undefined) makes
 * no session */
static void
test_cipher_not_offered (Fixture *f, gconstpointer data)
{
  const guint8 unknown[] = { 0, 3, 7, 8, 31, 32, 33, 64, 255 };
  TttdResponsePayload resp;

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_test_message ("cipher %u", unknown[i]);
      f->response_payload.cipher = unknown[i];
      create_initiation (f);
      consume_initiation_and_respond (f);
      g_assert_cmpint (tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp,
                                                        &f->client_keys),
                       ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
      g_assert_true (f->client_hs->pending);
    }
  /* known, but not offered */
  f->init_payload.ciphers = 1u << TTTD_CIPHER_CHACHA20_POLY1305;
  f->response_payload.cipher = TTTD_CIPHER_AES256_GCM;
  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
  f->response_payload.cipher = TTTD_CIPHER_CHACHA20_POLY1305;
  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (resp.cipher, ==, TTTD_CIPHER_CHACHA20_POLY1305);
  /* the mask check itself */
  g_assert_true (tttd_cipher_in_mask (TTTD_CIPHER_MASK_ALL, TTTD_CIPHER_AES256_GCM));
  g_assert_false (tttd_cipher_in_mask (0xff, 0));
  g_assert_false (tttd_cipher_in_mask (0xff, 3));
  g_assert_false (tttd_cipher_in_mask (0xff, 32));
  g_assert_false (tttd_cipher_in_mask (0xff, 33));
}

static void
test_wrong_server_key (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;

  /* the client believes the server is someone else */
  g_assert_cmpint (tttd_handshake_create_initiation (f->client_hs, f->client, f->stranger->public_key, CLIENT_INDEX,
                                                     &f->init_payload, 1000, f->initiation),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_BAD_MAC);
  g_assert_false (f->server_hs->pending);
  /* mac1 is no secret: made right for the server, the crypto still fails */
  fix_mac1 (f->initiation, sizeof f->initiation, f->server->public_key);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_BAD_CRYPTO);
  g_assert_false (f->server_hs->pending);
}

static void
test_client_identity (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;

  /* whoever initiates, the server sees their static key, and only theirs */
  g_assert_cmpint (tttd_handshake_create_initiation (f->client_hs, f->stranger, f->server->public_key, CLIENT_INDEX,
                                                     &f->init_payload, 1000, f->initiation),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpmem (f->server_hs->remote_static, 32, f->stranger->public_key, 32);
  g_assert_cmpint (memcmp (f->server_hs->remote_static, f->client->public_key, 32), !=, 0);

  create_initiation (f);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpmem (f->server_hs->remote_static, 32, f->client->public_key, 32);
}

static void
test_tamper_initiation (Fixture *f, gconstpointer data)
{
  guint8 msg[TTTD_INITIATION_LEN];
  TttdInitPayload got;

  create_initiation (f);
  for (gsize i = 0; i < sizeof msg; i++)
    {
      g_test_message ("initiation byte %" G_GSIZE_FORMAT, i);
      memcpy (msg, f->initiation, sizeof msg);
      msg[i] ^= 0x01;
      if (i >= TTTD_INITIATION_MAC2_OFFSET)
        {
          /* mac2 is the cookie checker's (test-cookie.c), not the handshake's */
          g_assert_cmpint (tttd_handshake_consume_initiation (f->server_hs, f->server, msg, sizeof msg, &got), ==,
                           TTTD_HANDSHAKE_OK);
          continue;
        }
      g_assert_cmpint (tttd_handshake_consume_initiation (f->server_hs, f->server, msg, sizeof msg, &got), !=,
                       TTTD_HANDSHAKE_OK);
      g_assert_false (f->server_hs->pending);
      if (i >= TTTD_INITIATION_MAC1_OFFSET)
        continue;
      /* past mac1: every byte before it is bound into the handshake hash */
      fix_mac1 (msg, sizeof msg, f->server->public_key);
      g_assert_cmpint (tttd_handshake_consume_initiation (f->server_hs, f->server, msg, sizeof msg, &got), !=,
                       TTTD_HANDSHAKE_OK);
      g_assert_false (f->server_hs->pending);
    }
  /* the untouched message still works */
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &got), ==,
    TTTD_HANDSHAKE_OK);
}

static void
test_tamper_response (Fixture *f, gconstpointer data)
{
  guint8 msg[TTTD_RESPONSE_LEN];
  TttdResponsePayload resp;

  create_initiation (f);
  consume_initiation_and_respond (f);
  for (gsize i = 0; i < sizeof msg; i++)
    {
      g_test_message ("response byte %" G_GSIZE_FORMAT, i);
      memcpy (msg, f->response, sizeof msg);
      msg[i] ^= 0x80;
      g_assert_cmpint (
        tttd_handshake_consume_response (f->client_hs, f->client, msg, sizeof msg, &resp, &f->client_keys), !=,
        TTTD_HANDSHAKE_OK);
      if (i >= sizeof msg - TTTD_MAC_LEN)
        continue;
      fix_mac1 (msg, sizeof msg, f->client->public_key);
      g_assert_cmpint (
        tttd_handshake_consume_response (f->client_hs, f->client, msg, sizeof msg, &resp, &f->client_keys), !=,
        TTTD_HANDSHAKE_OK);
    }
  /* none of the forgeries spoiled the pending handshake */
  g_assert_true (f->client_hs->pending);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpmem (f->client_keys.send, 32, f->server_keys.recv, 32);
}

static void
test_wrong_length (Fixture *f, gconstpointer data)
{
  guint8 big[TTTD_INITIATION_LEN + 1];
  TttdInitPayload got;
  TttdResponsePayload resp;

  create_initiation (f);
  memcpy (big, f->initiation, sizeof f->initiation);
  big[TTTD_INITIATION_LEN] = 0;
  for (gsize len = 0; len <= sizeof big; len++)
    {
      g_autofree guint8 *msg = g_memdup2 (big, MAX (len, 1));
      if (len == TTTD_INITIATION_LEN)
        continue;
      g_assert_cmpint (tttd_handshake_consume_initiation (f->server_hs, f->server, msg, len, &got), ==,
                       TTTD_HANDSHAKE_BAD_PAYLOAD);
    }
  /* a response offered as an initiation and the other way round */
  consume_initiation_and_respond (f);
  g_assert_cmpint (tttd_handshake_consume_initiation (f->server_hs, f->server, f->response, sizeof f->response, &got),
                   ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
  for (gsize len = 0; len <= sizeof big; len++)
    {
      g_autofree guint8 *msg = g_memdup2 (big, MAX (len, 1));
      if (len == TTTD_RESPONSE_LEN)
        continue;
      g_assert_cmpint (tttd_handshake_consume_response (f->client_hs, f->client, msg, len, &resp, &f->client_keys), ==,
                       TTTD_HANDSHAKE_BAD_PAYLOAD);
    }
  /* the right length with the wrong type byte */
  {
    guint8 msg[TTTD_RESPONSE_LEN];
    memcpy (msg, f->response, sizeof msg);
    msg[1] = TTTD_MSG_INITIATION;
    fix_mac1 (msg, sizeof msg, f->client->public_key);
    g_assert_cmpint (tttd_handshake_consume_response (f->client_hs, f->client, msg, sizeof msg, &resp, &f->client_keys),
                     ==, TTTD_HANDSHAKE_BAD_PAYLOAD);
  }
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
}

static void
test_unexpected_response (Fixture *f, gconstpointer data)
{
  TttdHandshake *other = sodium_malloc (sizeof *other);
  guint8 other_initiation[TTTD_INITIATION_LEN];
  TttdResponsePayload resp;

  create_initiation (f);
  consume_initiation_and_respond (f);

  /* an initiation of ours with another index is pending: not for it */
  g_assert_cmpint (tttd_handshake_create_initiation (other, f->client, f->server->public_key, CLIENT_INDEX + 1,
                                                     &f->init_payload, 1000, other_initiation),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_response (other, f->client, f->response, sizeof f->response, &resp, &f->client_keys), ==,
    TTTD_HANDSHAKE_UNEXPECTED);
  /* the same index but another initiation: the crypto tells them apart */
  g_assert_cmpint (tttd_handshake_create_initiation (other, f->client, f->server->public_key, CLIENT_INDEX,
                                                     &f->init_payload, 1000, other_initiation),
                   ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_response (other, f->client, f->response, sizeof f->response, &resp, &f->client_keys), ==,
    TTTD_HANDSHAKE_BAD_CRYPTO);
  /* nothing pending at all */
  tttd_handshake_clear (other);
  g_assert_cmpint (
    tttd_handshake_consume_response (other, f->client, f->response, sizeof f->response, &resp, &f->client_keys), ==,
    TTTD_HANDSHAKE_UNEXPECTED);
  sodium_free (other);

  /* a response whose mac1 is made for another client's key */
  {
    guint8 msg[TTTD_RESPONSE_LEN];
    memcpy (msg, f->response, sizeof msg);
    fix_mac1 (msg, sizeof msg, f->stranger->public_key);
    g_assert_cmpint (tttd_handshake_consume_response (f->client_hs, f->client, msg, sizeof msg, &resp, &f->client_keys),
                     ==, TTTD_HANDSHAKE_BAD_MAC);
  }

  /* the right one works once: the caller reads the indices from hs, then
   * clears it (tttd-client.c does); before that, the same response again
   * yields no second set of keys, and after it nothing is pending */
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (f->client_hs->local_index, ==, CLIENT_INDEX);
  g_assert_cmpuint (f->client_hs->remote_index, ==, SERVER_INDEX);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    !=, TTTD_HANDSHAKE_OK);
  tttd_handshake_clear (f->client_hs);
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_UNEXPECTED);
}

static void
test_response_not_pending (Fixture *f, gconstpointer data)
{
  /* the responder answers only an initiation it has just consumed; that is
   * a programming error, reported as a critical (run apart, since criticals
   * are fatal in the tests) */
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_assert_cmpint (tttd_handshake_create_response (f->server_hs, f->server, SERVER_INDEX, &f->response_payload,
                                                       f->response, &f->server_keys),
                       ==, TTTD_HANDSHAKE_UNEXPECTED);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*pending*");
}

static void
test_replayed_initiation (Fixture *f, gconstpointer data)
{
  TttdInitPayload first, again;

  /* the handshake layer accepts a replay and reports the same timestamp:
   * the server refuses a timestamp that is not newer than the last one it
   * accepted from that peer (the caller's rule, see the header) */
  create_initiation (f);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &first), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &again), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (first.timestamp_us, ==, again.timestamp_us);
  g_assert_cmpuint (again.timestamp_us, ==, f->init_payload.timestamp_us);
  g_assert_cmpmem (f->server_hs->remote_static, 32, f->client->public_key, 32);

  /* a newer initiation carries a newer timestamp */
  f->init_payload.timestamp_us++;
  create_initiation (f);
  g_assert_cmpint (
    tttd_handshake_consume_initiation (f->server_hs, f->server, f->initiation, sizeof f->initiation, &again), ==,
    TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (again.timestamp_us, ==, first.timestamp_us + 1);
}

/* points of small order: any scalar multiple of them is the identity */
static const char *const low_order[] = {
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void
hex_decode (const char *hex, guint8 out[32])
{
  for (guint i = 0; i < 32; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
test_low_order (Fixture *f, gconstpointer data)
{
  TttdInitPayload got;
  TttdResponsePayload resp;

  create_initiation (f);
  consume_initiation_and_respond (f);
  for (guint i = 0; i < G_N_ELEMENTS (low_order); i++)
    {
      guint8 msg[MAX (TTTD_INITIATION_LEN, TTTD_RESPONSE_LEN)];
      TttdHandshakeResult r;

      g_test_message ("point %s", low_order[i]);
      memcpy (msg, f->initiation, TTTD_INITIATION_LEN);
      hex_decode (low_order[i], msg + 8);
      fix_mac1 (msg, TTTD_INITIATION_LEN, f->server->public_key);
      r = tttd_handshake_consume_initiation (f->server_hs, f->server, msg, TTTD_INITIATION_LEN, &got);
      g_assert_true (r == TTTD_HANDSHAKE_BAD_KEY || r == TTTD_HANDSHAKE_BAD_CRYPTO);
      g_assert_false (f->server_hs->pending);

      memcpy (msg, f->response, TTTD_RESPONSE_LEN);
      hex_decode (low_order[i], msg + 12);
      fix_mac1 (msg, TTTD_RESPONSE_LEN, f->client->public_key);
      r = tttd_handshake_consume_response (f->client_hs, f->client, msg, TTTD_RESPONSE_LEN, &resp, &f->client_keys);
      g_assert_true (r == TTTD_HANDSHAKE_BAD_KEY || r == TTTD_HANDSHAKE_BAD_CRYPTO);
    }
  /* the client can still finish with the real response */
  g_assert_cmpint (
    tttd_handshake_consume_response (f->client_hs, f->client, f->response, sizeof f->response, &resp, &f->client_keys),
    ==, TTTD_HANDSHAKE_OK);
  /* an identity made of a low-order "public key" cannot be a server: the
   * client refuses to initiate towards it */
  {
    guint8 bad[32];
    hex_decode (low_order[0], bad);
    g_assert_cmpint (tttd_handshake_create_initiation (f->client_hs, f->client, bad, CLIENT_INDEX, &f->init_payload,
                                                       1000, f->initiation),
                     ==, TTTD_HANDSHAKE_BAD_KEY);
  }
}

static void
test_mac1 (Fixture *f, gconstpointer data)
{
  guint8 key[32], msg[TTTD_INITIATION_LEN];

  /* the key is the hash of the label and the receiver's public key */
  tttd_mac1_key (f->server->public_key, key);
  g_assert_cmpmem (key, 32, f->server->mac1_key, 32);
  tttd_mac1_key (f->client->public_key, key);
  g_assert_cmpint (memcmp (key, f->server->mac1_key, 32), !=, 0);

  create_initiation (f);
  consume_initiation_and_respond (f);
  g_assert_true (tttd_mac1_check (f->server->mac1_key, f->initiation, TTTD_INITIATION_MAC2_OFFSET));
  g_assert_false (tttd_mac1_check (f->client->mac1_key, f->initiation, TTTD_INITIATION_MAC2_OFFSET));
  /* the initiator keeps its mac1: a cookie reply is bound to it */
  g_assert_cmpmem (f->client_hs->mac1, TTTD_MAC_LEN, f->initiation + TTTD_INITIATION_MAC1_OFFSET, TTTD_MAC_LEN);
  /* without a cookie, mac2 is zero */
  g_assert_true (sodium_is_zero (f->initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN));
  g_assert_true (tttd_mac1_check (f->client->mac1_key, f->response, sizeof f->response));
  g_assert_false (tttd_mac1_check (f->server->mac1_key, f->response, sizeof f->response));
  /* it covers every byte before it, and the length */
  for (gsize i = 0; i < TTTD_INITIATION_MAC2_OFFSET; i++)
    {
      memcpy (msg, f->initiation, sizeof msg);
      msg[i] ^= 0x04;
      g_assert_false (tttd_mac1_check (f->server->mac1_key, msg, TTTD_INITIATION_MAC2_OFFSET));
    }
  g_assert_false (tttd_mac1_check (f->server->mac1_key, f->initiation, TTTD_INITIATION_MAC2_OFFSET - 1));
  for (gsize len = 0; len < TTTD_MAC_LEN; len++)
    g_assert_false (tttd_mac1_check (f->server->mac1_key, f->initiation, len));
  /* keyed BLAKE2b-128 of the message before it: what fix_mac1 computes */
  memcpy (msg, f->initiation, sizeof msg);
  memset (msg + TTTD_INITIATION_MAC1_OFFSET, 0, TTTD_MAC_LEN);
  fix_mac1 (msg, sizeof msg, f->server->public_key);
  g_assert_cmpmem (msg, sizeof msg, f->initiation, sizeof f->initiation);
}

static void
test_result_strings (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint r = TTTD_HANDSHAKE_OK; r <= TTTD_HANDSHAKE_UNEXPECTED; r++)
    {
      const char *s = tttd_handshake_result_to_string (r);
      g_assert_cmpstr (s, !=, "unknown");
      g_assert_false (g_hash_table_contains (seen, s));
      g_hash_table_add (seen, (gpointer) s);
    }
  g_assert_cmpstr (tttd_handshake_result_to_string (TTTD_HANDSHAKE_UNEXPECTED + 1), ==, "unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/handshake/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("good", test_good);
  ADD ("keys-work", test_keys_work);
  ADD ("fresh-keys", test_fresh_keys);
  ADD ("response-payload", test_response_payload);
  ADD ("bad-payload", test_bad_payload);
  ADD ("csum-partial", test_csum_partial);
  ADD ("cipher-not-offered", test_cipher_not_offered);
  ADD ("wrong-server-key", test_wrong_server_key);
  ADD ("client-identity", test_client_identity);
  ADD ("tamper-initiation", test_tamper_initiation);
  ADD ("tamper-response", test_tamper_response);
  ADD ("wrong-length", test_wrong_length);
  ADD ("unexpected-response", test_unexpected_response);
  ADD ("response-not-pending", test_response_not_pending);
  ADD ("replayed-initiation", test_replayed_initiation);
  ADD ("low-order", test_low_order);
  ADD ("mac1", test_mac1);
  ADD ("result-strings", test_result_strings);
#undef ADD

  return g_test_run ();
}
