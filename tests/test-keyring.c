/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit tests of the keyring: keys past reject-after open nothing and go,
 * whether or not they can still send. */
#include "config.h"

#include <string.h>

#include "tttd-keyring.h"
#include "tttd-packet.h"

#define REKEY_US (2 * G_USEC_PER_SEC)
/* what tttd_keyring_init makes of it: rekey-after and a minute of grace */
#define REJECT_US (REKEY_US + 60 * G_USEC_PER_SEC)

typedef struct {
  TttdKeyring ring;
  TttdSessionKeys keys;
  GArray *retired; /* guint32 local indexes */
} Fixture;

static void
on_retire (guint32 local_index, gpointer user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->retired, local_index);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_assert_true (tttd_crypto_init (NULL));
  memset (f, 0, sizeof *f);
  randombytes_buf (f->keys.send, 32);
  memcpy (f->keys.recv, f->keys.send, 32); /* one key both ways: a keypair opens what it seals */
  f->retired = g_array_new (FALSE, FALSE, sizeof (guint32));
  tttd_keyring_init (&f->ring, REKEY_US, on_retire, f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tttd_keyring_clear (&f->ring);
  g_array_unref (f->retired);
}

static gsize
seal (TttdKeypair *keypair, guint8 *buf, guint64 *counter)
{
  TttdHeader header;
  gsize len;

  memset (buf + TTTD_HEADER_LEN, 0xab, 32);
  len = tttd_keypair_seal (keypair, G_MAXUINT64, buf, 32);
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpint (tttd_header_parse (buf, len, &header), ==, TTTD_PARSE_OK);
  *counter = header.counter;
  return len;
}

/* the age is checked on open: no timer needs to have run */
static void
test_open_past_reject (Fixture *f, gconstpointer data)
{
  TttdKeypair *keypair = tttd_keypair_new (&f->keys, TTTD_CIPHER_CHACHA20_POLY1305, 7, 8, TRUE, 1000);
  guint8 buf[128], copy[128];
  guint64 counter;
  gsize len;

  tttd_keyring_install (&f->ring, keypair);
  len = seal (keypair, buf, &counter);
  memcpy (copy, buf, len);
  g_assert_cmpint (tttd_keyring_open (&f->ring, keypair, buf, len, counter, 1000 + REJECT_US - 1), ==, TTTD_OPEN_OK);
  len = seal (keypair, buf, &counter);
  g_assert_cmpint (tttd_keyring_open (&f->ring, keypair, buf, len, counter, 1000 + REJECT_US), ==, TTTD_OPEN_EXPIRED);
  len = seal (keypair, buf, &counter);
  g_assert_cmpint (tttd_keyring_open (&f->ring, keypair, buf, len, counter, 1000 + 75 * G_USEC_PER_SEC), ==,
                   TTTD_OPEN_EXPIRED);
  /* refused before any work: the replay window did not move */
  g_assert_true (tttd_replay_check (&keypair->replay, counter));
  /* nothing retired them: only the age refused */
  g_assert_cmpuint (f->retired->len, ==, 0);
  g_assert_true (tttd_keyring_find (&f->ring, 7) == keypair);
}

/* the initiator's keys while no handshake succeeds: past reject-after they
 * cannot send, and they still go */
static void
test_expire_without_sender (Fixture *f, gconstpointer data)
{
  TttdKeypair *first = tttd_keypair_new (&f->keys, TTTD_CIPHER_CHACHA20_POLY1305, 1, 2, TRUE, 0);
  TttdKeypair *second = tttd_keypair_new (&f->keys, TTTD_CIPHER_CHACHA20_POLY1305, 3, 4, TRUE, 10 * G_USEC_PER_SEC);
  gint64 next;

  tttd_keyring_install (&f->ring, first);
  tttd_keyring_install (&f->ring, second);
  g_assert_true (f->ring.previous == first && f->ring.current == second);
  next = tttd_keyring_expire (&f->ring, G_USEC_PER_SEC);
  g_assert_cmpint (next, ==, REJECT_US);
  g_assert_cmpuint (f->retired->len, ==, 0);
  /* the first goes at its time */
  next = tttd_keyring_expire (&f->ring, REJECT_US);
  g_assert_cmpuint (f->retired->len, ==, 1);
  g_assert_cmpuint (g_array_index (f->retired, guint32, 0), ==, 1);
  g_assert_null (f->ring.previous);
  g_assert_cmpint (next, ==, 10 * G_USEC_PER_SEC + REJECT_US);
  /* past it, the second cannot send: no sender, and it goes all the same */
  g_assert_null (tttd_keyring_sender (&f->ring, next));
  next = tttd_keyring_expire (&f->ring, next);
  g_assert_cmpuint (f->retired->len, ==, 2);
  g_assert_null (f->ring.current);
  g_assert_cmpint (next, ==, G_MAXINT64);
}

/* the responder's keys waiting for confirmation that never comes */
static void
test_expire_unconfirmed (Fixture *f, gconstpointer data)
{
  TttdKeypair *keypair = tttd_keypair_new (&f->keys, TTTD_CIPHER_CHACHA20_POLY1305, 5, 6, FALSE, 0);

  tttd_keyring_install (&f->ring, keypair);
  g_assert_true (f->ring.next == keypair);
  g_assert_null (tttd_keyring_sender (&f->ring, 0));
  g_assert_cmpint (tttd_keyring_expire (&f->ring, 0), ==, REJECT_US);
  g_assert_cmpint (tttd_keyring_expire (&f->ring, REJECT_US), ==, G_MAXINT64);
  g_assert_null (f->ring.next);
  g_assert_cmpuint (f->retired->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/keyring/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("open-past-reject", test_open_past_reject);
  ADD ("expire-without-sender", test_expire_without_sender);
  ADD ("expire-unconfirmed", test_expire_unconfirmed);
#undef ADD

  return g_test_run ();
}
