/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* joins the TCP segments of a receive batch into TSO packets for the TUN
 * write (the rules are in tttd-gro.h) */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tttd-bytes.h"
#include "tttd-gro.h"

#define FLOW_BYTES (TTTD_VNET_HDR_LEN + TTTD_GRO_MAX_PACKET)
#define TCP_PSH    0x08
#define TCP_ACK    0x10

/* what one frame is, as far as joining goes */
typedef struct {
  const guint8 *packet;
  gsize len;
  guint l3;      /* IP header bytes */
  guint headers; /* IP + TCP header bytes; 0: no TCP header to read */
  guint32 seq;
  guint8 flags;
  gboolean joinable;
} Segment;

/* FALSE: not TCP (or not a packet): nothing to keep in order with */
static gboolean
parse (const guint8 *frame, gsize len, Segment *s)
{
  const guint8 *p = frame + TTTD_VNET_HDR_LEN;
  gsize n = len - TTTD_VNET_HDR_LEN;
  gboolean whole = TRUE; /* not a fragment: the TCP header is there */
  TttdVnetHdr hdr;

  memset (s, 0, sizeof *s);
  if (len < TTTD_VNET_HDR_LEN + 20)
    return FALSE;
  s->packet = p;
  s->len = n;
  if ((p[0] >> 4) == 4)
    {
      s->l3 = (p[0] & 0x0f) * 4u;
      if (s->l3 < 20 || p[9] != IPPROTO_TCP || tttd_get16 (p + 2) != n)
        return FALSE;
      whole = (tttd_get16 (p + 6) & 0x3fff) == 0;
    }
  else if ((p[0] >> 4) == 6)
    {
      s->l3 = 40;
      if (n < 40 || p[6] != IPPROTO_TCP || tttd_get16 (p + 4) + 40u != n)
        return FALSE;
    }
  else
    return FALSE;
  if (!whole || n < s->l3 + 20u)
    return TRUE; /* TCP, but no ports to tell its flow by */
  s->headers = s->l3 + (p[s->l3 + 12] >> 4) * 4u;
  if (s->headers < s->l3 + 20 || s->headers > n)
    {
      s->headers = 0;
      return TRUE;
    }
  s->seq = tttd_get32 (p + s->l3 + 4);
  s->flags = p[s->l3 + 13];
  tttd_vnet_hdr_parse (frame, &hdr);
  s->joinable = s->l3 == (p[0] >> 4 == 4 ? 20u : 40u) && s->headers < n && (s->flags & ~TCP_PSH) == TCP_ACK &&
                hdr.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
                hdr.csum_start == s->l3 && hdr.csum_offset == 16;
  return TRUE;
}

static const guint8 *
flow_packet (const TttdGroFlow *flow)
{
  return flow->frame + TTTD_VNET_HDR_LEN;
}

/* the same addresses and ports */
static gboolean
same_flow (const TttdGroFlow *flow, const Segment *s)
{
  const guint8 *a = flow_packet (flow);
  const guint8 *b = s->packet;

  if (a[0] >> 4 != b[0] >> 4 || flow->l3 != s->l3)
    return FALSE;
  if (a[0] >> 4 == 4 ? memcmp (a + 12, b + 12, 8) != 0 : memcmp (a + 8, b + 8, 32) != 0)
    return FALSE;
  return memcmp (a + flow->l3, b + s->l3, 4) == 0;
}

/* whether s continues flow: its next bytes, with the same headers */
static gboolean
continues (const TttdGroFlow *flow, const Segment *s)
{
  const guint8 *a = flow_packet (flow);
  const guint8 *b = s->packet;
  const guint8 *ta = a + flow->l3;
  const guint8 *tb = b + s->l3;
  guint payload = (guint) (s->len - s->headers);

  if (s->headers != flow->headers || s->seq != flow->next_seq || payload > flow->gso_size ||
      flow->segments >= TTTD_GRO_MAX_SEGMENTS || flow->len - TTTD_VNET_HDR_LEN + payload > TTTD_GRO_MAX_PACKET)
    return FALSE;
  if (a[0] >> 4 == 4)
    {
      /* TOS (ECN marks too), DF, TTL */
      if (a[1] != b[1] || (a[6] & 0x40) != (b[6] & 0x40) || a[8] != b[8])
        return FALSE;
    }
  else if (memcmp (a, b, 4) != 0 || a[7] != b[7])
    return FALSE; /* traffic class, flow label, hop limit */
  /* acknowledgment, window, options (timestamps) */
  return memcmp (ta + 8, tb + 8, 4) == 0 && memcmp (ta + 14, tb + 14, 2) == 0 &&
         memcmp (ta + 20, tb + 20, flow->headers - flow->l3 - 20) == 0;
}

