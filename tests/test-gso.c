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

/* the pseudo-header sum, folded, not inverted: what CHECKSUM_PARTIAL leaves
 * in the field */
static guint16
pseudo_sum (const guint8 *pkt, gsize len, guint l3, guint8 proto)
{
  gboolean v4 = (pkt[0] >> 4) == 4;
  guint32 sum = v4 ? sum_words (pkt + 12, 8, 0) : sum_words (pkt + 8, 32, 0);

  sum += proto + (guint32) (len - l3);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

/* a partial checksum holds the pseudo-header sum, and completing it gives
 * the bytes a full computation gives */
static void
assert_partial (const guint8 *pkt, gsize len, guint l3, guint8 proto)
{
  static guint8 done[65536], full[65536];
  guint at = l3 + (proto == IPPROTO_TCP ? 16 : 6);

  g_assert_cmphex (get16 (pkt + at), ==, pseudo_sum (pkt, len, l3, proto));
  memcpy (done, pkt, len);
  tttd_l4_complete (done, len, l3, proto);
  assert_l4_checksum (done, len, l3, proto);
  memcpy (full, pkt, len);
  tttd_l4_checksum (full, len, l3, proto);
  g_assert_cmpmem (done, len, full, len);
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
      pkt[4] = 0x12; /* id 0x1234 */
      pkt[5] = 0x34;
      pkt[8] = 64;
      pkt[9] = IPPROTO_TCP;
      memcpy (pkt + 12, (guint8[]){ 198, 19, 0, 10, 198, 19, 0, 1 }, 8);
    }
  else
    {
      pkt[0] = 0x60;
      pkt[4] = (guint8) ((len - 40) >> 8);
      pkt[5] = (guint8) (len - 40);
      pkt[6] = IPPROTO_TCP;
      pkt[7] = 64;
      pkt[8] = 0x20; /* 2001:2::10 -> 2001:2::1 */
      pkt[9] = 0x01;
      pkt[11] = 0x02;
      pkt[23] = 0x10;
      pkt[24] = 0x20;
      pkt[25] = 0x01;
      pkt[27] = 0x02;
      pkt[39] = 0x01;
    }
  pkt[l3 + 0] = 0xc3; /* ports 50000 -> 5201 */
  pkt[l3 + 1] = 0x50;
  pkt[l3 + 2] = 0x14;
  pkt[l3 + 3] = 0x51;
  pkt[l3 + 4] = 0xff; /* seq 0xfffffc00: wraps while cut */
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
run_tso (gboolean v4, gboolean needs_csum)
{
  guint l3 = v4 ? 20 : 40;
  static guint8 pkt[PAYLOAD + 100], out[2048];
  gsize len = make_tcp (pkt, v4, PAYLOAD + 1, 0x80 | 0x10 | 0x08 | 0x01); /* CWR ACK PSH FIN */
  TttdVnetHdr hdr = {
    .flags = needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0,
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
      /* left partial when the kernel left it to us, else computed */
      g_assert_cmpint (gso.partial, ==, needs_csum);
      if (needs_csum)
        assert_partial (out, (gsize) n, l3, IPPROTO_TCP);
      else
        assert_l4_checksum (out, (gsize) n, l3, IPPROTO_TCP);
      offset += chunk;
      index++;
    }
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpuint (index, ==, 4);
  g_assert_cmpuint (offset, ==, PAYLOAD + 1);
  /* the end stays the end */
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, 0);
  g_assert_false (gso.partial);
}

static void
test_tso (gconstpointer data)
{
  run_tso (GPOINTER_TO_INT (data), TRUE);
}

/* TSO without NEEDS_CSUM: every segment's checksum is computed */
static void
test_tso_full (void)
{
  run_tso (TRUE, FALSE);
  run_tso (FALSE, FALSE);
}

