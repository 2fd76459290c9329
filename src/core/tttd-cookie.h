/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-handshake.h"
#include "tttd-packet.h"

G_BEGIN_DECLS

/* cookies, as WireGuard's (docs/protocol.md, "Cookie reply"): a server
 * under load answers an initiation with a cookie reply instead of doing
 * Diffie-Hellman work; the cookie is a MAC of the source address and port
 * under a secret that changes every two minutes, so that only who receives
 * at that address can put a valid mac2 on its next initiation */

#define TTTD_COOKIE_LEN                16
#define TTTD_COOKIE_SECRET_LIFETIME_US (120 * G_USEC_PER_SEC)
/* the client stops using a cookie a little before the server may drop it */
#define TTTD_COOKIE_LIFETIME_US (TTTD_COOKIE_SECRET_LIFETIME_US - 5 * G_USEC_PER_SEC)

/* server: the current and the previous secret (allocate with
 * tttd_cookie_checker_new: locked memory) */
typedef struct {
  guint8 secret[32];
  guint8 previous[32];
  gint64 rotated_us;
  gboolean have_secret;
  gboolean have_previous;
  guint8 reply_key[32]; /* BLAKE2b-256("cookie--" || own public key) */
} TttdCookieChecker;

TttdCookieChecker *tttd_cookie_checker_new (const guint8 public_key[32]);
void tttd_cookie_checker_free (TttdCookieChecker *checker);
/* TRUE when the initiation's mac2 is the one a cookie for source makes */
gboolean tttd_cookie_mac2_check (TttdCookieChecker *checker, const guint8 *msg, gsize len, const TttdSockaddr *source,
                                 gint64 now_us);
/* the cookie reply to an initiation (whose mac1 the caller checked) */
void tttd_cookie_reply_create (TttdCookieChecker *checker, const guint8 *initiation, gsize len,
                               const TttdSockaddr *source, gint64 now_us, guint8 out[TTTD_COOKIE_REPLY_LEN]);

/* client: the latest cookie of one server */
typedef struct {
  guint8 cookie[TTTD_COOKIE_LEN];
  gint64 received_us;
  gboolean have_cookie;
  guint8 reply_key[32];
} TttdCookieJar;

void tttd_cookie_jar_init (TttdCookieJar *jar, const guint8 server_public_key[32]);
/* a cookie reply to the pending initiation of hs: stores its cookie */
TttdHandshakeResult tttd_cookie_reply_consume (TttdCookieJar *jar, const TttdHandshake *hs, const guint8 *msg,
                                               gsize len, gint64 now_us);
/* writes mac2 into an initiation: the cookie's MAC while it is fresh, zeros
 * otherwise */
void tttd_cookie_mac2_write (TttdCookieJar *jar, guint8 initiation[TTTD_INITIATION_LEN], gint64 now_us);

G_END_DECLS
