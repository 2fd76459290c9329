/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* libFuzzer target: the handshake response as a client sees it, past the
 * cryptography (a server that has the right key says what it likes): the
 * payload's parser, the cipher and address checks a client applies, and a
 * round trip through a real sealed response. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-handshake-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static FuzzWorld world;
static gboolean initialized;
static TttdHandshake server_start, hs_buf;
static TttdPrefix ranges[2];

/* the input: the response payload in the clear (TTTD_RESPONSE_PAYLOAD_LEN
 * bytes, zero padded) */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  guint8 plain[TTTD_RESPONSE_PAYLOAD_LEN] = { 0 }, out[TTTD_RESPONSE_LEN];
  TttdResponsePayload payload, got;
  TttdSessionKeys server_keys, client_keys;
  TttdHandshakeResult result;
  TttdHandshake *hs = &hs_buf;

  if (!initialized)
    {
      TttdInitPayload init;
      fuzz_world_init (&world);
      if (tttd_handshake_consume_initiation (&server_start, world.server, world.initiation, sizeof world.initiation,
                                             &init) != TTTD_HANDSHAKE_OK ||
          !tttd_prefix_parse ("198.18.200.0/24", TRUE, &ranges[0], NULL) ||
          !tttd_prefix_parse ("fd00::/64", TRUE, &ranges[1], NULL))
        abort ();
      initialized = TRUE;
    }
  memcpy (plain, data, MIN (size, sizeof plain));
  if (!tttd_response_payload_parse (plain, &payload))
    return 0;
  if (payload.n_addresses > TTTD_RESPONSE_ADDRESSES)
    abort ();
  /* what the client decides about the addresses */
  for (guint i = 0; i < payload.n_addresses; i++)
    {
      const TttdPrefix *p = &payload.addresses[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *text = tttd_prefix_to_string (p);
      gboolean host = p->prefix == tttd_prefix_addr_len (p) * 8;
      gboolean ok = tttd_prefix_assignable (p, ranges, G_N_ELEMENTS (ranges), &error);

      if ((p->family != AF_INET && p->family != AF_INET6) || text == NULL || (host && !ok) || ok != (error == NULL))
        abort ();
      if (!tttd_prefix_assignable (p, NULL, 0, NULL) && host)
        abort ();
    }
  /* sealed by the server, opened by the client: the same payload, or
   * refused for a cipher the client did not offer */
  memcpy (hs, &server_start, sizeof *hs);
  if (tttd_handshake_create_response (hs, world.server, FUZZ_SERVER_INDEX, &payload, out, &server_keys) !=
      TTTD_HANDSHAKE_OK)
    abort ();
  memcpy (hs, world.pending, sizeof *hs);
  result = tttd_handshake_consume_response (hs, world.client, out, sizeof out, &got, &client_keys);
  if (!tttd_cipher_in_mask (TTTD_CIPHER_MASK_ALL, payload.cipher))
    {
      if (result != TTTD_HANDSHAKE_BAD_PAYLOAD || !hs->pending)
        abort ();
      return 0;
    }
  if (result != TTTD_HANDSHAKE_OK || got.cipher != payload.cipher || got.flags != payload.flags ||
      got.n_addresses != payload.n_addresses || memcmp (client_keys.send, server_keys.recv, 32) != 0)
    abort ();
  for (guint i = 0; i < got.n_addresses; i++)
    if (!tttd_prefix_equal (&got.addresses[i], &payload.addresses[i]))
      abort ();
  return 0;
}
