/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* keys, the transport AEADs with their counter nonce, and the replay window */
#include "config.h"

#include <string.h>

#include "tttd-crypto.h"
#include "tttd-error.h"

gboolean
tttd_crypto_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "libsodium failed to initialise");
      return FALSE;
    }
  return TRUE;
}

void
tttd_key_generate (guint8 private_key[32])
{
  randombytes_buf (private_key, 32);
  /* clamp as curve25519 wants it (and as wg genkey does) */
  private_key[0] &= 248;
  private_key[31] &= 127;
  private_key[31] |= 64;
}

gboolean
tttd_key_public (const guint8 private_key[32], guint8 public_key[32])
{
  return crypto_scalarmult_base (public_key, private_key) == 0;
}

void
tttd_key_to_base64 (const guint8 key[32], char out[TTTD_KEY_BASE64_LEN + 1])
{
  sodium_bin2base64 (out, TTTD_KEY_BASE64_LEN + 1, key, 32, sodium_base64_VARIANT_ORIGINAL);
}

gboolean
tttd_key_from_base64 (const char *text, guint8 key[32], GError **error)
{
  size_t len = 0;
  const char *end = NULL;
  g_autofree char *copy = g_strstrip (g_strdup (text));

  if (strlen (copy) != TTTD_KEY_BASE64_LEN ||
      sodium_base642bin (key, 32, copy, strlen (copy), NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != 32 || *end != '\0')
    {
      sodium_memzero (copy, strlen (copy));
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY,
                   "not a base64 32-byte key (44 characters, as 'tttctl genkey' prints)");
      return FALSE;
    }
  sodium_memzero (copy, strlen (copy));
  return TRUE;
}

guint8
tttd_cipher_local_mask (void)
{
  guint8 mask = 1u << TTTD_CIPHER_CHACHA20_POLY1305;

  if (crypto_aead_aes256gcm_is_available ())
    mask |= 1u << TTTD_CIPHER_AES256_GCM;
  return mask;
}

/* AES-256-GCM when both ends have it in hardware (several times faster
 * there, see bench/), ChaCha20-Poly1305 otherwise; 0 when nothing fits */
TttdCipher
tttd_cipher_choose (guint8 local_mask, guint8 remote_mask)
{
  guint8 both = local_mask & remote_mask;

  if (both & (1u << TTTD_CIPHER_AES256_GCM))
    return TTTD_CIPHER_AES256_GCM;
  if (both & (1u << TTTD_CIPHER_CHACHA20_POLY1305))
    return TTTD_CIPHER_CHACHA20_POLY1305;
  return 0;
}

/* whether cipher (as read off the wire) is one we know and is in mask */
gboolean
tttd_cipher_in_mask (guint8 mask, guint cipher)
{
  return (cipher == TTTD_CIPHER_CHACHA20_POLY1305 || cipher == TTTD_CIPHER_AES256_GCM) && (mask & (1u << cipher)) != 0;
}

const char *
tttd_cipher_to_string (TttdCipher cipher)
{
  switch (cipher)
    {
    case TTTD_CIPHER_CHACHA20_POLY1305: return "chacha20-poly1305";
    case TTTD_CIPHER_AES256_GCM: return "aes-256-gcm";
    default: return "none";
    }
}

void
tttd_aead_key_init (TttdAeadKey *key, TttdCipher cipher, const guint8 raw[32])
{
  sodium_memzero (key, sizeof *key);
  key->cipher = cipher;
  if (cipher == TTTD_CIPHER_AES256_GCM)
    crypto_aead_aes256gcm_beforenm (&key->u.aes, raw);
  else
    memcpy (key->u.raw, raw, 32);
}

static inline void
make_nonce (guint8 nonce[12], guint64 counter)
{
  memset (nonce, 0, 4);
  for (guint i = 0; i < 8; i++)
    nonce[4 + i] = (guint8) (counter >> (8 * i));
}

void
tttd_aead_seal (const TttdAeadKey *key, guint64 counter, const guint8 *ad, gsize ad_len, guint8 *text, gsize text_len,
                guint8 tag[16])
{
  guint8 nonce[12];

  make_nonce (nonce, counter);
  if (key->cipher == TTTD_CIPHER_AES256_GCM)
    crypto_aead_aes256gcm_encrypt_detached_afternm (text, tag, NULL, text, text_len, ad, ad_len, NULL, nonce,
                                                    &key->u.aes);
  else
    crypto_aead_chacha20poly1305_ietf_encrypt_detached (text, tag, NULL, text, text_len, ad, ad_len, NULL, nonce,
                                                        key->u.raw);
}

gboolean
tttd_aead_open (const TttdAeadKey *key, guint64 counter, const guint8 *ad, gsize ad_len, guint8 *text, gsize text_len,
                const guint8 tag[16])
{
  guint8 nonce[12];

  make_nonce (nonce, counter);
  if (key->cipher == TTTD_CIPHER_AES256_GCM)
    return crypto_aead_aes256gcm_decrypt_detached_afternm (text, NULL, text, text_len, tag, ad, ad_len, nonce,
                                                           &key->u.aes) == 0;
  if (key->cipher == TTTD_CIPHER_CHACHA20_POLY1305)
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached (text, NULL, text, text_len, tag, ad, ad_len, nonce,
                                                               key->u.raw) == 0;
  return FALSE;
}

void
tttd_replay_init (TttdReplay *replay)
{
  memset (replay, 0, sizeof *replay);
}

#define REPLAY_WORDS (TTTD_REPLAY_WINDOW / 64)

gboolean
tttd_replay_check (const TttdReplay *replay, guint64 counter)
{
  guint64 bit;

  if (counter == G_MAXUINT64)
    return FALSE;
  if (counter >= replay->top)
    return TRUE;
  /* the window covers [top - (WINDOW - 64), top); one word is kept spare so
   * that moving forward clears whole words */
  if (replay->top - counter > TTTD_REPLAY_WINDOW - 64)
    return FALSE;
  bit = counter % TTTD_REPLAY_WINDOW;
  return (replay->bits[bit / 64] & (G_GUINT64_CONSTANT (1) << (bit % 64))) == 0;
}

gboolean
tttd_replay_update (TttdReplay *replay, guint64 counter)
{
  guint64 bit;

  if (!tttd_replay_check (replay, counter))
    return FALSE;
  if (counter >= replay->top)
    {
      /* clear the words the window slides over */
      guint64 old_word = replay->top == 0 ? 0 : (replay->top - 1) / 64;
      guint64 new_word = counter / 64;
      if (replay->top == 0)
        memset (replay->bits, 0, sizeof replay->bits);
      else if (new_word - old_word >= REPLAY_WORDS)
        memset (replay->bits, 0, sizeof replay->bits);
      else
        for (guint64 w = old_word + 1; w <= new_word; w++)
          replay->bits[w % REPLAY_WORDS] = 0;
      replay->top = counter + 1;
    }
  bit = counter % TTTD_REPLAY_WINDOW;
  replay->bits[bit / 64] |= G_GUINT64_CONSTANT (1) << (bit % 64);
  return TRUE;
}