/* one packet whose checksum the stack left to the device */
static void
test_checksum_only (void)
{
  static guint8 pkt[200], out[256];
  gsize len = make_tcp (pkt, TRUE, 99, 0x18);
  TttdVnetHdr hdr = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16 };
  TttdGso gso;
  guint16 pseudo = pseudo_sum (pkt, len, 20, IPPROTO_TCP);

  /* as the kernel hands it over: the pseudo-header sum in the field; it
   * stays partial, untouched */
  pkt[36] = (guint8) (pseudo >> 8);
  pkt[37] = (guint8) pseudo;
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);
  g_assert_true (gso.partial);
  g_assert_cmpmem (out, len, pkt, len);
  assert_partial (out, len, 20, IPPROTO_TCP);
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, 0);

  /* a checksum offset that is not TCP's: finished here, not partial */
  hdr.csum_offset = 6;
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);
  g_assert_false (gso.partial);
  assert_l4_checksum (out, len, 20, IPPROTO_TCP);
  hdr.csum_offset = 16;

  /* UDP: a sum of zero goes on the wire as 0xffff */
  memset (pkt, 0, 28);
  pkt[0] = 0x45;
  pkt[9] = IPPROTO_UDP;
  pkt[20 + 5] = 8; /* UDP length */
  tttd_l4_checksum (pkt, 28, 20, IPPROTO_UDP);
  g_assert_cmphex (get16 (pkt + 26), !=, 0);
  assert_l4_checksum (pkt, 28, 20, IPPROTO_UDP);

  /* a packet with nothing to do comes out untouched */
  len = make_tcp (pkt, FALSE, 10, 0x10);
  hdr = (TttdVnetHdr){ 0 };
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
  hdr = (TttdVnetHdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 30, .csum_offset = 200 };
  g_assert_true (tttd_gso_init (&gso, pkt, len, &hdr));
  g_assert_cmpint (tttd_gso_next (&gso, out, sizeof out), ==, len);

  /* an IPv4 header that claims more than the packet holds */
  pkt[0] = 0x4f;
  tttd_l4_checksum (pkt, 40, 60, IPPROTO_TCP);
}

/* a UDP packet over IPv4: 8-byte header, then payload */
static gsize
make_udp (guint8 *pkt, gsize payload)
{
  gsize len = 28 + payload;

  memset (pkt, 0, len);
  pkt[0] = 0x45;
  pkt[2] = (guint8) (len >> 8);
  pkt[3] = (guint8) len;
  pkt[8] = 64;
  pkt[9] = IPPROTO_UDP;
  memcpy (pkt + 12, (guint8[]){ 198, 19, 0, 10, 198, 19, 0, 1 }, 8);
  pkt[20] = 0x13;
  pkt[22] = 0x14;
  pkt[24] = (guint8) ((len - 20) >> 8);
  pkt[25] = (guint8) (len - 20);
  for (gsize i = 0; i < payload; i++)
    pkt[28 + i] = (guint8) (i * 13 + 1);
  return len;
}

static void
test_partial_target (void)
{
  static guint8 pkt[200];
  gsize len = make_tcp (pkt, TRUE, 50, 0x10);
  guint l3 = 0;
  guint8 proto = 0;

  g_assert_true (tttd_l4_partial_target (pkt, len, &l3, &proto));
  g_assert_cmpuint (l3, ==, 20);
  g_assert_cmpuint (proto, ==, IPPROTO_TCP);
  g_assert_cmpuint (tttd_l4_csum_offset (proto), ==, 16);
  /* a TCP header cut short, a fragment (MF, or an offset), ICMP */
  g_assert_false (tttd_l4_partial_target (pkt, 39, &l3, &proto));
  pkt[6] = 0x20;
  g_assert_false (tttd_l4_partial_target (pkt, len, &l3, &proto));
  pkt[6] = 0x00;
  pkt[7] = 0x01;
  g_assert_false (tttd_l4_partial_target (pkt, len, &l3, &proto));
  pkt[7] = 0x00;
  pkt[9] = IPPROTO_ICMP;
  g_assert_false (tttd_l4_partial_target (pkt, len, &l3, &proto));
  /* IPv6 with TCP right after the header; with an extension header not */
  len = make_tcp (pkt, FALSE, 50, 0x10);
  g_assert_true (tttd_l4_partial_target (pkt, len, &l3, &proto));
  g_assert_cmpuint (l3, ==, 40);
  pkt[6] = 0; /* hop-by-hop options */
  g_assert_false (tttd_l4_partial_target (pkt, len, &l3, &proto));
  /* UDP: its field at 6 */
  len = make_udp (pkt, 30);
  g_assert_true (tttd_l4_partial_target (pkt, len, &l3, &proto));
  g_assert_cmpuint (proto, ==, IPPROTO_UDP);
  g_assert_cmpuint (tttd_l4_csum_offset (proto), ==, 6);
  g_assert_false (tttd_l4_partial_target (pkt, 27, &l3, &proto));
}

/* the pseudo-header sum, then completing it, for TCP over both families
 * and UDP */
static void
test_pseudo_complete (void)
{
  static guint8 pkt[2000];
  gsize len;

  for (guint v = 0; v < 2; v++)
    for (gsize payload = 0; payload < 1400; payload += 233)
      {
        len = make_tcp (pkt, v == 0, payload, 0x18);
        tttd_l4_pseudo (pkt, len, v == 0 ? 20 : 40, IPPROTO_TCP);
        assert_partial (pkt, len, v == 0 ? 20 : 40, IPPROTO_TCP);
      }
  len = make_udp (pkt, 101);
  tttd_l4_pseudo (pkt, len, 20, IPPROTO_UDP);
  assert_partial (pkt, len, 20, IPPROTO_UDP);
}

