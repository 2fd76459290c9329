/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-handshake-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static FuzzWorld world;
static gboolean initialized;
static TttdHandshake hs_buf; /* plain memory: no mlock per input */

/* the input: one byte of FUZZ_* flags, then a message of any length, fed
 * both to the server as an initiation and to the client as a response; with
 * FUZZ_FIX_MAC1 the fuzzer gets past mac1 (as an attacker who knows the
 * public key can) and exercises the Noise code behind it */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  TttdHandshake *hs = &hs_buf;
  TttdInitPayload init;
  TttdResponsePayload response;
  TttdSessionKeys keys;
  g_autofree guint8 *msg = NULL;
  guint8 flags;
  gsize len;

  if (!initialized)
    {
      fuzz_world_init (&world);
      initialized = TRUE;
    }
  if (size == 0)
    return 0;
  flags = data[0];
  len = size - 1;
  /* an exact-size heap copy, so that ASan sees any read past the end (never
   * NULL: the daemon always passes its receive buffer) */
  msg = g_malloc (MAX (len, 1));
  memcpy (msg, data + 1, len);

  if ((flags & FUZZ_FIX_MAC1) && len == TTTD_INITIATION_LEN)
    fuzz_fix_mac1 (msg, len, world.server->public_key);
  if (tttd_handshake_consume_initiation (hs, world.server, msg, len, &init) == TTTD_HANDSHAKE_OK)
    {
      guint8 out[TTTD_RESPONSE_LEN];
      TttdResponsePayload answer = { .cipher = TTTD_CIPHER_CHACHA20_POLY1305 };
      if (!hs->pending || (init.flags & ~TTTD_HANDSHAKE_FRESH) != 0)
        abort ();
      if (tttd_handshake_create_response (hs, world.server, FUZZ_SERVER_INDEX, &answer, out, &keys) !=
          TTTD_HANDSHAKE_OK)
        abort ();
    }

  /* the pending client state is the same for every input */
  memcpy (hs, world.pending, sizeof *hs);
  if (len == TTTD_RESPONSE_LEN)
    {
      memcpy (msg, data + 1, len);
      if (flags & FUZZ_FIX_INDEX)
        tttd_put_le32 (msg + 8, FUZZ_CLIENT_INDEX);
      if (flags & FUZZ_FIX_MAC1)
        fuzz_fix_mac1 (msg, len, world.client->public_key);
    }
  if (tttd_handshake_consume_response (hs, world.client, msg, len, &response, &keys) == TTTD_HANDSHAKE_OK)
    {
      if (response.n_addresses > TTTD_RESPONSE_ADDRESSES)
        abort ();
      for (guint i = 0; i < response.n_addresses; i++)
        if (response.addresses[i].family != AF_INET && response.addresses[i].family != AF_INET6)
          abort ();
    }
  else if (memcmp (hs->chaining_key, world.pending->chaining_key, 32) != 0 ||
           memcmp (hs->hash, world.pending->hash, 32) != 0 || !hs->pending)
    abort (); /* a rejected response must leave the pending state alone */

  return 0;
}
