/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-crypto.h"
#include "tttd-packet.h"

G_BEGIN_DECLS

/* Noise_IK_25519_ChaChaPoly_SHA256 (docs/security.md): the client knows the
 * server's static key; one round trip gives mutual authentication and
 * forward secrecy, and the session keys are split from the chaining key */

/* a static key pair; allocate with tttd_identity_new (sodium_malloc: guarded, locked) */
typedef struct {
  guint8 private_key[32];
  guint8 public_key[32];
  guint8 mac1_key[32]; /* HASH("mac1----" || public_key): checks messages to us */
} TttdIdentity;

TttdIdentity *tttd_identity_new (const guint8 private_key[32]);
void tttd_identity_free (TttdIdentity *identity);
void tttd_mac1_key (const guint8 public_key[32], guint8 out[32]);

/* what the client sends inside the initiation */
typedef struct {
  guint64 timestamp_us; /* strictly increasing per client: replayed initiations fail */
  guint16 link;
  guint8 ciphers; /* mask of TttdCipher the sender supports */
  guint8 flags;   /* TTTD_HANDSHAKE_FRESH */
} TttdInitPayload;

/* the sender starts a new tunnel: it kept nothing of an earlier one, so its
 * sequence numbers start over */
#define TTTD_HANDSHAKE_FRESH (1u << 0)
/* response flag: the server takes and sends partial checksums
 * (TTTD_FLAG_CSUM_PARTIAL); only in answer to TTTD_CAP_CSUM_PARTIAL */
#define TTTD_HANDSHAKE_CSUM_PARTIAL (1u << 1)
/* initiation, in the ciphers byte (a server of before ignores the bits of it
 * it does not know, while an unknown flag would fail the handshake): the
 * client takes and sends partial checksums */
#define TTTD_CAP_CSUM_PARTIAL (1u << 7)

/* what the server sends inside the response */
typedef struct {
  guint8 cipher;
  guint8 flags; /* TTTD_HANDSHAKE_FRESH */
  guint8 n_addresses;
  TttdPrefix addresses[TTTD_RESPONSE_ADDRESSES]; /* the client's tunnel addresses */
} TttdResponsePayload;

/* the initiator's state between initiation and response, or the
 * responder's while it answers; lives with the peer, wiped when cleared */
typedef struct {
  guint8 hash[32];
  guint8 chaining_key[32];
  guint8 ephemeral_private[32];
  guint8 remote_ephemeral[32];
  guint8 remote_static[32];
  guint32 local_index;
  guint32 remote_index;
  gint64 created_us;
  guint8 offered_ciphers;    /* initiator: the mask it sent; the answer must pick one */
  guint8 mac1[TTTD_MAC_LEN]; /* initiator: the initiation's mac1, which a cookie reply is bound to */
  gboolean pending;
} TttdHandshake;

/* the two transport keys a handshake yields */
typedef struct {
  guint8 send[32];
  guint8 recv[32];
} TttdSessionKeys;

typedef enum {
  TTTD_HANDSHAKE_OK,
  TTTD_HANDSHAKE_BAD_MAC,    /* not for us (mac1 wrong) */
  TTTD_HANDSHAKE_BAD_CRYPTO, /* decryption failed: wrong keys or tampered */
  TTTD_HANDSHAKE_BAD_KEY,    /* a low-order or otherwise bad public key */
  TTTD_HANDSHAKE_BAD_PAYLOAD,
  TTTD_HANDSHAKE_UNEXPECTED, /* no initiation of ours is pending for it */
} TttdHandshakeResult;

const char *tttd_handshake_result_to_string (TttdHandshakeResult result);

/* the response payload, once decrypted: FALSE for a malformed one (the
 * cipher is the caller's to check against what it offered) */
gboolean tttd_response_payload_parse (const guint8 plain[TTTD_RESPONSE_PAYLOAD_LEN], TttdResponsePayload *payload);

/* the 16 bytes before len are the mac1 of what precedes them: a response's
 * whole length, an initiation's up to its mac2 (TTTD_INITIATION_MAC2_OFFSET) */
gboolean tttd_mac1_check (const guint8 mac1_key[32], const guint8 *msg, gsize len);

/* client */
TttdHandshakeResult tttd_handshake_create_initiation (TttdHandshake *hs, const TttdIdentity *local,
                                                      const guint8 remote_static[32], guint32 local_index,
                                                      const TttdInitPayload *payload, gint64 now_us,
                                                      guint8 out[TTTD_INITIATION_LEN]);
TttdHandshakeResult tttd_handshake_consume_response (TttdHandshake *hs, const TttdIdentity *local, const guint8 *msg,
                                                     gsize len, TttdResponsePayload *payload, TttdSessionKeys *keys);

/* server: consume fills hs (remote_static says who it is); the caller checks
 * that it is a known peer and that the timestamp is new, then responds */
TttdHandshakeResult tttd_handshake_consume_initiation (TttdHandshake *hs, const TttdIdentity *local, const guint8 *msg,
                                                       gsize len, TttdInitPayload *payload);
TttdHandshakeResult tttd_handshake_create_response (TttdHandshake *hs, const TttdIdentity *local, guint32 local_index,
                                                    const TttdResponsePayload *payload, guint8 out[TTTD_RESPONSE_LEN],
                                                    TttdSessionKeys *keys);

void tttd_handshake_clear (TttdHandshake *hs);

G_END_DECLS
