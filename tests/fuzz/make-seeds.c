/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "fuzz-handshake-common.h"
#include "tttd-cookie.h"

/* writes the generated seeds of the packet and handshake corpora:
 *   fuzz-make-seeds tests/fuzz/corpus
 * the handshake seeds are valid for the fuzzer's fixed world, since both
 * draw the same deterministic random bytes */

static const char *corpus;

static void
write_seed (const char *target, const char *name, guint8 flags_byte, gboolean with_flags, const guint8 *data, gsize len)
{
  g_autofree char *dir = g_build_filename (corpus, target, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("%s: %s", dir, g_strerror (errno));
  if (with_flags)
    g_byte_array_append (bytes, &flags_byte, 1);
  g_byte_array_append (bytes, data, (guint) len);
  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error))
    g_error ("%s", error->message);
  g_print ("%s (%u bytes)\n", path, bytes->len);
}

static void
packet_seeds (void)
{
  guint8 buf[256] = { 0 };
  TttdHeader header = { TTTD_MSG_TRANSPORT, 0x01020304, 7 };
  TttdInner data = { TTTD_KIND_DATA, TTTD_FLAG_COPY, 2, 1000, 998, 123456 };
  TttdInner probe = { TTTD_KIND_PROBE, TTTD_FLAG_LINK_DOWN, 1, 5, 0, 99 };
  TttdInner close_msg = { TTTD_KIND_CLOSE, 0, 0, 0, 0, 1 };
  TttdProbe body = { 25000, 100, 98, 140000, 0x4, 1500 };
  gsize len;

  /* a transport message as it travels: header, inner header, IPv4 header, tag */
  tttd_header_write (buf, &header);
  tttd_inner_write (buf + TTTD_HEADER_LEN, &data);
  buf[TTTD_HEADER_LEN + TTTD_INNER_LEN] = 0x45;
  len = TTTD_HEADER_LEN + TTTD_INNER_LEN + 20 + TTTD_TAG_LEN;
  write_seed ("packet", "transport-data", 0, FALSE, buf, len);
  /* a probe in a transport message, opened (no tag) */
  memset (buf, 0, sizeof buf);
  tttd_header_write (buf, &header);
  tttd_inner_write (buf + TTTD_HEADER_LEN, &probe);
  tttd_probe_write (buf + TTTD_HEADER_LEN + TTTD_INNER_LEN, &body);
  write_seed ("packet", "transport-probe", 0, FALSE, buf, TTTD_HEADER_LEN + TTTD_INNER_LEN + TTTD_PROBE_LEN);
  /* the sealed parts alone, as the receiver parses them after opening */
  memset (buf, 0, sizeof buf);
  tttd_inner_write (buf, &data);
  buf[TTTD_INNER_LEN] = 0x60;
  write_seed ("packet", "inner-data", 0, FALSE, buf, TTTD_INNER_LEN + 40);
  probe.kind = TTTD_KIND_PROBE_REPLY;
  tttd_inner_write (buf, &probe);
  tttd_probe_write (buf + TTTD_INNER_LEN, &body);
  write_seed ("packet", "inner-probe-reply", 0, FALSE, buf, TTTD_INNER_LEN + TTTD_PROBE_LEN);
  tttd_inner_write (buf, &close_msg);
  write_seed ("packet", "inner-close", 0, FALSE, buf, TTTD_INNER_LEN);
  tttd_probe_write (buf, &body);
  write_seed ("packet", "probe-body", 0, FALSE, buf, TTTD_PROBE_LEN);
  /* handshake headers, and near misses */
  memset (buf, 0, sizeof buf);
  buf[0] = TTTD_PROTOCOL_VERSION;
  buf[1] = TTTD_MSG_INITIATION;
  write_seed ("packet", "initiation", 0, FALSE, buf, TTTD_INITIATION_LEN);
  buf[1] = TTTD_MSG_RESPONSE;
  write_seed ("packet", "response", 0, FALSE, buf, TTTD_RESPONSE_LEN);
  buf[1] = TTTD_MSG_TRANSPORT;
  buf[3] = 1;
  write_seed ("packet", "reserved-set", 0, FALSE, buf, TTTD_OVERHEAD);
  buf[0] = TTTD_PROTOCOL_VERSION + 1;
  buf[3] = 0;
  write_seed ("packet", "version-next", 0, FALSE, buf, TTTD_OVERHEAD);
  /* version 1, which had no cookie replies */
  buf[0] = 1;
  buf[1] = TTTD_MSG_INITIATION;
  write_seed ("packet", "version-1-initiation", 0, FALSE, buf, 136);
  buf[0] = TTTD_PROTOCOL_VERSION;
  buf[1] = TTTD_MSG_COOKIE_REPLY;
  write_seed ("packet", "cookie-reply", 0, FALSE, buf, TTTD_COOKIE_REPLY_LEN);
  write_seed ("packet", "short", 0, FALSE, buf, 3);
}