static void
flow_flush (TttdGro *gro, TttdGroFlow *flow)
{
  if (flow->len == 0)
    return;
  if (flow->segments > 1)
    {
      guint8 *p = flow->frame + TTTD_VNET_HDR_LEN;
      gsize n = flow->len - TTTD_VNET_HDR_LEN;
      gboolean v4 = (p[0] >> 4) == 4;
      TttdVnetHdr hdr = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6,
        .hdr_len = (guint16) flow->headers,
        .gso_size = (guint16) flow->gso_size,
        .csum_start = (guint16) flow->l3,
        .csum_offset = 16,
      };

      if (v4)
        {
          tttd_put16 (p + 2, (guint16) n);
          tttd_ipv4_checksum (p, flow->l3);
        }
      else
        tttd_put16 (p + 4, (guint16) (n - 40));
      /* the pseudo-header sum of the whole: the kernel's segmentation
       * turns it into each segment's */
      tttd_l4_pseudo (p, n, flow->l3, IPPROTO_TCP);
      tttd_vnet_hdr_write (flow->frame, &hdr);
      gro->joined += flow->segments;
      gro->packets++;
    }
  gro->write (flow->frame, flow->len, gro->data);
  flow->len = 0;
}

/* ends a flow whose last segment closed it, or that could take no more */
static void
flow_maybe_end (TttdGro *gro, TttdGroFlow *flow, const Segment *s)
{
  guint payload = (guint) (s->len - s->headers);

  if ((s->flags & TCP_PSH) || payload < flow->gso_size || flow->segments >= TTTD_GRO_MAX_SEGMENTS ||
      flow->len - TTTD_VNET_HDR_LEN + flow->gso_size > TTTD_GRO_MAX_PACKET)
    flow_flush (gro, flow);
}

void
tttd_gro_init (TttdGro *gro, TttdGroWrite write, gpointer data)
{
  memset (gro, 0, sizeof *gro);
  gro->write = write;
  gro->data = data;
  /* pages the kernel maps only when a flow first fills them */
  gro->memory = g_malloc ((gsize) TTTD_GRO_FLOWS * FLOW_BYTES);
  for (guint i = 0; i < TTTD_GRO_FLOWS; i++)
    gro->flows[i].frame = gro->memory + (gsize) i * FLOW_BYTES;
}

void
tttd_gro_clear (TttdGro *gro)
{
  g_free (gro->memory);
  memset (gro, 0, sizeof *gro);
}

gboolean
tttd_gro_pending (const TttdGro *gro)
{
  for (guint i = 0; i < TTTD_GRO_FLOWS; i++)
    if (gro->flows[i].len > 0)
      return TRUE;
  return FALSE;
}

void
tttd_gro_flush (TttdGro *gro)
{
  for (guint i = 0; i < TTTD_GRO_FLOWS; i++)
    flow_flush (gro, &gro->flows[i]);
}

void
tttd_gro_push (TttdGro *gro, const guint8 *frame, gsize len)
{
  TttdGroFlow *flow = NULL;
  TttdGroFlow *free_flow = NULL;
  Segment s;

  if (!parse (frame, len, &s))
    {
      gro->write (frame, len, gro->data);
      return;
    }
  if (s.headers == 0)
    {
      /* TCP whose flow cannot be told: after everything pending */
      tttd_gro_flush (gro);
      gro->write (frame, len, gro->data);
      return;
    }
  for (guint i = 0; i < TTTD_GRO_FLOWS; i++)
    {
      TttdGroFlow *f = &gro->flows[i];

      if (f->len == 0)
        free_flow = free_flow != NULL ? free_flow : f;
      else if (same_flow (f, &s))
        flow = f;
    }
  if (flow != NULL && s.joinable && continues (flow, &s))
    {
      guint payload = (guint) (s.len - s.headers);

      memcpy (flow->frame + flow->len, s.packet + s.headers, payload);
      flow->len += payload;
      flow->next_seq += payload;
      flow->segments++;
      if (s.flags & TCP_PSH)
        flow->frame[TTTD_VNET_HDR_LEN + flow->l3 + 13] |= TCP_PSH;
      flow_maybe_end (gro, flow, &s);
      return;
    }
  /* what is pending of this flow goes first */
  if (flow != NULL)
    {
      flow_flush (gro, flow);
      free_flow = flow;
    }
  if (!s.joinable || (s.flags & TCP_PSH) || len > FLOW_BYTES)
    {
      gro->write (frame, len, gro->data);
      return;
    }
  if (free_flow == NULL)
    {
      /* every flow busy: the oldest goes out */
      free_flow = &gro->flows[0];
      for (guint i = 1; i < TTTD_GRO_FLOWS; i++)
        if (gro->flows[i].stamp < free_flow->stamp)
          free_flow = &gro->flows[i];
      flow_flush (gro, free_flow);
    }
  flow = free_flow;
  memcpy (flow->frame, frame, len);
  flow->len = len;
  flow->l3 = s.l3;
  flow->headers = s.headers;
  flow->gso_size = (guint) (s.len - s.headers);
  flow->segments = 1;
  flow->next_seq = s.seq + flow->gso_size;
  flow->stamp = ++gro->clock;
}
