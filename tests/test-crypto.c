/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-crypto.h"
#include "tttd-error.h"
#include "tttd-packet.h"

typedef struct {
  TttdAeadKey *key; /* sodium_malloc()ed, as the daemon keeps it */
  TttdAeadKey *other;
  TttdReplay replay;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (tttd_crypto_init (&error));
  g_assert_no_error (error);
  f->key = sodium_malloc (sizeof *f->key);
  f->other = sodium_malloc (sizeof *f->other);
  g_assert_nonnull (f->key);
  g_assert_nonnull (f->other);
  tttd_replay_init (&f->replay);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sodium_free (f->key);
  sodium_free (f->other);
}

static void
hex_decode (const char *hex, guint8 *out, gsize len)
{
  g_assert_cmpuint (strlen (hex), ==, 2 * len);
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* keys */

static void
test_key_rfc7748 (Fixture *f, gconstpointer data)
{
  /* RFC 7748, 6.1: X25519(a, 9) and X25519(b, 9) */
  guint8 priv[32], pub[32], want[32];

  hex_decode ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", priv, 32);
  hex_decode ("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
  g_assert_true (tttd_key_public (priv, pub));
  g_assert_cmpmem (pub, 32, want, 32);

  hex_decode ("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", priv, 32);
  hex_decode ("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", want, 32);
  g_assert_true (tttd_key_public (priv, pub));
  g_assert_cmpmem (pub, 32, want, 32);
}

static void
test_key_generate (Fixture *f, gconstpointer data)
{
  guint8 a[32], b[32], pa[32], pb[32];

  for (guint n = 0; n < 64; n++)
    {
      tttd_key_generate (a);
      /* clamped as wg genkey does it */
      g_assert_cmpuint (a[0] & 7, ==, 0);
      g_assert_cmpuint (a[31] & 0x80, ==, 0);
      g_assert_cmpuint (a[31] & 0x40, ==, 0x40);
    }
  tttd_key_generate (b);
  g_assert_cmpint (memcmp (a, b, 32), !=, 0);
  g_assert_true (tttd_key_public (a, pa));
  g_assert_true (tttd_key_public (b, pb));
  g_assert_cmpint (memcmp (pa, pb, 32), !=, 0);
  /* the public key is a function of the private one */
  g_assert_true (tttd_key_public (a, pb));
  g_assert_cmpmem (pa, 32, pb, 32);
}

static void
test_key_base64 (Fixture *f, gconstpointer data)
{
  guint8 key[32], back[32];
  char text[TTTD_KEY_BASE64_LEN + 1];
  g_autoptr (GError) error = NULL;
  g_autofree char *padded = NULL;

  for (guint i = 0; i < 32; i++)
    key[i] = (guint8) i;
  tttd_key_to_base64 (key, text);
  g_assert_cmpstr (text, ==, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  g_assert_true (tttd_key_from_base64 (text, back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (key, 32, back, 32);

  for (guint n = 0; n < 32; n++)
    {
      tttd_key_generate (key);
      tttd_key_to_base64 (key, text);
      g_assert_cmpuint (strlen (text), ==, TTTD_KEY_BASE64_LEN);
      g_assert_cmpint (text[43], ==, '=');
      memset (back, 0, sizeof back);
      g_assert_true (tttd_key_from_base64 (text, back, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (key, 32, back, 32);
    }

  /* as read from a file: a trailing newline and blanks are fine */
  padded = g_strdup_printf ("  %s\n", text);
  g_assert_true (tttd_key_from_base64 (padded, back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (key, 32, back, 32);
}

static void
test_key_base64_bad (Fixture *f, gconstpointer data)
{
  const char *bad[] = {
    "",
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",      /* 43: no padding */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",    /* 45 */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA", /* trailing data */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",     /* 31 bytes */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",     /* 33 bytes */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh!=",     /* bad alphabet */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_=",     /* URL-safe alphabet */
    "AAECAwQFBgcICQoLDA0ODxAREhMUF-YXGBkaGxwdHh8=",
    "AAECAwQFBgcICQoLDA0OD AREhMUFRYXGBkaGxwdHh8=", /* inner blank */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH"
    "\xc3\xa9=",                                    /* non-ASCII, 44 bytes */
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", /* unused low bits set: not canonical */
    "=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      guint8 key[32];
      g_test_message ("key '%s'", bad[i]);
      g_assert_false (tttd_key_from_base64 (bad[i], key, &error));
      g_assert_error (error, TTTD_ERROR, TTTD_ERROR_KEY);
    }
}

/* ciphers */

static void
test_cipher_choose (Fixture *f, gconstpointer data)
{
  const guint8 chacha = 1u << TTTD_CIPHER_CHACHA20_POLY1305;
  const guint8 aes = 1u << TTTD_CIPHER_AES256_GCM;
  guint8 local = tttd_cipher_local_mask ();

  /* ChaCha20-Poly1305 is always there; AES-GCM only with hardware support */
  g_assert_cmpuint (local & chacha, ==, chacha);
  g_assert_cmpuint (local & ~TTTD_CIPHER_MASK_ALL, ==, 0);
  g_assert_cmpuint (!!(local & aes), ==, !!crypto_aead_aes256gcm_is_available ());

  g_assert_cmpint (tttd_cipher_choose (TTTD_CIPHER_MASK_ALL, TTTD_CIPHER_MASK_ALL), ==, TTTD_CIPHER_AES256_GCM);
  g_assert_cmpint (tttd_cipher_choose (chacha, TTTD_CIPHER_MASK_ALL), ==, TTTD_CIPHER_CHACHA20_POLY1305);
  g_assert_cmpint (tttd_cipher_choose (TTTD_CIPHER_MASK_ALL, chacha), ==, TTTD_CIPHER_CHACHA20_POLY1305);
  g_assert_cmpint (tttd_cipher_choose (aes, aes), ==, TTTD_CIPHER_AES256_GCM);
  g_assert_cmpint (tttd_cipher_choose (aes, chacha), ==, 0);
  g_assert_cmpint (tttd_cipher_choose (0, TTTD_CIPHER_MASK_ALL), ==, 0);
  g_assert_cmpint (tttd_cipher_choose (TTTD_CIPHER_MASK_ALL, 0), ==, 0);
  /* unknown bits from a newer peer are ignored */
  g_assert_cmpint (tttd_cipher_choose (TTTD_CIPHER_MASK_ALL, 0xf8 | chacha), ==, TTTD_CIPHER_CHACHA20_POLY1305);
  g_assert_cmpint (tttd_cipher_choose (TTTD_CIPHER_MASK_ALL, 0xf9), ==, 0);

  g_assert_cmpstr (tttd_cipher_to_string (TTTD_CIPHER_CHACHA20_POLY1305), ==, "chacha20-poly1305");
  g_assert_cmpstr (tttd_cipher_to_string (TTTD_CIPHER_AES256_GCM), ==, "aes-256-gcm");
  g_assert_cmpstr (tttd_cipher_to_string (0), ==, "none");
}

/* AEAD: the data is the test's TttdCipher */

static gboolean
skip_unless_available (TttdCipher cipher)
{
  if (cipher == TTTD_CIPHER_AES256_GCM && !crypto_aead_aes256gcm_is_available ())
    {
      g_test_skip ("no AES-GCM in hardware here");
      return TRUE;
    }
  return FALSE;
}

static void
make_header (guint8 header[TTTD_HEADER_LEN], guint64 counter)
{
  TttdHeader h = { TTTD_MSG_TRANSPORT, 0x01020304, counter };

  tttd_header_write (header, &h);
}

static void
test_aead_round_trip (Fixture *f, gconstpointer data)
{
  TttdCipher cipher = GPOINTER_TO_INT (data);
  const gsize lengths[] = { 0, 1, 15, 16, 17, 64, 1400, 9000 };
  guint8 raw[32], header[TTTD_HEADER_LEN], tag[16];

  if (skip_unless_available (cipher))
    return;
  randombytes_buf (raw, sizeof raw);
  tttd_aead_key_init (f->key, cipher, raw);
  g_assert_cmpint (f->key->cipher, ==, cipher);

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      gsize len = lengths[i];
      guint64 counter = G_GUINT64_CONSTANT (0x0123456789) * i;
      g_autofree guint8 *plain = g_malloc (MAX (len, 1));
      g_autofree guint8 *text = g_malloc (MAX (len, 1));

      randombytes_buf (plain, len);
      memcpy (text, plain, len);
      make_header (header, counter);
      tttd_aead_seal (f->key, counter, header, sizeof header, text, len, tag);
      if (len >= 16)
        g_assert_cmpint (memcmp (text, plain, len), !=, 0);
      g_assert_true (tttd_aead_open (f->key, counter, header, sizeof header, text, len, tag));
      g_assert_cmpmem (text, len, plain, len);
    }
}

/* the nonce is 32 zero bits then the counter, little-endian (as WireGuard's) */
static void
test_aead_nonce (Fixture *f, gconstpointer data)
{
  TttdCipher cipher = GPOINTER_TO_INT (data);
  const guint64 counter = G_GUINT64_CONSTANT (0x1122334455667788);
  guint8 raw[32], header[TTTD_HEADER_LEN], nonce[12] = { 0 };
  guint8 ours[100], ref[100], tag[16], ref_tag[16];

  if (skip_unless_available (cipher))
    return;
  randombytes_buf (raw, sizeof raw);
  randombytes_buf (ours, sizeof ours);
  memcpy (ref, ours, sizeof ours);
  make_header (header, counter);
  tttd_put_le64 (nonce + 4, counter);

  tttd_aead_key_init (f->key, cipher, raw);
  tttd_aead_seal (f->key, counter, header, sizeof header, ours, sizeof ours, tag);
  if (cipher == TTTD_CIPHER_AES256_GCM)
    crypto_aead_aes256gcm_encrypt_detached (ref, ref_tag, NULL, ref, sizeof ref, header, sizeof header, NULL, nonce,
                                            raw);
  else
    crypto_aead_chacha20poly1305_ietf_encrypt_detached (ref, ref_tag, NULL, ref, sizeof ref, header, sizeof header,
                                                        NULL, nonce, raw);
  g_assert_cmpmem (ours, sizeof ours, ref, sizeof ref);
  g_assert_cmpmem (tag, 16, ref_tag, 16);
}

static void
test_aead_tamper (Fixture *f, gconstpointer data)
{
  TttdCipher cipher = GPOINTER_TO_INT (data);
  const guint64 counter = 77;
  guint8 raw[32], header[TTTD_HEADER_LEN], plain[64], sealed[64], tag[16];

  if (skip_unless_available (cipher))
    return;
  randombytes_buf (raw, sizeof raw);
  randombytes_buf (plain, sizeof plain);
  tttd_aead_key_init (f->key, cipher, raw);
  make_header (header, counter);
  memcpy (sealed, plain, sizeof plain);
  tttd_aead_seal (f->key, counter, header, sizeof header, sealed, sizeof sealed, tag);

  /* one flipped bit anywhere in header, ciphertext or tag is caught */
  for (guint part = 0; part < 3; part++)
    {
      gsize n = part == 0 ? sizeof header : part == 1 ? sizeof sealed : sizeof tag;
      for (gsize i = 0; i < n; i++)
        for (guint bit = 0; bit < 8; bit += 7)
          {
            guint8 h[TTTD_HEADER_LEN], text[64], t[16];
            memcpy (h, header, sizeof h);
            memcpy (text, sealed, sizeof text);
            memcpy (t, tag, sizeof t);
            (part == 0 ? h : part == 1 ? text : t)[i] ^= (guint8) (1u << bit);
            g_assert_false (tttd_aead_open (f->key, counter, h, sizeof h, text, sizeof text, t));
          }
    }

  /* a shorter or missing associated data, or a truncated text, fail too */
  {
    guint8 text[64];
    memcpy (text, sealed, sizeof text);
    g_assert_false (tttd_aead_open (f->key, counter, header, sizeof header - 1, text, sizeof text, tag));
    memcpy (text, sealed, sizeof text);
    g_assert_false (tttd_aead_open (f->key, counter, NULL, 0, text, sizeof text, tag));
    memcpy (text, sealed, sizeof text);
    g_assert_false (tttd_aead_open (f->key, counter, header, sizeof header, text, sizeof text - 1, tag));
  }

  /* the untouched message still opens */
  g_assert_true (tttd_aead_open (f->key, counter, header, sizeof header, sealed, sizeof sealed, tag));
  g_assert_cmpmem (sealed, sizeof sealed, plain, sizeof plain);
}

static void
test_aead_wrong_counter_key (Fixture *f, gconstpointer data)
{
  TttdCipher cipher = GPOINTER_TO_INT (data);
  const guint64 counters[] = { 0, 1, 41, 43, 42 + (G_GUINT64_CONSTANT (1) << 32), G_MAXUINT64 };
  guint8 raw[32], raw2[32], header[TTTD_HEADER_LEN], sealed[40], text[40], tag[16];

  if (skip_unless_available (cipher))
    return;
  randombytes_buf (raw, sizeof raw);
  memcpy (raw2, raw, sizeof raw);
  raw2[31] ^= 1;
  randombytes_buf (sealed, sizeof sealed);
  tttd_aead_key_init (f->key, cipher, raw);
  make_header (header, 42);
  tttd_aead_seal (f->key, 42, header, sizeof header, sealed, sizeof sealed, tag);

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    {
      memcpy (text, sealed, sizeof text);
      g_assert_false (tttd_aead_open (f->key, counters[i], header, sizeof header, text, sizeof text, tag));
    }
  /* another key, or the same bytes used with the other cipher */
  tttd_aead_key_init (f->other, cipher, raw2);
  memcpy (text, sealed, sizeof text);
  g_assert_false (tttd_aead_open (f->other, 42, header, sizeof header, text, sizeof text, tag));
  if (crypto_aead_aes256gcm_is_available ())
    {
      TttdCipher cross = cipher == TTTD_CIPHER_AES256_GCM ? TTTD_CIPHER_CHACHA20_POLY1305 : TTTD_CIPHER_AES256_GCM;
      tttd_aead_key_init (f->other, cross, raw);
      memcpy (text, sealed, sizeof text);
      g_assert_false (tttd_aead_open (f->other, 42, header, sizeof header, text, sizeof text, tag));
    }
  /* a key with no cipher opens nothing */
  tttd_aead_key_init (f->other, 0, raw);
  memcpy (text, sealed, sizeof text);
  g_assert_false (tttd_aead_open (f->other, 42, header, sizeof header, text, sizeof text, tag));

  memcpy (text, sealed, sizeof text);
  g_assert_true (tttd_aead_open (f->key, 42, header, sizeof header, text, sizeof text, tag));
}

/* replay window */

/* how far behind the highest counter a fresh counter is still accepted:
 * the exact edge is the implementation's, but the window (the highest
 * counter included) must hold between WINDOW - 64 (one spare word) and
 * WINDOW counters */
static guint64
window_edge (Fixture *f, guint64 high)
{
  guint64 edge = 0;

  tttd_replay_init (&f->replay);
  g_assert_true (tttd_replay_update (&f->replay, high));
  for (guint64 back = 1; back <= TTTD_REPLAY_WINDOW + 64; back++)
    {
      if (tttd_replay_check (&f->replay, high - back))
        {
          /* everything nearer was accepted too */
          g_assert_cmpuint (edge, ==, back - 1);
          edge = back;
        }
    }
  return edge;
}

static void
test_replay_in_order (Fixture *f, gconstpointer data)
{
  for (guint64 c = 0; c < 3 * TTTD_REPLAY_WINDOW + 100; c++)
    {
      g_assert_true (tttd_replay_check (&f->replay, c));
      g_assert_true (tttd_replay_update (&f->replay, c));
      g_assert_false (tttd_replay_check (&f->replay, c));
      g_assert_false (tttd_replay_update (&f->replay, c));
      if (c > 0)
        g_assert_false (tttd_replay_update (&f->replay, c - 1));
    }
}

static void
test_replay_window_edge (Fixture *f, gconstpointer data)
{
  const guint64 highs[] = { TTTD_REPLAY_WINDOW + 64, 100000, 100000 + 63, G_MAXUINT64 - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (highs); i++)
    {
      guint64 edge = window_edge (f, highs[i]);
      g_test_message ("high %" G_GUINT64_FORMAT ": window %" G_GUINT64_FORMAT, highs[i], edge);
      /* the window, the highest counter included */
      g_assert_cmpuint (edge + 1, >=, TTTD_REPLAY_WINDOW - 64);
      g_assert_cmpuint (edge + 1, <=, TTTD_REPLAY_WINDOW);
      /* beyond the edge: refused by check and update alike */
      g_assert_false (tttd_replay_update (&f->replay, highs[i] - edge - 1));
      g_assert_false (tttd_replay_update (&f->replay, 0));
      g_assert_true (tttd_replay_update (&f->replay, highs[i] - edge));
      g_assert_false (tttd_replay_update (&f->replay, highs[i] - edge));
    }
}

static void
test_replay_reorder (Fixture *f, gconstpointer data)
{
  const guint n = 4096;
  g_autofree guint64 *order = g_new (guint64, n);

  /* backwards from a high counter */
  g_assert_true (tttd_replay_update (&f->replay, 1000));
  for (guint64 c = 999; c >= 1; c--)
    g_assert_true (tttd_replay_update (&f->replay, c));
  g_assert_true (tttd_replay_update (&f->replay, 0));
  for (guint64 c = 0; c <= 1000; c++)
    g_assert_false (tttd_replay_check (&f->replay, c));
  g_assert_true (tttd_replay_check (&f->replay, 1001));

  /* a shuffle inside the window, as several links of different delay give */
  tttd_replay_init (&f->replay);
  for (guint i = 0; i < n; i++)
    order[i] = 5000 + i;
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = (guint) g_test_rand_int_range (0, (gint32) i + 1);
      guint64 t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  for (guint i = 0; i < n; i++)
    g_assert_true (tttd_replay_update (&f->replay, order[i]));
  for (guint i = 0; i < n; i++)
    g_assert_false (tttd_replay_update (&f->replay, order[i]));
  g_assert_true (tttd_replay_update (&f->replay, 4999));
}

static void
test_replay_jump (Fixture *f, gconstpointer data)
{
  guint64 base;

  /* fill the window completely, then jump further ahead than it is wide */
  for (guint64 c = 0; c < TTTD_REPLAY_WINDOW; c++)
    g_assert_true (tttd_replay_update (&f->replay, c));
  base = 3 * TTTD_REPLAY_WINDOW + 5;
  g_assert_true (tttd_replay_update (&f->replay, base));
  /* the old counters are gone with the window */
  g_assert_false (tttd_replay_check (&f->replay, TTTD_REPLAY_WINDOW - 1));
  g_assert_false (tttd_replay_check (&f->replay, 0));
  /* the counters just behind the jump use the same bits as the old ones:
   * they must have been cleared */
  for (guint64 back = 1; back < TTTD_REPLAY_WINDOW - 64; back++)
    g_assert_true (tttd_replay_check (&f->replay, base - back));
  g_assert_false (tttd_replay_check (&f->replay, base));

  /* a jump of less than a window keeps what is still inside it */
  tttd_replay_init (&f->replay);
  for (guint64 c = 0; c < 1000; c++)
    if (c % 3 != 0)
      g_assert_true (tttd_replay_update (&f->replay, c));
  g_assert_true (tttd_replay_update (&f->replay, 5000));
  for (guint64 c = 0; c < 1000; c++)
    g_assert_cmpint (tttd_replay_check (&f->replay, c), ==, c % 3 == 0);
  /* and what has slid out is refused */
  g_assert_true (tttd_replay_update (&f->replay, 1000 + TTTD_REPLAY_WINDOW));
  for (guint64 c = 0; c < 1000; c++)
    g_assert_false (tttd_replay_check (&f->replay, c));
}

/* a random walk checked against a plain set of seen counters: the counter
 * steps over many 64-bit words and around the bitmap many times */
static void
test_replay_model (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint64 top = 0; /* highest accepted + 1 */

  for (guint step = 0; step < 200000; step++)
    {
      guint64 c;
      gint64 key;
      gboolean fresh, expected_ok, ok;
      gint r = g_test_rand_int_range (0, 100);

      if (r < 60)
        c = top + (guint64) g_test_rand_int_range (0, 40); /* ahead */
      else if (r < 62)
        c = top + (guint64) g_test_rand_int_range (0, 3 * TTTD_REPLAY_WINDOW); /* big jump */
      else
        {
          guint64 back = (guint64) g_test_rand_int_range (0, TTTD_REPLAY_WINDOW + 300);
          c = top - MIN (top, back); /* behind */
        }

      key = (gint64) c;
      fresh = !g_hash_table_contains (seen, &key);
      ok = tttd_replay_check (&f->replay, c);
      /* inside half a window the answer is fixed; past a whole window too;
       * between the two, only consistency is checked */
      if (c >= top || top - c <= TTTD_REPLAY_WINDOW / 2)
        expected_ok = fresh;
      else if (top - c > TTTD_REPLAY_WINDOW)
        expected_ok = FALSE;
      else
        expected_ok = ok && fresh;
      if (ok != expected_ok)
        g_test_message ("step %u: counter %" G_GUINT64_FORMAT " top %" G_GUINT64_FORMAT, step, c, top);
      g_assert_cmpint (ok, ==, expected_ok);
      g_assert_cmpint (tttd_replay_update (&f->replay, c), ==, ok);
      if (ok)
        {
          g_hash_table_add (seen, g_memdup2 (&key, sizeof key));
          top = MAX (top, c + 1);
        }
      g_assert_false (tttd_replay_check (&f->replay, c));
    }
}

static void
test_replay_max (Fixture *f, gconstpointer data)
{
  /* the last counter would make top wrap: it is never valid */
  g_assert_false (tttd_replay_check (&f->replay, G_MAXUINT64));
  g_assert_false (tttd_replay_update (&f->replay, G_MAXUINT64));
  g_assert_true (tttd_replay_update (&f->replay, G_MAXUINT64 - 2));
  g_assert_false (tttd_replay_update (&f->replay, G_MAXUINT64));
  g_assert_true (tttd_replay_update (&f->replay, G_MAXUINT64 - 1));
  g_assert_false (tttd_replay_update (&f->replay, G_MAXUINT64 - 1));
  g_assert_false (tttd_replay_update (&f->replay, G_MAXUINT64 - 2));
  g_assert_true (tttd_replay_update (&f->replay, G_MAXUINT64 - 3));
  g_assert_false (tttd_replay_check (&f->replay, G_MAXUINT64));
  g_assert_false (tttd_replay_check (&f->replay, 0));
}

static void
test_replay_check_update (Fixture *f, gconstpointer data)
{
  /* check alone never marks: a forged datagram must not burn a counter */
  for (guint n = 0; n < 3; n++)
    {
      g_assert_true (tttd_replay_check (&f->replay, 0));
      g_assert_true (tttd_replay_check (&f->replay, 5));
      g_assert_true (tttd_replay_check (&f->replay, 1000000));
    }
  g_assert_true (tttd_replay_update (&f->replay, 5));
  g_assert_false (tttd_replay_check (&f->replay, 5));
  g_assert_true (tttd_replay_check (&f->replay, 4));
  g_assert_true (tttd_replay_check (&f->replay, 0));
  g_assert_true (tttd_replay_check (&f->replay, 1000000));
  /* checking a far counter did not move the window */
  g_assert_true (tttd_replay_update (&f->replay, 0));
  /* and init forgets everything */
  tttd_replay_init (&f->replay);
  g_assert_true (tttd_replay_check (&f->replay, 5));
  g_assert_true (tttd_replay_check (&f->replay, 0));
}

int
main (int argc, char **argv)
{
  gconstpointer chacha = GINT_TO_POINTER (TTTD_CIPHER_CHACHA20_POLY1305);
  gconstpointer aes = GINT_TO_POINTER (TTTD_CIPHER_AES256_GCM);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) g_test_add ("/tttd/crypto/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("key-rfc7748", NULL, test_key_rfc7748);
  ADD ("key-generate", NULL, test_key_generate);
  ADD ("key-base64", NULL, test_key_base64);
  ADD ("key-base64-bad", NULL, test_key_base64_bad);
  ADD ("cipher-choose", NULL, test_cipher_choose);
  ADD ("aead-round-trip/chacha20-poly1305", chacha, test_aead_round_trip);
  ADD ("aead-round-trip/aes-256-gcm", aes, test_aead_round_trip);
  ADD ("aead-nonce/chacha20-poly1305", chacha, test_aead_nonce);
  ADD ("aead-nonce/aes-256-gcm", aes, test_aead_nonce);
  ADD ("aead-tamper/chacha20-poly1305", chacha, test_aead_tamper);
  ADD ("aead-tamper/aes-256-gcm", aes, test_aead_tamper);
  ADD ("aead-wrong-counter-key/chacha20-poly1305", chacha, test_aead_wrong_counter_key);
  ADD ("aead-wrong-counter-key/aes-256-gcm", aes, test_aead_wrong_counter_key);
  ADD ("replay-in-order", NULL, test_replay_in_order);
  ADD ("replay-window-edge", NULL, test_replay_window_edge);
  ADD ("replay-reorder", NULL, test_replay_reorder);
  ADD ("replay-jump", NULL, test_replay_jump);
  ADD ("replay-model", NULL, test_replay_model);
  ADD ("replay-max", NULL, test_replay_max);
  ADD ("replay-check-update", NULL, test_replay_check_update);
#undef ADD

  return g_test_run ();
}
