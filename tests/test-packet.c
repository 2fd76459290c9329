/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-packet.h"

/* every parser is handed a heap copy of exactly the length it is told, so
 * that ASan catches a read past the end */
typedef struct {
  guint8 buf[256];
  guint8 *exact;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f->buf, 0, sizeof f->buf);
  f->exact = NULL;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->exact, g_free);
}

static const guint8 *
exact_copy (Fixture *f, gsize len)
{
  g_clear_pointer (&f->exact, g_free);
  f->exact = g_malloc (MAX (len, 1));
  memcpy (f->exact, f->buf, len);
  return f->exact;
}

static void
put_common (guint8 *buf, guint8 type)
{
  buf[0] = TTTD_PROTOCOL_VERSION;
  buf[1] = type;
  buf[2] = 0;
  buf[3] = 0;
}

static void
test_sizes (Fixture *f, gconstpointer data)
{
  /* the wire format fixes these; a change here is a protocol change */
  g_assert_cmpint (TTTD_PROTOCOL_VERSION, ==, 2);
  g_assert_cmpint (TTTD_HEADER_LEN, ==, 16);
  g_assert_cmpint (TTTD_INNER_LEN, ==, 16);
  g_assert_cmpint (TTTD_OVERHEAD, ==, 48);
  g_assert_cmpint (TTTD_INITIATION_LEN, ==, 152);
  g_assert_cmpint (TTTD_INITIATION_MAC1_OFFSET, ==, 120);
  g_assert_cmpint (TTTD_INITIATION_MAC2_OFFSET, ==, 136);
  g_assert_cmpint (TTTD_RESPONSE_LEN, ==, 116);
  g_assert_cmpint (TTTD_COOKIE_REPLY_LEN, ==, 64);
  g_assert_cmpint (TTTD_PROBE_LEN, ==, 24);
  g_assert_cmpint (TTTD_MAX_PAYLOAD + TTTD_OVERHEAD + TTTD_UDP6_OVERHEAD, ==, 65535);
}

static void
test_le_helpers (Fixture *f, gconstpointer data)
{
  const guint8 le16[] = { 0x34, 0x12 };
  const guint8 le32[] = { 0x78, 0x56, 0x34, 0x12 };
  const guint8 le64[] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };

  tttd_put_le16 (f->buf, 0x1234);
  g_assert_cmpmem (f->buf, 2, le16, 2);
  g_assert_cmpuint (tttd_get_le16 (f->buf), ==, 0x1234);
  tttd_put_le32 (f->buf, 0x12345678);
  g_assert_cmpmem (f->buf, 4, le32, 4);
  g_assert_cmpuint (tttd_get_le32 (f->buf), ==, 0x12345678);
  tttd_put_le64 (f->buf, G_GUINT64_CONSTANT (0x0123456789abcdef));
  g_assert_cmpmem (f->buf, 8, le64, 8);
  g_assert_cmpuint (tttd_get_le64 (f->buf), ==, G_GUINT64_CONSTANT (0x0123456789abcdef));
  tttd_put_le64 (f->buf, G_MAXUINT64);
  g_assert_cmpuint (tttd_get_le64 (f->buf), ==, G_MAXUINT64);
  tttd_put_le32 (f->buf, G_MAXUINT32);
  g_assert_cmpuint (tttd_get_le32 (f->buf), ==, G_MAXUINT32);
  tttd_put_le16 (f->buf, G_MAXUINT16);
  g_assert_cmpuint (tttd_get_le16 (f->buf), ==, G_MAXUINT16);
}

