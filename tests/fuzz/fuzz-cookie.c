/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* libFuzzer target: the cookie reply as a client reads it, and mac2 as a
 * server checks it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-handshake-common.h"
#include "tttd-cookie.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static FuzzWorld world;
static gboolean initialized;
static TttdCookieChecker *checker;
static TttdSockaddr source;

/* the input: one byte of FUZZ_* flags (FUZZ_FIX_INDEX: the receiver index
 * is the pending initiation's), then a message, fed to the client as a
 * cookie reply and to the server as an initiation whose mac2 it checks */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  TttdCookieJar jar;
  TttdHeader header;
  g_autofree guint8 *msg = NULL;
  guint8 flags;
  gsize len;

  if (!initialized)
    {
      fuzz_world_init (&world);
      checker = tttd_cookie_checker_new (world.server->public_key);
      if (!tttd_sockaddr_parse ("198.18.0.2:40000", 0, &source, NULL))
        abort ();
      initialized = TRUE;
    }
  if (size == 0)
    return 0;
  flags = data[0];
  len = size - 1;
  msg = g_malloc (MAX (len, 1));
  memcpy (msg, data + 1, len);
  if ((flags & FUZZ_FIX_INDEX) && len >= 8)
    tttd_put_le32 (msg + 4, FUZZ_CLIENT_INDEX);

  (void) tttd_header_parse (msg, len, &header);
  tttd_cookie_jar_init (&jar, world.server->public_key);
  if (tttd_cookie_reply_consume (&jar, world.pending, msg, len, 1000) == TTTD_HANDSHAKE_OK)
    {
      guint8 initiation[TTTD_INITIATION_LEN];
      /* a cookie that opened makes a mac2 that the jar then writes */
      if (!jar.have_cookie || len != TTTD_COOKIE_REPLY_LEN || msg[1] != TTTD_MSG_COOKIE_REPLY)
        abort ();
      memcpy (initiation, world.initiation, sizeof initiation);
      tttd_cookie_mac2_write (&jar, initiation, 2000);
      if (sodium_is_zero (initiation + TTTD_INITIATION_MAC2_OFFSET, TTTD_MAC_LEN) &&
          !sodium_is_zero (jar.cookie, TTTD_COOKIE_LEN))
        abort ();
    }
  else if (jar.have_cookie)
    abort ();
  /* the server: mac2 of whatever came, for one source */
  (void) tttd_cookie_mac2_check (checker, msg, len, &source, 1000);
  return 0;
}
