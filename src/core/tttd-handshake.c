/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the Noise IK handshake: initiation, response, mac1, transport keys */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "tttd-handshake.h"

/* exactly 32 bytes, so it is the initial hash as it stands (Noise 5.2) */
static const char protocol_name[] = "Noise_IK_25519_ChaChaPoly_SHA256";
static const char prologue[] = "tuntuntun v1";
static const char mac1_label[] = "mac1----";

G_STATIC_ASSERT (sizeof protocol_name - 1 == 32);

const char *
tttd_handshake_result_to_string (TttdHandshakeResult result)
{
  switch (result)
    {
    case TTTD_HANDSHAKE_OK: return "ok";
    case TTTD_HANDSHAKE_BAD_MAC: return "bad mac1";
    case TTTD_HANDSHAKE_BAD_CRYPTO: return "authentication failed";
    case TTTD_HANDSHAKE_BAD_KEY: return "bad public key";
    case TTTD_HANDSHAKE_BAD_PAYLOAD: return "bad payload";
    case TTTD_HANDSHAKE_UNEXPECTED: return "no matching initiation";
    default: return "unknown";
    }
}

TttdIdentity *
tttd_identity_new (const guint8 private_key[32])
{
  TttdIdentity *identity = sodium_malloc (sizeof *identity);

  g_assert (identity != NULL);
  memcpy (identity->private_key, private_key, 32);
  if (!tttd_key_public (identity->private_key, identity->public_key))
    {
      tttd_identity_free (identity);
      return NULL;
    }
  tttd_mac1_key (identity->public_key, identity->mac1_key);
  return identity;
}

void
tttd_identity_free (TttdIdentity *identity)
{
  /* sodium_free wipes the memory */
  if (identity != NULL)
    sodium_free (identity);
}

/* the primitives of the Noise framework */

static void
mix_hash (guint8 h[32], const guint8 *data, gsize len)
{
  crypto_hash_sha256_state st;

  crypto_hash_sha256_init (&st);
  crypto_hash_sha256_update (&st, h, 32);
  crypto_hash_sha256_update (&st, data, len);
  crypto_hash_sha256_final (&st, h);
}

static void
hmac (guint8 out[32], const guint8 key[32], const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  crypto_auth_hmacsha256_state st;

  crypto_auth_hmacsha256_init (&st, key, 32);
  crypto_auth_hmacsha256_update (&st, a, a_len);
  if (b_len > 0)
    crypto_auth_hmacsha256_update (&st, b, b_len);
  crypto_auth_hmacsha256_final (&st, out);
  sodium_memzero (&st, sizeof st);
}

/* HKDF with HMAC-SHA256 (RFC 5869, as Noise 4.3 uses it): two outputs */
static void
hkdf2 (const guint8 ck[32], const guint8 *ikm, gsize ikm_len, guint8 out1[32], guint8 out2[32])
{
  guint8 temp[32], one = 1, two[33];

  hmac (temp, ck, ikm, ikm_len, NULL, 0);
  hmac (out1, temp, &one, 1, NULL, 0);
  memcpy (two, out1, 32);
  two[32] = 2;
  hmac (out2, temp, two, 33, NULL, 0);
  sodium_memzero (temp, sizeof temp);
  sodium_memzero (two, sizeof two);
}

/* MixKey (Noise 5.2) with the DH of priv and pub; k is the new cipher key */
static gboolean
mix_dh (guint8 ck[32], guint8 k[32], const guint8 priv[32], const guint8 pub[32])
{
  guint8 shared[32];
  guint8 new_ck[32];

  if (crypto_scalarmult (shared, priv, pub) != 0)
    return FALSE; /* low-order point: the result is all zeros */
  hkdf2 (ck, shared, 32, new_ck, k);
  memcpy (ck, new_ck, 32);
  sodium_memzero (shared, sizeof shared);
  sodium_memzero (new_ck, sizeof new_ck);
  return TRUE;
}

/* EncryptAndHash / DecryptAndHash with nonce 0: every key here seals once */
static void
encrypt_and_hash (guint8 h[32], const guint8 k[32], const guint8 *plain, gsize len, guint8 *out)
{
  guint8 nonce[12] = { 0 };

  crypto_aead_chacha20poly1305_ietf_encrypt (out, NULL, plain, len, h, 32, NULL, nonce, k);
  mix_hash (h, out, len + 16);
}

static gboolean
decrypt_and_hash (guint8 h[32], const guint8 k[32], const guint8 *cipher, gsize len, guint8 *out)
{
  guint8 nonce[12] = { 0 };

  if (crypto_aead_chacha20poly1305_ietf_decrypt (out, NULL, NULL, cipher, len + 16, h, 32, nonce, k) != 0)
    return FALSE;
  mix_hash (h, cipher, len + 16);
  return TRUE;
}