static void
test_header_round_trip (Fixture *f, gconstpointer data)
{
  const guint8 expected[TTTD_HEADER_LEN] = {
    0x02, 0x03, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
  };
  const guint64 counters[] = { 0, 1, 0xffffffff, G_GUINT64_CONSTANT (0x0102030405060708), G_MAXUINT64 };
  const guint32 receivers[] = { 0, 1, 0xdeadbeef, G_MAXUINT32 };
  TttdHeader in = { TTTD_MSG_TRANSPORT, 0xdeadbeef, G_GUINT64_CONSTANT (0x0102030405060708) };
  TttdHeader out;

  tttd_header_write (f->buf, &in);
  g_assert_cmpmem (f->buf, TTTD_HEADER_LEN, expected, sizeof expected);

  for (guint r = 0; r < G_N_ELEMENTS (receivers); r++)
    for (guint c = 0; c < G_N_ELEMENTS (counters); c++)
      {
        in.receiver = receivers[r];
        in.counter = counters[c];
        memset (f->buf, 0xa5, sizeof f->buf);
        tttd_header_write (f->buf, &in);
        /* the smallest transport message and a large one */
        g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_OVERHEAD), TTTD_OVERHEAD, &out), ==, TTTD_PARSE_OK);
        g_assert_cmpuint (out.type, ==, TTTD_MSG_TRANSPORT);
        g_assert_cmpuint (out.receiver, ==, receivers[r]);
        g_assert_cmpuint (out.counter, ==, counters[c]);
        g_assert_cmpint (tttd_header_parse (exact_copy (f, 200), 200, &out), ==, TTTD_PARSE_OK);
        g_assert_cmpuint (out.receiver, ==, receivers[r]);
        g_assert_cmpuint (out.counter, ==, counters[c]);
      }
}

static void
test_header_handshake (Fixture *f, gconstpointer data)
{
  TttdHeader out;

  /* an initiation names nobody: its receiver is 0 */
  put_common (f->buf, TTTD_MSG_INITIATION);
  tttd_put_le32 (f->buf + 4, 0x11111111);
  g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_INITIATION_LEN), TTTD_INITIATION_LEN, &out), ==,
                   TTTD_PARSE_OK);
  g_assert_cmpuint (out.type, ==, TTTD_MSG_INITIATION);
  g_assert_cmpuint (out.receiver, ==, 0);
  g_assert_cmpuint (out.counter, ==, 0);

  /* a response: sender at 4, receiver at 8 */
  put_common (f->buf, TTTD_MSG_RESPONSE);
  tttd_put_le32 (f->buf + 4, 0x11111111);
  tttd_put_le32 (f->buf + 8, 0x22222222);
  g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_RESPONSE_LEN), TTTD_RESPONSE_LEN, &out), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (out.type, ==, TTTD_MSG_RESPONSE);
  g_assert_cmpuint (out.receiver, ==, 0x22222222);
  g_assert_cmpuint (out.counter, ==, 0);

  /* a cookie reply: the initiator's index at 4 */
  put_common (f->buf, TTTD_MSG_COOKIE_REPLY);
  tttd_put_le32 (f->buf + 4, 0x33333333);
  g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_COOKIE_REPLY_LEN), TTTD_COOKIE_REPLY_LEN, &out), ==,
                   TTTD_PARSE_OK);
  g_assert_cmpuint (out.type, ==, TTTD_MSG_COOKIE_REPLY);
  g_assert_cmpuint (out.receiver, ==, 0x33333333);
}

static void
test_header_short (Fixture *f, gconstpointer data)
{
  TttdHeader out;

  /* shorter than the common four bytes, whatever the type */
  for (guint type = 0; type <= 4; type++)
    {
      put_common (f->buf, (guint8) type);
      for (gsize len = 0; len < 4; len++)
        g_assert_cmpint (tttd_header_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_SHORT);
    }
  /* a transport message without room for header, inner header and tag */
  put_common (f->buf, TTTD_MSG_TRANSPORT);
  for (gsize len = 4; len < TTTD_OVERHEAD; len++)
    g_assert_cmpint (tttd_header_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_SHORT);
  g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_OVERHEAD), TTTD_OVERHEAD, &out), ==, TTTD_PARSE_OK);
}

static void
test_header_length (Fixture *f, gconstpointer data)
{
  TttdHeader out;

  /* handshake messages have one size only */
  put_common (f->buf, TTTD_MSG_INITIATION);
  for (gsize len = 4; len < sizeof f->buf; len++)
    {
      TttdParseResult r = tttd_header_parse (exact_copy (f, len), len, &out);
      g_assert_cmpint (r, ==, len == TTTD_INITIATION_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH);
    }
  put_common (f->buf, TTTD_MSG_RESPONSE);
  for (gsize len = 4; len < sizeof f->buf; len++)
    {
      TttdParseResult r = tttd_header_parse (exact_copy (f, len), len, &out);
      g_assert_cmpint (r, ==, len == TTTD_RESPONSE_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH);
    }
  put_common (f->buf, TTTD_MSG_COOKIE_REPLY);
  for (gsize len = 4; len < sizeof f->buf; len++)
    {
      TttdParseResult r = tttd_header_parse (exact_copy (f, len), len, &out);
      g_assert_cmpint (r, ==, len == TTTD_COOKIE_REPLY_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH);
    }
}

