/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tttd-gro.h"

/* GRO for the TUN write: what it joins, the kernel's segmentation (here
 * tttd-gso, which cuts as the kernel does) must turn back into the very
 * segments that went in; what it does not join comes out unchanged, and no
 * flow's order ever changes */

/* a sender's TSO numbers IPv4 IDs one up per segment: segments of this
 * many bytes each take the next ID */
static guint id_unit = 1000;

#define MAX_FRAMES 256
#define FRAME_MAX  (TTTD_VNET_HDR_LEN + 1500)

typedef struct {
  guint8 *frames[MAX_FRAMES];
  gsize lens[MAX_FRAMES];
  guint n;
} Out;

typedef struct {
  gboolean v6;
  guint16 sport;
  guint32 seq;
  guint payload;
  guint8 flags;
  guint8 tos;
  guint32 tsval; /* a timestamp option when not 0 */
  guint16 window;
  gboolean complete; /* a whole checksum, no NEEDS_CSUM */
  guint8 protocol;   /* 0: TCP */
} Seg;

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, (guint16) (v >> 16));
  put16 (p + 2, (guint16) v);
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
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

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
on_write (const guint8 *frame, gsize len, gpointer data)
{
  Out *out = data;

  g_assert_cmpuint (out->n, <, MAX_FRAMES);
  out->frames[out->n] = g_memdup2 (frame, len);
  out->lens[out->n++] = len;
}

static void
out_clear (Out *out)
{
  for (guint i = 0; i < out->n; i++)
    g_free (out->frames[i]);
  out->n = 0;
}

/* one segment as tttd's receive path hands it to the TUN: a vnet header
 * with NEEDS_CSUM at TCP's field and the pseudo-header sum in place; the
 * payload's bytes follow from the sequence number, the IPv4 ID from the
 * segment's place (as a sender's TSO numbers them) */
static gsize
build (guint8 *frame, const Seg *s)
{
  guint8 *p = frame + TTTD_VNET_HDR_LEN;
  guint l3 = s->v6 ? 40 : 20;
  guint8 proto = s->protocol != 0 ? s->protocol : IPPROTO_TCP;
  guint l4 = proto == IPPROTO_TCP ? (s->tsval != 0 ? 32 : 20) : 8;
  gsize len = l3 + l4 + s->payload;
  TttdVnetHdr hdr = { 0 };

  memset (frame, 0, TTTD_VNET_HDR_LEN + len);
  if (s->v6)
    {
      p[0] = 0x60 | (s->tos >> 4);
      p[1] = (guint8) (s->tos << 4);
      put16 (p + 4, (guint16) (len - 40));
      p[6] = proto;
      p[7] = 64;
      p[8] = 0x20;
      p[23] = 1;
      p[24] = 0x20;
      p[39] = 2;
    }
  else
    {
      p[0] = 0x45;
      p[1] = s->tos;
      put16 (p + 2, (guint16) len);
      put16 (p + 4, (guint16) (100 + s->seq / id_unit));
      p[6] = 0x40; /* DF */
      p[8] = 64;
      p[9] = proto;
      put32 (p + 12, 0xc6120002); /* 198.18.0.2 */
      put32 (p + 16, 0xc6120101); /* 198.18.1.1 */
      tttd_ipv4_checksum (p, 20);
    }
  put16 (p + l3, s->sport != 0 ? s->sport : 40000);
  put16 (p + l3 + 2, 5201);
  if (proto == IPPROTO_TCP)
    {
      put32 (p + l3 + 4, s->seq);
      put32 (p + l3 + 8, 777);
      p[l3 + 12] = (guint8) ((l4 / 4) << 4);
      p[l3 + 13] = s->flags != 0 ? s->flags : 0x10;
      put16 (p + l3 + 14, s->window != 0 ? s->window : 512);
      if (s->tsval != 0)
        {
          p[l3 + 20] = 1;
          p[l3 + 21] = 1;
          p[l3 + 22] = 8;
          p[l3 + 23] = 10;
          put32 (p + l3 + 24, s->tsval);
          put32 (p + l3 + 28, 5);
        }
    }
  else
    put16 (p + l3 + 4, (guint16) (8 + s->payload));
  for (guint i = 0; i < s->payload; i++)
    p[l3 + l4 + i] = (guint8) ((s->seq + i) * 7 + 3);
  if (s->complete)
    tttd_l4_checksum (p, len, l3, proto);
  else
    {
      tttd_l4_pseudo (p, len, l3, proto);
      hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
      hdr.csum_start = (guint16) l3;
      hdr.csum_offset = (guint16) tttd_l4_csum_offset (proto);
    }
  tttd_vnet_hdr_write (frame, &hdr);
  return TTTD_VNET_HDR_LEN + len;
}