/* Initialize() and the pre-message: the responder's static key; the
 * message's cleartext header goes into the prologue so that it is
 * authenticated as well */
static void
initialize (TttdHandshake *hs, const guint8 *header, gsize header_len, const guint8 responder_static[32])
{
  memcpy (hs->hash, protocol_name, 32);
  memcpy (hs->chaining_key, protocol_name, 32);
  mix_hash (hs->hash, (const guint8 *) prologue, sizeof prologue - 1);
  mix_hash (hs->hash, header, header_len);
  mix_hash (hs->hash, responder_static, 32);
}

void
tttd_mac1_key (const guint8 public_key[32], guint8 out[32])
{
  crypto_generichash_state st;

  crypto_generichash_init (&st, NULL, 0, 32);
  crypto_generichash_update (&st, (const guint8 *) mac1_label, sizeof mac1_label - 1);
  crypto_generichash_update (&st, public_key, 32);
  crypto_generichash_final (&st, out, 32);
}

static void
mac1_compute (const guint8 mac1_key[32], const guint8 *msg, gsize len, guint8 out[16])
{
  crypto_generichash (out, 16, msg, len, mac1_key, 32);
}

gboolean
tttd_mac1_check (const guint8 mac1_key[32], const guint8 *msg, gsize len)
{
  guint8 mac[16];

  if (len < TTTD_MAC_LEN)
    return FALSE;
  mac1_compute (mac1_key, msg, len - TTTD_MAC_LEN, mac);
  return sodium_memcmp (mac, msg + len - TTTD_MAC_LEN, TTTD_MAC_LEN) == 0;
}

void
tttd_handshake_clear (TttdHandshake *hs)
{
  sodium_memzero (hs, sizeof *hs);
}

/* a failed step returns through here: no cipher or chaining key stays
 * behind on the stack */
static TttdHandshakeResult
wiped (TttdHandshakeResult result, guint8 k[32], guint8 *ck)
{
  sodium_memzero (k, 32);
  if (ck != NULL)
    sodium_memzero (ck, 32);
  return result;
}

static void
write_msg_header (guint8 *out, guint8 type)
{
  out[0] = TTTD_PROTOCOL_VERSION;
  out[1] = type;
  out[2] = 0;
  out[3] = 0;
}

TttdHandshakeResult
tttd_handshake_create_initiation (TttdHandshake *hs, const TttdIdentity *local, const guint8 remote_static[32],
                                  guint32 local_index, const TttdInitPayload *payload, gint64 now_us,
                                  guint8 out[TTTD_INITIATION_LEN])
{
  guint8 k[32], ephemeral_public[32], plain[TTTD_INIT_PAYLOAD_LEN] = { 0 };
  guint8 remote_mac1[32];

  tttd_handshake_clear (hs);
  write_msg_header (out, TTTD_MSG_INITIATION);
  tttd_put_le32 (out + 4, local_index);
  initialize (hs, out, 8, remote_static);
  memcpy (hs->remote_static, remote_static, 32);
  hs->local_index = local_index;
  hs->created_us = now_us;
  hs->offered_ciphers = payload->ciphers;

  /* -> e */
  tttd_key_generate (hs->ephemeral_private);
  if (!tttd_key_public (hs->ephemeral_private, ephemeral_public))
    return TTTD_HANDSHAKE_BAD_KEY;
  memcpy (out + 8, ephemeral_public, 32);
  mix_hash (hs->hash, ephemeral_public, 32);
  /* -> es */
  if (!mix_dh (hs->chaining_key, k, hs->ephemeral_private, remote_static))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, NULL);
  /* -> s */
  encrypt_and_hash (hs->hash, k, local->public_key, 32, out + 40);
  /* -> ss */
  if (!mix_dh (hs->chaining_key, k, local->private_key, remote_static))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, NULL);
  /* payload */
  tttd_put_le64 (plain, (guint64) payload->timestamp_us);
  tttd_put_le16 (plain + 8, payload->link);
  plain[10] = payload->ciphers;
  plain[11] = payload->flags;
  encrypt_and_hash (hs->hash, k, plain, sizeof plain, out + 88);
  sodium_memzero (k, sizeof k);

  tttd_mac1_key (remote_static, remote_mac1);
  mac1_compute (remote_mac1, out, TTTD_INITIATION_MAC1_OFFSET, out + TTTD_INITIATION_MAC1_OFFSET);
  memcpy (hs->mac1, out + TTTD_INITIATION_MAC1_OFFSET, TTTD_MAC_LEN);
  /* no cookie: tttd_cookie_mac2_write puts one in when there is */
  memset (out + TTTD_INITIATION_MAC2_OFFSET, 0, TTTD_MAC_LEN);
  hs->pending = TRUE;
  return TTTD_HANDSHAKE_OK;
}