static void
test_header_bad (Fixture *f, gconstpointer data)
{
  TttdHeader out;
  const guint8 versions[] = { 0, 1, 3, 0x81, 0xff };
  const guint8 types[] = { 0, 5, 6, 0x80, 0xff };

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      put_common (f->buf, TTTD_MSG_TRANSPORT);
      f->buf[0] = versions[i];
      g_assert_cmpint (tttd_header_parse (exact_copy (f, 64), 64, &out), ==, TTTD_PARSE_VERSION);
    }
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      put_common (f->buf, types[i]);
      g_assert_cmpint (tttd_header_parse (exact_copy (f, 64), 64, &out), ==, TTTD_PARSE_TYPE);
      g_assert_cmpint (tttd_header_parse (exact_copy (f, TTTD_INITIATION_LEN), TTTD_INITIATION_LEN, &out), ==,
                       TTTD_PARSE_TYPE);
    }
  /* every bit of both reserved bytes, for every known type */
  for (guint type = TTTD_MSG_INITIATION; type <= TTTD_MSG_COOKIE_REPLY; type++)
    {
      gsize len = type == TTTD_MSG_INITIATION ? TTTD_INITIATION_LEN
                  : type == TTTD_MSG_RESPONSE ? TTTD_RESPONSE_LEN
                                              : 64;
      for (guint byte = 2; byte <= 3; byte++)
        for (guint bit = 0; bit < 8; bit++)
          {
            put_common (f->buf, (guint8) type);
            f->buf[byte] = (guint8) (1u << bit);
            g_assert_cmpint (tttd_header_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_RESERVED);
          }
    }
}

/* a valid plaintext length for a kind; data and repairs take data_len */
static gsize
kind_len (guint kind, gsize data_len)
{
  switch (kind)
    {
    case TTTD_KIND_DATA:
    case TTTD_KIND_REPAIR: return data_len;
    case TTTD_KIND_CLOSE: return TTTD_INNER_LEN;
    case TTTD_KIND_NACK: return TTTD_INNER_LEN + TTTD_NACK_HEADER_LEN + TTTD_NACK_RANGE_LEN;
    default: return TTTD_INNER_LEN + TTTD_PROBE_LEN;
    }
}

static void
test_inner_round_trip (Fixture *f, gconstpointer data)
{
  const guint8 expected[TTTD_INNER_LEN] = {
    0x00, 0x03, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0x04, 0x03, 0x02, 0x01, 0xdd, 0xcc, 0xbb, 0xaa,
  };
  TttdInner in = { TTTD_KIND_DATA, TTTD_FLAG_COPY | TTTD_FLAG_RESENT, 0x1234, 0x12345678, 0x01020304, 0xaabbccdd };
  TttdInner out;

  tttd_inner_write (f->buf, &in);
  g_assert_cmpmem (f->buf, TTTD_INNER_LEN, expected, sizeof expected);
  g_assert_cmpint (tttd_inner_parse (exact_copy (f, TTTD_INNER_LEN + 20), TTTD_INNER_LEN + 20, &out), ==,
                   TTTD_PARSE_OK);
  g_assert_cmpuint (out.kind, ==, in.kind);
  g_assert_cmpuint (out.flags, ==, in.flags);
  g_assert_cmpuint (out.link, ==, in.link);
  g_assert_cmpuint (out.seq, ==, in.seq);
  g_assert_cmpuint (out.link_prev, ==, in.link_prev);
  g_assert_cmpuint (out.timestamp, ==, in.timestamp);

  /* extremes of every field, for every kind and every known flag set */
  for (guint kind = 0; kind < TTTD_KIND_COUNT; kind++)
    for (guint flags = 0; flags <= TTTD_FLAGS_KNOWN; flags++)
      for (guint v = 0; v < 2; v++)
        {
          gsize len = kind_len (kind, 1400);
          in.kind = (guint8) kind;
          in.flags = (guint8) flags;
          in.link = v ? G_MAXUINT16 : 0;
          in.seq = v ? G_MAXUINT32 : 0;
          in.link_prev = v ? 0 : G_MAXUINT32;
          in.timestamp = v ? G_MAXUINT32 : 1;
          memset (f->buf, 0x5a, sizeof f->buf);
          tttd_inner_write (f->buf, &in);
          if (len > sizeof f->buf)
            {
              g_autofree guint8 *big = g_malloc0 (len);
              memcpy (big, f->buf, TTTD_INNER_LEN);
              g_assert_cmpint (tttd_inner_parse (big, len, &out), ==, TTTD_PARSE_OK);
            }
          else
            g_assert_cmpint (tttd_inner_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_OK);
          g_assert_cmpuint (out.kind, ==, in.kind);
          g_assert_cmpuint (out.flags, ==, in.flags);
          g_assert_cmpuint (out.link, ==, in.link);
          g_assert_cmpuint (out.seq, ==, in.seq);
          g_assert_cmpuint (out.link_prev, ==, in.link_prev);
          g_assert_cmpuint (out.timestamp, ==, in.timestamp);
        }
}