static void
handshake_seeds (void)
{
  FuzzWorld world;
  TttdHandshake *hs;
  TttdInitPayload init;
  TttdResponsePayload answer = { .cipher = TTTD_CIPHER_CHACHA20_POLY1305,
                                 .flags = TTTD_HANDSHAKE_FRESH,
                                 .n_addresses = 2 };
  TttdSessionKeys server_keys, client_keys;
  TttdResponsePayload got;
  guint8 response[TTTD_RESPONSE_LEN], bad[TTTD_INITIATION_LEN];

  fuzz_world_init (&world);
  hs = sodium_malloc (sizeof *hs);
  if (!tttd_prefix_parse ("198.18.200.2/24", TRUE, &answer.addresses[0], NULL) ||
      !tttd_prefix_parse ("fd00::2/64", TRUE, &answer.addresses[1], NULL))
    g_error ("prefix");
  if (tttd_handshake_consume_initiation (hs, world.server, world.initiation, sizeof world.initiation, &init) !=
        TTTD_HANDSHAKE_OK ||
      tttd_handshake_create_response (hs, world.server, FUZZ_SERVER_INDEX, &answer, response, &server_keys) !=
        TTTD_HANDSHAKE_OK)
    g_error ("the server refused the initiation");
  /* check that the response fits the pending state the fuzzer will have */
  memcpy (hs, world.pending, sizeof *hs);
  if (tttd_handshake_consume_response (hs, world.client, response, sizeof response, &got, &client_keys) !=
      TTTD_HANDSHAKE_OK)
    g_error ("the client refused the response");

  write_seed ("handshake", "initiation", 0, TRUE, world.initiation, sizeof world.initiation);
  write_seed ("handshake", "initiation-fix-mac1", FUZZ_FIX_MAC1, TRUE, world.initiation, sizeof world.initiation);
  write_seed ("handshake", "response", 0, TRUE, response, sizeof response);
  write_seed ("handshake", "response-fix", FUZZ_FIX_MAC1 | FUZZ_FIX_INDEX, TRUE, response, sizeof response);
  memcpy (bad, world.initiation, sizeof bad);
  memset (bad + 8, 0, 32);
  write_seed ("handshake", "initiation-zero-ephemeral", FUZZ_FIX_MAC1, TRUE, bad, sizeof bad);
  write_seed ("handshake", "short", FUZZ_FIX_MAC1, TRUE, world.initiation, 40);
  write_seed ("handshake", "empty", 0, TRUE, NULL, 0);
  sodium_free (hs);
}

/* response payloads in the clear, as fuzz-response takes them */
static void
response_seeds (void)
{
  guint8 plain[TTTD_RESPONSE_PAYLOAD_LEN] = { 0 };
  const guint8 v4[4] = { 198, 18, 200, 2 }, hijack[4] = { 128, 0, 0, 2 };
  const guint8 v6[16] = { 0xfd, 0, [15] = 2 };

  plain[0] = TTTD_CIPHER_CHACHA20_POLY1305;
  plain[1] = 2;
  plain[2] = TTTD_HANDSHAKE_FRESH;
  plain[4] = 4;
  plain[5] = 32;
  memcpy (plain + 6, v4, 4);
  plain[22] = 6;
  plain[23] = 128;
  memcpy (plain + 24, v6, 16);
  write_seed ("response", "hosts", 0, FALSE, plain, sizeof plain);
  plain[5] = 24;
  plain[23] = 64;
  write_seed ("response", "prefixes", 0, FALSE, plain, sizeof plain);
  plain[5] = 1;
  memcpy (plain + 6, hijack, 4);
  plain[1] = 1;
  memset (plain + 22, 0, 18);
  write_seed ("response", "hijack", 0, FALSE, plain, sizeof plain);
  plain[0] = 33;
  write_seed ("response", "cipher-33", 0, FALSE, plain, sizeof plain);
  plain[0] = TTTD_CIPHER_AES256_GCM;
  plain[1] = 0;
  write_seed ("response", "no-address", 0, FALSE, plain, sizeof plain);
}

/* a cookie reply to the fuzzer's pending initiation, and that initiation
 * with the cookie's mac2 */
static void
cookie_seeds (void)
{
  FuzzWorld world;
  TttdCookieChecker *checker;
  TttdCookieJar jar;
  TttdSockaddr source;
  guint8 reply[TTTD_COOKIE_REPLY_LEN], initiation[TTTD_INITIATION_LEN];

  fuzz_world_init (&world);
  checker = tttd_cookie_checker_new (world.server->public_key);
  if (!tttd_sockaddr_parse ("198.18.0.2:40000", 0, &source, NULL))
    g_error ("source");
  tttd_cookie_reply_create (checker, world.initiation, sizeof world.initiation, &source, 0, reply);
  tttd_cookie_jar_init (&jar, world.server->public_key);
  if (tttd_cookie_reply_consume (&jar, world.pending, reply, sizeof reply, 0) != TTTD_HANDSHAKE_OK)
    g_error ("the client refused the cookie reply");
  memcpy (initiation, world.initiation, sizeof initiation);
  tttd_cookie_mac2_write (&jar, initiation, 1);
  write_seed ("cookie", "reply", 0, TRUE, reply, sizeof reply);
  write_seed ("cookie", "reply-fix-index", FUZZ_FIX_INDEX, TRUE, reply, sizeof reply);
  write_seed ("cookie", "initiation-mac2", 0, TRUE, initiation, sizeof initiation);
  write_seed ("cookie", "short", 0, TRUE, reply, 8);
  tttd_cookie_checker_free (checker);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: %s CORPUS-DIR\n", argv[0]);
      return 2;
    }
  corpus = argv[1];
  packet_seeds ();
  handshake_seeds ();
  response_seeds ();
  cookie_seeds ();
  return 0;
}
