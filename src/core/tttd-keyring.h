/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-crypto.h"
#include "tttd-handshake.h"

G_BEGIN_DECLS

/* the transport keys of one handshake (heap, wiped when freed; see tttd_keypair_new) */
typedef struct {
  TttdAeadKey send;
  TttdAeadKey recv;
  TttdReplay replay;
  guint64 send_counter;
  guint32 local_index;
  guint32 remote_index;
  gint64 created_us;
  gboolean initiator;
} TttdKeypair;

TttdKeypair *tttd_keypair_new (const TttdSessionKeys *keys, TttdCipher cipher, guint32 local_index,
                               guint32 remote_index, gboolean initiator, gint64 now_us);
void tttd_keypair_free (TttdKeypair *keypair);

/* seal in place: buf holds TTTD_HEADER_LEN bytes of room, then plain_len
 * bytes of plaintext, then room for the tag; returns the datagram's length,
 * 0 when the keypair may not send any more */
gsize tttd_keypair_seal (TttdKeypair *keypair, guint64 reject_after_messages, guint8 *buf, gsize plain_len);
/* open in place after tttd_header_parse; checks and updates the replay
 * window only once the datagram is authentic */
typedef enum {
  TTTD_OPEN_OK,
  TTTD_OPEN_REPLAY,  /* seen before or too old */
  TTTD_OPEN_AUTH,    /* forged, corrupted or for other keys */
  TTTD_OPEN_EXPIRED, /* the keys are older than reject-after */
} TttdOpenResult;
TttdOpenResult tttd_keypair_open (TttdKeypair *keypair, guint8 *buf, gsize len, guint64 counter);

typedef void (*TttdRetireFunc) (guint32 local_index, gpointer user_data);

/* the keys of one session: current sends and receives, previous still
 * receives what was in flight across a rekey, next waits for the
 * initiator's first message (key confirmation, responder only) */
typedef struct {
  TttdKeypair *current;
  TttdKeypair *previous;
  TttdKeypair *next;
  gint64 rekey_after_us;
  gint64 reject_after_us;
  guint64 rekey_after_messages;
  guint64 reject_after_messages;
  TttdRetireFunc retire;
  gpointer retire_data;
} TttdKeyring;

void tttd_keyring_init (TttdKeyring *ring, gint64 rekey_after_us, TttdRetireFunc retire, gpointer retire_data);
void tttd_keyring_clear (TttdKeyring *ring);
void tttd_keyring_install (TttdKeyring *ring, TttdKeypair *keypair);
TttdKeypair *tttd_keyring_find (TttdKeyring *ring, guint32 local_index);
void tttd_keyring_confirm (TttdKeyring *ring, TttdKeypair *keypair);
TttdKeypair *tttd_keyring_sender (TttdKeyring *ring, gint64 now_us);
gboolean tttd_keyring_needs_rekey (const TttdKeyring *ring, gint64 now_us);
/* open with one of the ring's keys: as tttd_keypair_open, but keys past
 * reject-after open nothing, whenever the timer last expired them */
TttdOpenResult tttd_keyring_open (const TttdKeyring *ring, TttdKeypair *keypair, guint8 *buf, gsize len,
                                  guint64 counter, gint64 now_us);
/* retires the keys past reject-after, usable for sending or not; returns
 * when the next ones will be (G_MAXINT64: none left) */
gint64 tttd_keyring_expire (TttdKeyring *ring, gint64 now_us);

G_END_DECLS
