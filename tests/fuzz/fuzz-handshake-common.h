/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

/* what fuzz-handshake and make-seeds share: fixed identities and a
 * deterministic random generator, so that the client's pending handshake in
 * the fuzzer is the very one the seed response answers */

#include <string.h>
#include <sodium.h>

#include "tttd-handshake.h"

#define FUZZ_CLIENT_INDEX 0x01020304u
#define FUZZ_SERVER_INDEX 0x0a0b0c0du

/* the first byte of a fuzz input: what to do with the rest */
#define FUZZ_FIX_MAC1  (1u << 0) /* make mac1 right, to get past it */
#define FUZZ_FIX_INDEX (1u << 1) /* make the response's receiver index ours */

static guint64 fuzz_rng_state;

static inline const char *
fuzz_rng_name (void)
{
  return "tttd-fuzz";
}

static inline uint32_t
fuzz_rng_random (void)
{
  /* xorshift64*: reproducible, and good enough to stand in for keys here */
  fuzz_rng_state ^= fuzz_rng_state >> 12;
  fuzz_rng_state ^= fuzz_rng_state << 25;
  fuzz_rng_state ^= fuzz_rng_state >> 27;
  return (uint32_t) ((fuzz_rng_state * G_GUINT64_CONSTANT (2685821657736338717)) >> 32);
}

static inline void
fuzz_rng_buf (void *const buf, const size_t size)
{
  guint8 *p = buf;

  for (size_t i = 0; i < size; i++)
    p[i] = (guint8) fuzz_rng_random ();
}

static inline void
fuzz_rng_reset (void)
{
  fuzz_rng_state = G_GUINT64_CONSTANT (0x7474746466757a7a);
}

static randombytes_implementation fuzz_rng = {
  .implementation_name = fuzz_rng_name,
  .random = fuzz_rng_random,
  .buf = fuzz_rng_buf,
};

typedef struct {
  TttdIdentity *client;
  TttdIdentity *server;
  TttdHandshake *pending; /* the client's, after its initiation */
  guint8 initiation[TTTD_INITIATION_LEN];
} FuzzWorld;

static inline TttdIdentity *
fuzz_identity (guint8 fill)
{
  guint8 priv[32];

  memset (priv, fill, sizeof priv);
  priv[0] &= 248;
  priv[31] &= 127;
  priv[31] |= 64;
  return tttd_identity_new (priv);
}

/* call once, before anything else touches libsodium */
static inline void
fuzz_world_init (FuzzWorld *world)
{
  TttdInitPayload payload = {
    .timestamp_us = G_GUINT64_CONSTANT (1767225600000000),
    .link = 1,
    .ciphers = TTTD_CIPHER_MASK_ALL,
    .flags = TTTD_HANDSHAKE_FRESH,
  };

  fuzz_rng_reset ();
  if (randombytes_set_implementation (&fuzz_rng) != 0 || !tttd_crypto_init (NULL))
    abort ();
  world->client = fuzz_identity (0x11);
  world->server = fuzz_identity (0x22);
  world->pending = sodium_malloc (sizeof *world->pending);
  if (world->client == NULL || world->server == NULL || world->pending == NULL)
    abort ();
  fuzz_rng_reset ();
  if (tttd_handshake_create_initiation (world->pending, world->client, world->server->public_key, FUZZ_CLIENT_INDEX,
                                        &payload, 0, world->initiation) != TTTD_HANDSHAKE_OK)
    abort ();
}

static inline void
fuzz_fix_mac1 (guint8 *msg, gsize len, const guint8 public_key[32])
{
  guint8 key[32];

  /* an initiation's mac1 is followed by mac2 */
  if (len == TTTD_INITIATION_LEN)
    len = TTTD_INITIATION_MAC2_OFFSET;
  tttd_mac1_key (public_key, key);
  crypto_generichash (msg + len - TTTD_MAC_LEN, TTTD_MAC_LEN, msg, len - TTTD_MAC_LEN, key, sizeof key);
}
