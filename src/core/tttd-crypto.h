/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>
#include <sodium.h>

G_BEGIN_DECLS

#define TTTD_KEY_BASE64_LEN 44

/* X25519 keys, as WireGuard writes them (base64 of 32 bytes, private keys
 * clamped) */
gboolean tttd_crypto_init (GError **error);
void tttd_key_generate (guint8 private_key[32]);
gboolean tttd_key_public (const guint8 private_key[32], guint8 public_key[32]);
void tttd_key_to_base64 (const guint8 key[32], char out[TTTD_KEY_BASE64_LEN + 1]);
gboolean tttd_key_from_base64 (const char *text, guint8 key[32], GError **error);

/**
 * TttdCipher:
 *
 * The transport AEAD, chosen at the handshake; the values are on the wire.
 */
typedef enum {
  TTTD_CIPHER_CHACHA20_POLY1305 = 1,
  TTTD_CIPHER_AES256_GCM = 2,
} TttdCipher;

#define TTTD_CIPHER_MASK_ALL ((1u << TTTD_CIPHER_CHACHA20_POLY1305) | (1u << TTTD_CIPHER_AES256_GCM))

guint8 tttd_cipher_local_mask (void);
TttdCipher tttd_cipher_choose (guint8 local_mask, guint8 remote_mask);
gboolean tttd_cipher_in_mask (guint8 mask, guint cipher);
const char *tttd_cipher_to_string (TttdCipher cipher);

/* one direction's key; lives in sodium_malloc()ed memory (TttdKeypair) */
typedef struct {
  union {
    crypto_aead_aes256gcm_state aes;
    guint8 raw[32];
  } u;
  TttdCipher cipher;
} TttdAeadKey;

void tttd_aead_key_init (TttdAeadKey *key, TttdCipher cipher, const guint8 raw[32]);
/* seal in place: text becomes ciphertext, the tag goes to tag */
void tttd_aead_seal (const TttdAeadKey *key, guint64 counter, const guint8 *ad, gsize ad_len, guint8 *text,
                     gsize text_len, guint8 tag[16]);
gboolean tttd_aead_open (const TttdAeadKey *key, guint64 counter, const guint8 *ad, gsize ad_len, guint8 *text,
                         gsize text_len, const guint8 tag[16]);

/* a sliding window over counters: large enough for multipath reordering */
#define TTTD_REPLAY_WINDOW 8192

typedef struct {
  guint64 top; /* highest counter accepted + 1 */
  guint64 bits[TTTD_REPLAY_WINDOW / 64];
} TttdReplay;

void tttd_replay_init (TttdReplay *replay);
/* TRUE when the counter was not seen and is not too old; checks only */
gboolean tttd_replay_check (const TttdReplay *replay, guint64 counter);
/* marks it seen; call only after the datagram was authenticated */
gboolean tttd_replay_update (TttdReplay *replay, guint64 counter);

G_END_DECLS