static void
test_inner_short (Fixture *f, gconstpointer data)
{
  TttdInner in = { TTTD_KIND_DATA, 0, 1, 2, 3, 4 };
  TttdInner out;

  for (guint kind = 0; kind < TTTD_KIND_COUNT; kind++)
    {
      in.kind = (guint8) kind;
      tttd_inner_write (f->buf, &in);
      for (gsize len = 0; len < TTTD_INNER_LEN; len++)
        g_assert_cmpint (tttd_inner_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_SHORT);
    }
}

static void
test_inner_length (Fixture *f, gconstpointer data)
{
  TttdInner in = { TTTD_KIND_DATA, 0, 1, 2, 3, 4 };
  TttdInner out;

  for (guint kind = 0; kind < TTTD_KIND_COUNT; kind++)
    {
      in.kind = (guint8) kind;
      tttd_inner_write (f->buf, &in);
      for (gsize len = TTTD_INNER_LEN; len < sizeof f->buf; len++)
        {
          TttdParseResult r = tttd_inner_parse (exact_copy (f, len), len, &out);
          gboolean ok;

          switch (kind)
            {
            case TTTD_KIND_DATA:
              /* an IP packet has a 20-byte header at least */
              ok = len >= TTTD_INNER_LEN + 20;
              break;
            case TTTD_KIND_PROBE:
            case TTTD_KIND_PROBE_REPLY: ok = len == TTTD_INNER_LEN + TTTD_PROBE_LEN; break;
            case TTTD_KIND_NACK:
              /* 1 to 32 ranges of 8 bytes after a 4-byte header */
              ok =
                len >= TTTD_INNER_LEN + 12 && len <= TTTD_INNER_LEN + 4 + 32 * 8 && (len - TTTD_INNER_LEN - 4) % 8 == 0;
              break;
            case TTTD_KIND_REPAIR:
              /* a 12-byte header and the XOR of an IP header at least */
              ok = len >= TTTD_INNER_LEN + 12 + 20;
              break;
            default: ok = len == TTTD_INNER_LEN; break;
            }
          g_test_message ("kind %u length %" G_GSIZE_FORMAT, kind, len);
          g_assert_cmpint (r, ==, ok ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH);
        }
    }
}

static void
test_inner_bad (Fixture *f, gconstpointer data)
{
  TttdInner in = { TTTD_KIND_DATA, 0, 1, 2, 3, 4 };
  TttdInner out;

  for (guint kind = TTTD_KIND_COUNT; kind <= 0xff; kind++)
    {
      in.kind = (guint8) kind;
      tttd_inner_write (f->buf, &in);
      g_assert_cmpint (tttd_inner_parse (exact_copy (f, 64), 64, &out), ==, TTTD_PARSE_KIND);
      g_assert_cmpint (tttd_inner_parse (exact_copy (f, TTTD_INNER_LEN), TTTD_INNER_LEN, &out), ==, TTTD_PARSE_KIND);
    }
  /* each unknown flag bit alone, and with the known ones */
  for (guint bit = 0; bit < 8; bit++)
    {
      guint flag = 1u << bit;
      if (flag & TTTD_FLAGS_KNOWN)
        continue;
      for (guint kind = 0; kind < TTTD_KIND_COUNT; kind++)
        {
          gsize len = kind_len (kind, 64);
          in.kind = (guint8) kind;
          in.flags = (guint8) flag;
          tttd_inner_write (f->buf, &in);
          g_assert_cmpint (tttd_inner_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_FLAGS);
          in.flags = (guint8) (flag | TTTD_FLAGS_KNOWN);
          tttd_inner_write (f->buf, &in);
          g_assert_cmpint (tttd_inner_parse (exact_copy (f, len), len, &out), ==, TTTD_PARSE_FLAGS);
        }
    }
}