static void
test_vnet_write (void)
{
  TttdVnetHdr hdr = {
    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
    .hdr_len = 60, .gso_size = 1380, .csum_start = 40, .csum_offset = 16,
  }, back;
  guint8 buf[TTTD_VNET_HDR_LEN];
  guint16 host;

  tttd_vnet_hdr_write (buf, &hdr);
  g_assert_cmpuint (buf[0], ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  g_assert_cmpuint (buf[1], ==, VIRTIO_NET_HDR_GSO_TCPV6);
  /* the TUN device speaks the host's byte order */
  memcpy (&host, buf + 6, 2);
  g_assert_cmpuint (host, ==, 40);
  memcpy (&host, buf + 8, 2);
  g_assert_cmpuint (host, ==, 16);
  tttd_vnet_hdr_parse (buf, &back);
  g_assert_cmpmem (&back, sizeof back, &hdr, sizeof hdr);
}

/* what the receiver writes to TUN for each kind of packet */
static void
test_rx_prepare (void)
{
  static guint8 pkt[2000], ref[2000];
  guint8 vnet[TTTD_VNET_HDR_LEN];
  TttdVnetHdr hdr;
  gsize len = make_tcp (pkt, TRUE, 500, 0x18);

  /* partial, to a TUN with a vnet header: NEEDS_CSUM at TCP's field, the
   * packet untouched */
  tttd_l4_pseudo (pkt, len, 20, IPPROTO_TCP);
  memcpy (ref, pkt, len);
  memset (vnet, 0xaa, sizeof vnet);
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_PARTIAL, vnet));
  tttd_vnet_hdr_parse (vnet, &hdr);
  g_assert_cmpuint (hdr.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  g_assert_cmpuint (hdr.gso_type, ==, VIRTIO_NET_HDR_GSO_NONE);
  g_assert_cmpuint (hdr.csum_start, ==, 20);
  g_assert_cmpuint (hdr.csum_offset, ==, 16);
  g_assert_cmpmem (pkt, len, ref, len);
  /* partial, to a TUN without: finished here */
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_PARTIAL, NULL));
  assert_l4_checksum (pkt, len, 20, IPPROTO_TCP);
  /* complete: an all-zero header, the packet untouched */
  memcpy (ref, pkt, len);
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_COMPLETE, vnet));
  g_assert_cmpmem (vnet, sizeof vnet, ((guint8[TTTD_VNET_HDR_LEN]){ 0 }), sizeof vnet);
  g_assert_cmpmem (pkt, len, ref, len);
  /* unknown and in fact complete: with a vnet header it becomes partial */
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_UNKNOWN, vnet));
  tttd_vnet_hdr_parse (vnet, &hdr);
  g_assert_cmpuint (hdr.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  assert_partial (pkt, len, 20, IPPROTO_TCP);
  /* unknown and in fact partial, without one: computed whole */
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_UNKNOWN, NULL));
  assert_l4_checksum (pkt, len, 20, IPPROTO_TCP);
  g_assert_cmpmem (pkt, len, ref, len);
  /* UDP over IPv6 would be the same; UDP over IPv4 partial at offset 6 */
  len = make_udp (pkt, 77);
  tttd_l4_pseudo (pkt, len, 20, IPPROTO_UDP);
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_PARTIAL, vnet));
  tttd_vnet_hdr_parse (vnet, &hdr);
  g_assert_cmpuint (hdr.csum_offset, ==, 6);
  /* marked partial but not TCP or UDP: refused; unknown: left alone */
  pkt[9] = IPPROTO_ICMP;
  memcpy (ref, pkt, len);
  g_assert_false (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_PARTIAL, vnet));
  g_assert_true (tttd_rx_csum_prepare (pkt, len, TTTD_RX_CSUM_UNKNOWN, vnet));
  g_assert_cmpmem (pkt, len, ref, len);
  g_assert_cmpmem (vnet, sizeof vnet, ((guint8[TTTD_VNET_HDR_LEN]){ 0 }), sizeof vnet);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/gso/tso-ipv4", GINT_TO_POINTER (TRUE), test_tso);
  g_test_add_data_func ("/gso/tso-ipv6", GINT_TO_POINTER (FALSE), test_tso);
  g_test_add_func ("/gso/tso-full-checksum", test_tso_full);
  g_test_add_func ("/gso/checksum-only", test_checksum_only);
  g_test_add_func ("/gso/partial-target", test_partial_target);
  g_test_add_func ("/gso/pseudo-complete", test_pseudo_complete);
  g_test_add_func ("/gso/vnet-write", test_vnet_write);
  g_test_add_func ("/gso/rx-prepare", test_rx_prepare);
  g_test_add_func ("/gso/refused", test_refused);
  return g_test_run ();
}