TttdHandshakeResult
tttd_handshake_consume_initiation (TttdHandshake *hs, const TttdIdentity *local, const guint8 *msg, gsize len,
                                   TttdInitPayload *payload)
{
  guint8 k[32], plain[TTTD_INIT_PAYLOAD_LEN];

  tttd_handshake_clear (hs);
  if (len != TTTD_INITIATION_LEN || msg[1] != TTTD_MSG_INITIATION)
    return TTTD_HANDSHAKE_BAD_PAYLOAD;
  if (!tttd_mac1_check (local->mac1_key, msg, TTTD_INITIATION_MAC2_OFFSET))
    return TTTD_HANDSHAKE_BAD_MAC;
  initialize (hs, msg, 8, local->public_key);
  hs->remote_index = tttd_get_le32 (msg + 4);
  /* <- e */
  memcpy (hs->remote_ephemeral, msg + 8, 32);
  mix_hash (hs->hash, hs->remote_ephemeral, 32);
  /* <- es */
  if (!mix_dh (hs->chaining_key, k, local->private_key, hs->remote_ephemeral))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, NULL);
  /* <- s */
  if (!decrypt_and_hash (hs->hash, k, msg + 40, 32, hs->remote_static))
    return wiped (TTTD_HANDSHAKE_BAD_CRYPTO, k, NULL);
  /* <- ss */
  if (!mix_dh (hs->chaining_key, k, local->private_key, hs->remote_static))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, NULL);
  if (!decrypt_and_hash (hs->hash, k, msg + 88, sizeof plain, plain))
    return wiped (TTTD_HANDSHAKE_BAD_CRYPTO, k, NULL);
  sodium_memzero (k, sizeof k);
  payload->timestamp_us = tttd_get_le64 (plain);
  payload->link = tttd_get_le16 (plain + 8);
  payload->ciphers = plain[10];
  payload->flags = plain[11];
  if ((payload->flags & ~TTTD_HANDSHAKE_FRESH) != 0)
    return TTTD_HANDSHAKE_BAD_PAYLOAD;
  for (guint i = 12; i < sizeof plain; i++)
    if (plain[i] != 0)
      return TTTD_HANDSHAKE_BAD_PAYLOAD;
  hs->pending = TRUE;
  return TTTD_HANDSHAKE_OK;
}

static void
split (TttdHandshake *hs, gboolean initiator, TttdSessionKeys *keys)
{
  guint8 k1[32], k2[32];

  hkdf2 (hs->chaining_key, NULL, 0, k1, k2);
  memcpy (keys->send, initiator ? k1 : k2, 32);
  memcpy (keys->recv, initiator ? k2 : k1, 32);
  sodium_memzero (k1, sizeof k1);
  sodium_memzero (k2, sizeof k2);
}

static void
write_response_payload (guint8 *plain, const TttdResponsePayload *payload)
{
  memset (plain, 0, TTTD_RESPONSE_PAYLOAD_LEN);
  plain[0] = payload->cipher;
  plain[1] = MIN (payload->n_addresses, TTTD_RESPONSE_ADDRESSES);
  plain[2] = payload->flags;
  for (guint i = 0; i < plain[1]; i++)
    {
      guint8 *slot = plain + 4 + i * 18;
      const TttdPrefix *p = &payload->addresses[i];
      slot[0] = p->family == AF_INET6 ? 6 : 4;
      slot[1] = p->prefix;
      memcpy (slot + 2, p->addr, 16);
    }
}

gboolean
tttd_response_payload_parse (const guint8 plain[TTTD_RESPONSE_PAYLOAD_LEN], TttdResponsePayload *payload)
{
  memset (payload, 0, sizeof *payload);
  payload->cipher = plain[0];
  payload->n_addresses = plain[1];
  payload->flags = plain[2];
  if (payload->n_addresses > TTTD_RESPONSE_ADDRESSES ||
      (payload->flags & ~(TTTD_HANDSHAKE_FRESH | TTTD_HANDSHAKE_CSUM_PARTIAL)) != 0 || plain[3] != 0)
    return FALSE;
  for (guint i = 0; i < payload->n_addresses; i++)
    {
      const guint8 *slot = plain + 4 + i * 18;
      TttdPrefix *p = &payload->addresses[i];
      if (slot[0] == 4 && slot[1] <= 32)
        p->family = AF_INET;
      else if (slot[0] == 6 && slot[1] <= 128)
        p->family = AF_INET6;
      else
        return FALSE;
      p->prefix = slot[1];
      memcpy (p->addr, slot + 2, 16);
    }
  return TRUE;
}

