/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tttd-gso.h"

/* TSO as a NIC does it: the segments must be what the sender would have
 * sent had it cut them itself, checksums and all */

#define PAYLOAD 3000
#define MSS     1000

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* the one's complement sum of a buffer, folded */
static guint32
sum_words (const guint8 *p, gsize len, guint32 sum)
{
  for (; len > 1; p += 2, len -= 2)
    sum += get16 (p);
  if (len)
    sum += (guint32) p[0] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/* a checksum that verifies sums to 0xffff with the pseudo-header */
static void
assert_l4_checksum (const guint8 *pkt, gsize len, guint l3, guint8 proto)
{
  gboolean v4 = (pkt[0] >> 4) == 4;
  gsize l4_len = len - l3;
  guint32 sum = v4 ? sum_words (pkt + 12, 8, 0) : sum_words (pkt + 8, 32, 0);

  sum += proto + (guint32) l4_len;
  g_assert_cmphex (sum_words (pkt + l3, l4_len, sum), ==, 0xffff);
}

/* IPv4 or IPv6, then a 20-byte TCP header with flags, then payload */
static gsize
make_tcp (guint8 *pkt, gboolean v4, gsize payload, guint8 tcp_flags)
{
  guint l3 = v4 ? 20 : 40;
  gsize len = l3 + 20 + payload;

  memset (pkt, 0, len);
  if (v4)
    {
      pkt[0] = 0x45;
      pkt[2] = (guint8) (len >> 8);
      pkt[3] = (guint8) len;
      pkt[4] = 0x12;  /* id 0x1234 */
      pkt[5] = 0x34;
      pkt[8] = 64;
      pkt[9] = IPPROTO_TCP;
      memcpy (pkt + 12, (guint8[]) { 198, 19, 0, 10, 198, 19, 0, 1 }, 8);
    }
  else
    {
      pkt[0] = 0x60;
      pkt[4] = (guint8) ((len - 40) >> 8);
      pkt[5] = (guint8) (len - 40);
      pkt[6] = IPPROTO_TCP;
      pkt[7] = 64;
      pkt[8] = 0x20;   /* 2001:2::10 -> 2001:2::1 */
      pkt[9] = 0x01;
      pkt[11] = 0x02;
      pkt[23] = 0x10;
      pkt[24] = 0x20;
      pkt[25] = 0x01;
      pkt[27] = 0x02;
      pkt[39] = 0x01;
    }
  pkt[l3 + 0] = 0xc3;  /* ports 50000 -> 5201 */
  pkt[l3 + 1] = 0x50;
  pkt[l3 + 2] = 0x14;
  pkt[l3 + 3] = 0x51;
  pkt[l3 + 4] = 0xff;  /* seq 0xfffffc00: wraps while cut */
  pkt[l3 + 5] = 0xff;
  pkt[l3 + 6] = 0xfc;
  pkt[l3 + 7] = 0x00;
  pkt[l3 + 12] = 5 << 4;
  pkt[l3 + 13] = tcp_flags;
  for (gsize i = 0; i < payload; i++)
    pkt[l3 + 20 + i] = (guint8) (i * 7 + 3);
  return len;
}

static void
test_tso (gconstpointer data)
{
  gboolean v4 = GPOINTER_TO_INT (data);
  guint l3 = v4 ? 20 : 40;
  static guint8 pkt[PAYLOAD + 100], out[2048];
  gsize len = make_tcp (pkt, v4, PAYLOAD + 1, 0x80 | 0x10 | 0x08 | 0x01); /* CWR ACK PSH FIN */
  TttdVnetHdr hdr = {
    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
    .gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6,
    .hdr_len = (guint16) (l3 + 20),
    .gso_size = MSS,
    .csum_start = (guint16) l3,
    .csum_offset = 16,
  };
  TttdGso gso;
  gsize offset = 0;
  guint index = 0;
  gssize n;

  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  while ((n = tttd_gso_next (&gso, out, sizeof out)) > 0)
    {
      gsize chunk = (gsize) n - l3 - 20;
      gboolean last = offset + chunk == PAYLOAD + 1;

      g_assert_cmpuint (chunk, ==, index < 3 ? MSS : 1);
      if (v4)
        {
          g_assert_cmpuint (get16 (out + 2), ==, n);
          g_assert_cmpuint (get16 (out + 4), ==, 0x1234 + index);
          g_assert_cmphex (sum_words (out, 20, 0), ==, 0xffff);
        }
      else
        g_assert_cmpuint (get16 (out + 4), ==, n - 40);
      g_assert_cmphex (get32 (out + l3 + 4), ==, (guint32) (0xfffffc00u + offset));
      /* CWR only on the first, FIN and PSH only on the last, ACK on all */
      g_assert_cmphex (out[l3 + 13] & 0x80, ==, index == 0 ? 0x80 : 0);
      g_assert_cmphex (out[l3 + 13] & 0x09, ==, last ? 0x09 : 0);
      g_assert_cmphex (out[l3 + 13] & 0x10, ==, 0x10);
      g_assert_cmpmem (out + l3 + 20, chunk, pkt + l3 + 20 + offset, chunk);
      assert_l4_checksum (out, (gsize) n, l3, IPPROTO_TCP);
      offset += chunk;
      index++;
    }
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpuint (index, ==, 4);
  g_assert_cmpuint (offset, ==, PAYLOAD + 1);
  /* the end stays the end */
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, 0);
}