static void
test_probe_round_trip (Fixture *f, gconstpointer data)
{
  const guint8 expected[TTTD_PROBE_LEN] = {
    0x01, 0x00, 0x00, 0x80, 0x02, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    0x04, 0x03, 0x02, 0x01, 0x05, 0x00, 0x00, 0x80, 0x88, 0x13, 0x00, 0x00,
  };
  TttdProbe in = { 0x80000001, 2, G_MAXUINT32, 0x01020304, 0x80000005, 5000 };
  TttdProbe out;

  tttd_probe_write (f->buf, &in);
  g_assert_cmpmem (f->buf, TTTD_PROBE_LEN, expected, sizeof expected);
  g_assert_cmpint (tttd_probe_parse (exact_copy (f, TTTD_PROBE_LEN), TTTD_PROBE_LEN, &out), ==, TTTD_PARSE_OK);
  g_assert_cmpuint (out.echo, ==, in.echo);
  g_assert_cmpuint (out.tx_packets, ==, in.tx_packets);
  g_assert_cmpuint (out.rx_packets, ==, in.rx_packets);
  g_assert_cmpuint (out.down_links, ==, in.down_links);
  g_assert_cmpuint (out.rx_bytes, ==, in.rx_bytes);
  g_assert_cmpuint (out.rx_queue_us, ==, in.rx_queue_us);

  /* a whole probe message: inner header, then the body */
  {
    TttdInner inner = { TTTD_KIND_PROBE_REPLY, 0, 7, 99, 0, 12345 };
    TttdInner inner_out;
    gsize len = TTTD_INNER_LEN + TTTD_PROBE_LEN;
    const guint8 *msg;

    tttd_inner_write (f->buf, &inner);
    tttd_probe_write (f->buf + TTTD_INNER_LEN, &in);
    msg = exact_copy (f, len);
    g_assert_cmpint (tttd_inner_parse (msg, len, &inner_out), ==, TTTD_PARSE_OK);
    g_assert_cmpuint (inner_out.kind, ==, TTTD_KIND_PROBE_REPLY);
    g_assert_cmpuint (inner_out.seq, ==, 99);
    memset (&out, 0, sizeof out);
    g_assert_cmpint (tttd_probe_parse (msg + TTTD_INNER_LEN, len - TTTD_INNER_LEN, &out), ==, TTTD_PARSE_OK);
    g_assert_cmpuint (out.echo, ==, in.echo);
    g_assert_cmpuint (out.rx_bytes, ==, in.rx_bytes);
  }
}

static void
test_probe_length (Fixture *f, gconstpointer data)
{
  TttdProbe in = { 1, 2, 3, 4 };
  TttdProbe out;

  tttd_probe_write (f->buf, &in);
  for (gsize len = 0; len < 64; len++)
    {
      if (len == TTTD_PROBE_LEN)
        continue;
      g_assert_cmpint (tttd_probe_parse (exact_copy (f, len), len, &out), !=, TTTD_PARSE_OK);
    }
}

static void
test_result_strings (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint r = TTTD_PARSE_OK; r <= TTTD_PARSE_FLAGS; r++)
    {
      const char *s = tttd_parse_result_to_string (r);
      g_assert_nonnull (s);
      g_assert_cmpstr (s, !=, "unknown");
      g_assert_false (g_hash_table_contains (seen, s));
      g_hash_table_add (seen, (gpointer) s);
    }
  g_assert_cmpstr (tttd_parse_result_to_string (TTTD_PARSE_OK), ==, "ok");
  g_assert_cmpstr (tttd_parse_result_to_string (TTTD_PARSE_FLAGS + 1), ==, "unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/packet/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("sizes", test_sizes);
  ADD ("le-helpers", test_le_helpers);
  ADD ("header-round-trip", test_header_round_trip);
  ADD ("header-handshake", test_header_handshake);
  ADD ("header-short", test_header_short);
  ADD ("header-length", test_header_length);
  ADD ("header-bad", test_header_bad);
  ADD ("inner-round-trip", test_inner_round_trip);
  ADD ("inner-short", test_inner_short);
  ADD ("inner-length", test_inner_length);
  ADD ("inner-bad", test_inner_bad);
  ADD ("probe-round-trip", test_probe_round_trip);
  ADD ("probe-length", test_probe_length);
  ADD ("result-strings", test_result_strings);
#undef ADD

  return g_test_run ();
}