TttdHandshakeResult
tttd_handshake_create_response (TttdHandshake *hs, const TttdIdentity *local, guint32 local_index,
                                const TttdResponsePayload *payload, guint8 out[TTTD_RESPONSE_LEN],
                                TttdSessionKeys *keys)
{
  guint8 k[32], ephemeral_public[32], plain[TTTD_RESPONSE_PAYLOAD_LEN];
  guint8 remote_mac1[32];

  g_return_val_if_fail (hs->pending, TTTD_HANDSHAKE_UNEXPECTED);
  write_msg_header (out, TTTD_MSG_RESPONSE);
  tttd_put_le32 (out + 4, local_index);
  tttd_put_le32 (out + 8, hs->remote_index);
  hs->local_index = local_index;
  mix_hash (hs->hash, out, 12);
  /* <- e */
  tttd_key_generate (hs->ephemeral_private);
  if (!tttd_key_public (hs->ephemeral_private, ephemeral_public))
    return TTTD_HANDSHAKE_BAD_KEY;
  memcpy (out + 12, ephemeral_public, 32);
  mix_hash (hs->hash, ephemeral_public, 32);
  /* <- ee, se */
  if (!mix_dh (hs->chaining_key, k, hs->ephemeral_private, hs->remote_ephemeral) ||
      !mix_dh (hs->chaining_key, k, hs->ephemeral_private, hs->remote_static))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, NULL);
  write_response_payload (plain, payload);
  encrypt_and_hash (hs->hash, k, plain, sizeof plain, out + 44);
  sodium_memzero (k, sizeof k);
  tttd_mac1_key (hs->remote_static, remote_mac1);
  mac1_compute (remote_mac1, out, TTTD_RESPONSE_LEN - TTTD_MAC_LEN, out + TTTD_RESPONSE_LEN - TTTD_MAC_LEN);
  split (hs, FALSE, keys);
  /* the caller reads the indexes, then clears hs */
  hs->pending = FALSE;
  return TTTD_HANDSHAKE_OK;
}

TttdHandshakeResult
tttd_handshake_consume_response (TttdHandshake *hs, const TttdIdentity *local, const guint8 *msg, gsize len,
                                 TttdResponsePayload *payload, TttdSessionKeys *keys)
{
  guint8 k[32], plain[TTTD_RESPONSE_PAYLOAD_LEN];
  guint8 hash[32], ck[32];
  const guint8 *remote_ephemeral;

  if (len != TTTD_RESPONSE_LEN || msg[1] != TTTD_MSG_RESPONSE)
    return TTTD_HANDSHAKE_BAD_PAYLOAD;
  remote_ephemeral = msg + 12;
  if (!hs->pending || tttd_get_le32 (msg + 8) != hs->local_index)
    return TTTD_HANDSHAKE_UNEXPECTED;
  if (!tttd_mac1_check (local->mac1_key, msg, len))
    return TTTD_HANDSHAKE_BAD_MAC;
  /* work on copies: a forged response must not spoil the pending state */
  memcpy (hash, hs->hash, 32);
  memcpy (ck, hs->chaining_key, 32);
  mix_hash (hash, msg, 12);
  mix_hash (hash, remote_ephemeral, 32);
  if (!mix_dh (ck, k, hs->ephemeral_private, remote_ephemeral) || !mix_dh (ck, k, local->private_key, remote_ephemeral))
    return wiped (TTTD_HANDSHAKE_BAD_KEY, k, ck);
  if (!decrypt_and_hash (hash, k, msg + 44, sizeof plain, plain))
    return wiped (TTTD_HANDSHAKE_BAD_CRYPTO, k, ck);
  sodium_memzero (k, sizeof k);
  /* a cipher we did not offer (or none at all) cannot make a session */
  if (!tttd_response_payload_parse (plain, payload) || !tttd_cipher_in_mask (hs->offered_ciphers, payload->cipher))
    return wiped (TTTD_HANDSHAKE_BAD_PAYLOAD, k, ck);
  memcpy (hs->chaining_key, ck, 32);
  sodium_memzero (ck, sizeof ck);
  hs->remote_index = tttd_get_le32 (msg + 4);
  split (hs, TRUE, keys);
  return TTTD_HANDSHAKE_OK;
}