/* one packet whose checksum the stack left to the device */
static void
test_checksum_only (void)
{
  static guint8 pkt[200], out[256];
  gsize len = make_tcp (pkt, TRUE, 99, 0x18);
  TttdVnetHdr hdr = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16 };
  TttdGso gso;

  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);
  assert_l4_checksum (out, len, 20, IPPROTO_TCP);
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, 0);

  /* UDP: a sum of zero goes on the wire as 0xffff */
  memset (pkt, 0, 28);
  pkt[0] = 0x45;
  pkt[9] = IPPROTO_UDP;
  pkt[20 + 5] = 8;  /* UDP length */
  tttd_l4_checksum (pkt, 28, 20, IPPROTO_UDP);
  g_assert_cmphex (get16 (pkt + 26), !=, 0);
  assert_l4_checksum (pkt, 28, 20, IPPROTO_UDP);

  /* a packet with nothing to do comes out untouched */
  len = make_tcp (pkt, FALSE, 10, 0x10);
  hdr = (TttdVnetHdr) { 0 };
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);
  g_assert_cmpmem (out, len, pkt, len);
}

static void
test_refused (void)
{
  static guint8 pkt[200], out[256];
  gsize len = make_tcp (pkt, TRUE, 100, 0x10);
  TttdVnetHdr tso = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 50, .csum_start = 20, .csum_offset = 16 };
  TttdVnetHdr hdr = tso;
  TttdGso gso;

  /* too short to be IP, not IP, UDP fragmentation offload, a zero MSS */
  g_assert_false (tttd_gso_init (&gso, pkt, 19, &hdr));
  pkt[0] = 0x55;
  g_assert_false (tttd_gso_init (&gso, pkt, len, &hdr));
  pkt[0] = 0x45;
  hdr.gso_type = VIRTIO_NET_HDR_GSO_UDP;
  g_assert_false (tttd_gso_init (&gso, pkt, len, &hdr));
  hdr = tso;
  hdr.gso_size = 0;
  g_assert_false (tttd_gso_init (&gso, pkt, len, &hdr));
  /* TSO of something that is not TCP, or a TCP header longer than the packet */
  hdr = tso;
  pkt[9] = IPPROTO_UDP;
  g_assert_false (tttd_gso_init (&gso, pkt, len, &hdr));
  pkt[9] = IPPROTO_TCP;
  pkt[20 + 12] = 15 << 4;
  g_assert_false (tttd_gso_init (&gso, pkt, 70, &hdr));
  pkt[20 + 12] = 5 << 4;

  /* an output too small is refused, not overrun */
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, 60), ==, -1);

  /* a checksum offset past the end is left alone */
  hdr = (TttdVnetHdr) { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 30, .csum_offset = 200 };
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);

  /* an IPv4 header that claims more than the packet holds */
  pkt[0] = 0x4f;
  tttd_l4_checksum (pkt, 40, 60, IPPROTO_TCP);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/gso/tso-ipv4", GINT_TO_POINTER (TRUE), test_tso);
  g_test_add_data_func ("/gso/tso-ipv6", GINT_TO_POINTER (FALSE), test_tso);
  g_test_add_func ("/gso/checksum-only", test_checksum_only);
  g_test_add_func ("/gso/refused", test_refused);
  return g_test_run ();
}