static void
push (TttdGro *gro, const Seg *s)
{
  guint8 frame[FRAME_MAX];

  tttd_gro_push (gro, frame, build (frame, s));
}

/* a written frame cut back into segments, each compared with what it must
 * be: the segments built from seq on, `first` (the first one's header) for
 * the rest */
static guint
assert_segments (const guint8 *frame, gsize len, Seg first, guint mss)
{
  TttdVnetHdr hdr;
  TttdGso gso;
  guint8 seg[2048];
  guint8 want[FRAME_MAX];
  gssize n;
  guint count = 0;
  gsize total = len - TTTD_VNET_HDR_LEN - (first.v6 ? 40 : 20) - (first.tsval != 0 ? 32 : 20);
  guint8 last_flags = first.flags;

  tttd_vnet_hdr_parse (frame, &hdr);
  g_assert_true (tttd_gso_init (&gso, frame + TTTD_VNET_HDR_LEN, len - TTTD_VNET_HDR_LEN, &hdr));
  if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
    {
      g_assert_cmpuint (hdr.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
      g_assert_cmpuint (hdr.gso_type, ==, first.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
      g_assert_cmpuint (hdr.gso_size, ==, mss);
      g_assert_cmpuint (hdr.hdr_len, ==, len - TTTD_VNET_HDR_LEN - total);
      /* the PSH of the last one is the whole packet's */
      last_flags = frame[TTTD_VNET_HDR_LEN + (first.v6 ? 40 : 20) + 13];
      /* what the kernel checks before it cuts: the IP length and header
       * checksum, and the pseudo-header sum of the whole in TCP's field
       * (its segmentation adjusts that for each segment's length) */
      {
        const guint8 *p = frame + TTTD_VNET_HDR_LEN;
        gsize plen = len - TTTD_VNET_HDR_LEN;
        guint l3 = first.v6 ? 40 : 20;
        guint32 pseudo = first.v6 ? sum_words (p + 8, 32, 0) : sum_words (p + 12, 8, 0);

        if (first.v6)
          g_assert_cmpuint (get16 (p + 4), ==, plen - 40);
        else
          {
            g_assert_cmpuint (get16 (p + 2), ==, plen);
            g_assert_cmphex (sum_words (p, 20, 0), ==, 0xffff);
          }
        g_assert_cmphex (get16 (p + l3 + 16), ==, sum_words (NULL, 0, pseudo + IPPROTO_TCP + (guint32) (plen - l3)));
      }
    }
  while ((n = tttd_gso_next (&gso, seg, sizeof seg)) > 0)
    {
      Seg s = first;
      gsize want_len;

      s.seq = first.seq + count * mss;
      s.payload = (guint) MIN ((gsize) mss, total - count * mss);
      s.flags = count * mss + s.payload == total ? last_flags : (guint8) (last_flags & ~0x08);
      want_len = build (want, &s);
      g_assert_true (gso.partial);
      g_assert_cmpmem (seg, (gsize) n, want + TTTD_VNET_HDR_LEN, want_len - TTTD_VNET_HDR_LEN);
      count++;
    }
  g_assert_cmpint (n, ==, 0);
  return count;
}

/* three full segments and a shorter last: one TSO packet */
static void
test_join (gconstpointer data)
{
  gboolean v6 = GPOINTER_TO_INT (data);
  TttdGro gro;
  Out out = { 0 };

  tttd_gro_init (&gro, on_write, &out);
  for (guint i = 0; i < 4; i++)
    push (&gro, &(Seg){ .v6 = v6, .seq = 1000 * i, .payload = i < 3 ? 1000 : 400, .tsval = 9 });
  /* the shorter one ended it: written before any flush */
  g_assert_cmpuint (out.n, ==, 1);
  g_assert_false (tttd_gro_pending (&gro));
  g_assert_cmpuint (out.lens[0], ==, TTTD_VNET_HDR_LEN + (v6 ? 40 : 20) + 32 + 3400);
  g_assert_cmpuint (assert_segments (out.frames[0], out.lens[0], (Seg){ .v6 = v6, .tsval = 9 }, 1000), ==, 4);
  g_assert_cmpuint (gro.packets, ==, 1);
  g_assert_cmpuint (gro.joined, ==, 4);
  out_clear (&out);
  tttd_gro_clear (&gro);
}

/* full segments wait for the flush; PSH ends a packet at once and stays on
 * its last segment */
static void
test_flush_and_push (void)
{
  TttdGro gro;
  Out out = { 0 };

  tttd_gro_init (&gro, on_write, &out);
  push (&gro, &(Seg){ .seq = 0, .payload = 1000 });
  push (&gro, &(Seg){ .seq = 1000, .payload = 1000 });
  g_assert_cmpuint (out.n, ==, 0);
  g_assert_true (tttd_gro_pending (&gro));
  tttd_gro_flush (&gro);
  g_assert_cmpuint (out.n, ==, 1);
  g_assert_cmpuint (assert_segments (out.frames[0], out.lens[0], (Seg){ 0 }, 1000), ==, 2);
  out_clear (&out);

  push (&gro, &(Seg){ .seq = 2000, .payload = 1000 });
  push (&gro, &(Seg){ .seq = 3000, .payload = 1000, .flags = 0x18 });
  g_assert_cmpuint (out.n, ==, 1);
  g_assert_cmphex (out.frames[0][TTTD_VNET_HDR_LEN + 20 + 13], ==, 0x18);
  g_assert_cmpuint (assert_segments (out.frames[0], out.lens[0], (Seg){ .seq = 2000 }, 1000), ==, 2);
  out_clear (&out);

  /* one alone is written as it came, whole */
  push (&gro, &(Seg){ .seq = 4000, .payload = 1000 });
  tttd_gro_flush (&gro);
  g_assert_cmpuint (out.n, ==, 1);
  {
    guint8 want[FRAME_MAX];
    gsize len = build (want, &(Seg){ .seq = 4000, .payload = 1000 });

    g_assert_cmpmem (out.frames[0], out.lens[0], want, len);
  }
  out_clear (&out);
  tttd_gro_clear (&gro);
}

/* what breaks the sequence or the headers starts a new packet, after the
 * pending one */
static void
test_no_join (void)
{
  const Seg second[] = {
    { .seq = 1500, .payload = 1000 },               /* a gap */
    { .seq = 1000, .payload = 1000, .tos = 1 },     /* ECN */
    { .seq = 1000, .payload = 1000, .tsval = 7 },   /* other options */
    { .seq = 1000, .payload = 1000, .window = 9 },  /* another window */
    { .seq = 1000, .payload = 1200 },               /* larger than the first */
    { .seq = 1000, .payload = 1000, .flags = 0x11 } /* FIN */
  };

  for (guint i = 0; i < G_N_ELEMENTS (second); i++)
    {
      TttdGro gro;
      Out out = { 0 };
      guint8 want[FRAME_MAX];
      gsize len;

      tttd_gro_init (&gro, on_write, &out);
      push (&gro, &(Seg){ .seq = 0, .payload = 1000 });
      push (&gro, &second[i]);
      tttd_gro_flush (&gro);
      g_assert_cmpuint (out.n, ==, 2);
      len = build (want, &(Seg){ .seq = 0, .payload = 1000 });
      g_assert_cmpmem (out.frames[0], out.lens[0], want, len);
      len = build (want, &second[i]);
      g_assert_cmpmem (out.frames[1], out.lens[1], want, len);
      g_assert_cmpuint (gro.packets, ==, 0);
      out_clear (&out);
      tttd_gro_clear (&gro);
    }
}

/* flows apart: each joined on its own; a packet of another kind passes, one
 * of the same flow that cannot join comes after what is pending */
static void
test_flows (void)
{
  TttdGro gro;
  Out out = { 0 };
  guint8 want[FRAME_MAX];
  gsize len;

  tttd_gro_init (&gro, on_write, &out);
  for (guint i = 0; i < 3; i++)
    {
      push (&gro, &(Seg){ .sport = 1, .seq = 1000 * i, .payload = 1000 });
      push (&gro, &(Seg){ .sport = 2, .seq = 1000 * i, .payload = 1000 });
    }
  /* UDP, and a whole-checksum TCP packet of a third flow: at once */
  push (&gro, &(Seg){ .protocol = IPPROTO_UDP, .payload = 100 });
  push (&gro, &(Seg){ .sport = 3, .payload = 100, .complete = TRUE });
  g_assert_cmpuint (out.n, ==, 2);
  /* flow 1's FIN: after flow 1's three */
  push (&gro, &(Seg){ .sport = 1, .seq = 3000, .flags = 0x11 });
  g_assert_cmpuint (out.n, ==, 4);
  g_assert_cmpuint (assert_segments (out.frames[2], out.lens[2], (Seg){ .sport = 1 }, 1000), ==, 3);
  len = build (want, &(Seg){ .sport = 1, .seq = 3000, .flags = 0x11 });
  g_assert_cmpmem (out.frames[3], out.lens[3], want, len);
  tttd_gro_flush (&gro);
  g_assert_cmpuint (out.n, ==, 5);
  g_assert_cmpuint (assert_segments (out.frames[4], out.lens[4], (Seg){ .sport = 2 }, 1000), ==, 3);
  out_clear (&out);

  /* more flows than places: the oldest goes out, nothing is lost */
  for (guint round = 0; round < 2; round++)
    for (guint f = 0; f < TTTD_GRO_FLOWS + 3; f++)
      push (&gro, &(Seg){ .sport = (guint16) (10 + f), .seq = 1000 * round, .payload = 1000 });
  tttd_gro_flush (&gro);
  {
    guint segments = 0;

    for (guint i = 0; i < out.n; i++)
      {
        guint16 sport = (guint16) (out.frames[i][TTTD_VNET_HDR_LEN + 20] << 8 | out.frames[i][TTTD_VNET_HDR_LEN + 21]);
        Seg first = { .sport = sport, .seq = get32 (out.frames[i] + TTTD_VNET_HDR_LEN + 24) };

        segments += assert_segments (out.frames[i], out.lens[i], first, 1000);
      }
    g_assert_cmpuint (segments, ==, 2 * (TTTD_GRO_FLOWS + 3));
  }
  out_clear (&out);
  tttd_gro_clear (&gro);
}

/* at most 64 segments, and never past 65,535 bytes */
static void
test_limits (void)
{
  TttdGro gro;
  Out out = { 0 };

  tttd_gro_init (&gro, on_write, &out);
  for (guint i = 0; i < 70; i++)
    push (&gro, &(Seg){ .seq = 1000 * i, .payload = 1000 });
  tttd_gro_flush (&gro);
  g_assert_cmpuint (out.n, ==, 2);
  g_assert_cmpuint (assert_segments (out.frames[0], out.lens[0], (Seg){ 0 }, 1000), ==, TTTD_GRO_MAX_SEGMENTS);
  g_assert_cmpuint (assert_segments (out.frames[1], out.lens[1], (Seg){ .seq = 64000 }, 1000), ==, 6);
  out_clear (&out);

  id_unit = 1400;
  for (guint i = 0; i < 50; i++)
    push (&gro, &(Seg){ .seq = 1400 * i, .payload = 1400 });
  tttd_gro_flush (&gro);
  g_assert_cmpuint (out.n, ==, 2);
  g_assert_cmpuint (out.lens[0] - TTTD_VNET_HDR_LEN, <=, TTTD_GRO_MAX_PACKET);
  g_assert_cmpuint (assert_segments (out.frames[0], out.lens[0], (Seg){ 0 }, 1400), ==, 46);
  out_clear (&out);
  id_unit = 1000;
  tttd_gro_clear (&gro);
}

/* what is not a packet is written as it came */
static void
test_garbage (void)
{
  TttdGro gro;
  Out out = { 0 };
  guint8 frame[FRAME_MAX];
  gsize len = build (frame, &(Seg){ .payload = 100 });

  tttd_gro_init (&gro, on_write, &out);
  tttd_gro_push (&gro, frame, 5);
  frame[TTTD_VNET_HDR_LEN + 3]++; /* the IPv4 length is wrong */
  tttd_gro_push (&gro, frame, len);
  frame[TTTD_VNET_HDR_LEN] = 0x75;
  tttd_gro_push (&gro, frame, len);
  g_assert_cmpuint (out.n, ==, 3);
  g_assert_false (tttd_gro_pending (&gro));
  out_clear (&out);
  tttd_gro_clear (&gro);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/gro/join-ipv4", GINT_TO_POINTER (FALSE), test_join);
  g_test_add_data_func ("/gro/join-ipv6", GINT_TO_POINTER (TRUE), test_join);
  g_test_add_func ("/gro/flush-and-push", test_flush_and_push);
  g_test_add_func ("/gro/no-join", test_no_join);
  g_test_add_func ("/gro/flows", test_flows);
  g_test_add_func ("/gro/limits", test_limits);
  g_test_add_func ("/gro/garbage", test_garbage);
  return g_test_run ();
}
