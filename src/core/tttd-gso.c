/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* cuts TCP segmentation-offload packets into MTU-sized segments, and leaves
 * or finishes their partial checksums */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tttd-bytes.h"
#include "tttd-gso.h"

void
tttd_vnet_hdr_parse (const guint8 *buf, TttdVnetHdr *out)
{
  /* the TUN device speaks the host's byte order */
  out->flags = buf[0];
  out->gso_type = buf[1];
  memcpy (&out->hdr_len, buf + 2, 2);
  memcpy (&out->gso_size, buf + 4, 2);
  memcpy (&out->csum_start, buf + 6, 2);
  memcpy (&out->csum_offset, buf + 8, 2);
}

void
tttd_vnet_hdr_write (guint8 *buf, const TttdVnetHdr *hdr)
{
  buf[0] = hdr->flags;
  buf[1] = hdr->gso_type;
  memcpy (buf + 2, &hdr->hdr_len, 2);
  memcpy (buf + 4, &hdr->gso_size, 2);
  memcpy (buf + 6, &hdr->csum_start, 2);
  memcpy (buf + 8, &hdr->csum_offset, 2);
}

static guint32
sum16 (const guint8 *p, gsize len, guint32 sum)
{
  while (len > 1)
    {
      sum += (guint32) ((p[0] << 8) | p[1]);
      p += 2;
      len -= 2;
    }
  if (len)
    sum += (guint32) (p[0] << 8);
  return sum;
}

static guint16
fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

void
tttd_l4_checksum (guint8 *packet, gsize len, guint l3_len, guint8 protocol)
{
  guint check_at = protocol == IPPROTO_TCP ? 16 : 6;
  guint8 *l4;
  gsize l4_len;
  guint32 sum = 0;
  guint16 result;

  if (len < (gsize) l3_len + check_at + 2 || ((packet[0] >> 4) == 6 && len < 40) || len < 20)
    return;
  l4 = packet + l3_len;
  l4_len = len - l3_len;
  tttd_put16 (l4 + check_at, 0);
  /* the pseudo-header */
  if ((packet[0] >> 4) == 4)
    sum = sum16 (packet + 12, 8, 0);
  else
    sum = sum16 (packet + 8, 32, 0);
  sum += protocol;
  sum += (guint32) (l4_len & 0xffff) + (guint32) (l4_len >> 16);
  sum = sum16 (l4, l4_len, sum);
  result = (guint16) ~fold (sum);
  if (protocol == IPPROTO_UDP && result == 0)
    result = 0xffff;
  tttd_put16 (l4 + check_at, result);
}

gboolean
tttd_l4_partial_target (const guint8 *packet, gsize len, guint *l3_len, guint8 *protocol)
{
  guint l3;
  guint8 proto;

  if (len < 20)
    return FALSE;
  if ((packet[0] >> 4) == 4)
    {
      l3 = (packet[0] & 0x0f) * 4u;
      /* a fragment (MF set or an offset) has no L4 header of its own */
      if (l3 < 20 || (tttd_get16 (packet + 6) & 0x3fff) != 0)
        return FALSE;
      proto = packet[9];
    }
  else if ((packet[0] >> 4) == 6)
    {
      l3 = 40;
      proto = packet[6];
    }
  else
    return FALSE;
  if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || len < (gsize) l3 + (proto == IPPROTO_TCP ? 20 : 8))
    return FALSE;
  *l3_len = l3;
  *protocol = proto;
  return TRUE;
}

guint
tttd_l4_csum_offset (guint8 protocol)
{
  return protocol == IPPROTO_TCP ? 16 : 6;
}

static guint32
pseudo_sum (const guint8 *packet, gsize len, guint l3_len, guint8 protocol)
{
  gsize l4_len = len - l3_len;
  guint32 sum;

  if ((packet[0] >> 4) == 4)
    sum = sum16 (packet + 12, 8, 0);
  else
    sum = sum16 (packet + 8, 32, 0);
  return sum + protocol + (guint32) (l4_len & 0xffff) + (guint32) (l4_len >> 16);
}

void
tttd_l4_pseudo (guint8 *packet, gsize len, guint l3_len, guint8 protocol)
{
  tttd_put16 (packet + l3_len + tttd_l4_csum_offset (protocol), fold (pseudo_sum (packet, len, l3_len, protocol)));
}

void
tttd_l4_complete (guint8 *packet, gsize len, guint l3_len, guint8 protocol)
{
  /* the field holds the pseudo-header sum: summing the L4 bytes with it in
   * place gives the whole sum */
  guint16 result = (guint16) ~fold (sum16 (packet + l3_len, len - l3_len, 0));

  if (protocol == IPPROTO_UDP && result == 0)
    result = 0xffff;
  tttd_put16 (packet + l3_len + tttd_l4_csum_offset (protocol), result);
}

gboolean
tttd_rx_csum_prepare (guint8 *packet, gsize len, TttdRxCsum csum, guint8 *vnet_hdr)
{
  TttdVnetHdr hdr = { 0 };
  guint l3;
  guint8 proto;

  if (csum != TTTD_RX_CSUM_COMPLETE && tttd_l4_partial_target (packet, len, &l3, &proto))
    {
      if (vnet_hdr != NULL)
        {
          /* either way the field ends up holding the pseudo-header sum,
           * which the kernel completes (CHECKSUM_PARTIAL) */
          if (csum == TTTD_RX_CSUM_UNKNOWN)
            tttd_l4_pseudo (packet, len, l3, proto);
          hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
          hdr.csum_start = (guint16) l3;
          hdr.csum_offset = (guint16) tttd_l4_csum_offset (proto);
        }
      else if (csum == TTTD_RX_CSUM_PARTIAL)
        tttd_l4_complete (packet, len, l3, proto);
      else
        tttd_l4_checksum (packet, len, l3, proto);
    }
  else if (csum == TTTD_RX_CSUM_PARTIAL)
    return FALSE;
  if (vnet_hdr != NULL)
    tttd_vnet_hdr_write (vnet_hdr, &hdr);
  return TRUE;
}

void
tttd_ipv4_checksum (guint8 *ip, guint ihl)
{
  tttd_put16 (ip + 10, 0);
  tttd_put16 (ip + 10, (guint16) ~fold (sum16 (ip, ihl, 0)));
}

gboolean
tttd_gso_init (TttdGso *gso, const guint8 *packet, gsize len, const TttdVnetHdr *hdr)
{
  guint8 type = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  guint l3;

  memset (gso, 0, sizeof *gso);
  gso->packet = packet;
  gso->len = len;
  gso->hdr = *hdr;
  if (len < 20)
    return FALSE;
  if ((packet[0] >> 4) == 4 && (packet[0] & 0x0f) >= 5)
    l3 = (packet[0] & 0x0f) * 4u;
  else if ((packet[0] >> 4) == 6)
    l3 = 40;
  else
    return FALSE;
  if (type == VIRTIO_NET_HDR_GSO_NONE)
    return TRUE;
  if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
    return FALSE;
  /* TSO: plain IPv4 or IPv6 (no extension headers) then TCP */
  if (len < l3 + 20 || hdr->gso_size == 0 || ((packet[0] >> 4) == 4 ? packet[9] : packet[6]) != IPPROTO_TCP)
    return FALSE;
  gso->headers = l3 + (packet[l3 + 12] >> 4) * 4u;
  if (gso->headers < l3 + 20 || gso->headers > len)
    return FALSE;
  gso->tcp_gso = TRUE;
  return TRUE;
}

gssize
tttd_gso_next (TttdGso *gso, guint8 *out, gsize out_size)
{
  const guint8 *p = gso->packet;
  gboolean v4 = (p[0] >> 4) == 4;
  guint l3 = v4 ? (p[0] & 0x0f) * 4u : 40;
  gsize payload, chunk, seg_len;

  gso->partial = FALSE;
  if (gso->done)
    return 0;
  if (!gso->tcp_gso)
    {
      /* one packet; its checksum may be ours to finish */
      gso->done = TRUE;
      if (gso->len > out_size)
        return -1;
      memcpy (out, p, gso->len);
      if (gso->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        {
          guint8 proto = v4 ? p[9] : p[6];
          guint target_l3;
          guint8 target_proto;
          if (tttd_l4_partial_target (out, gso->len, &target_l3, &target_proto) && gso->hdr.csum_start == target_l3 &&
              gso->hdr.csum_offset == tttd_l4_csum_offset (target_proto))
            gso->partial = TRUE; /* the kernel's pseudo-header sum is in place */
          else if (gso->hdr.csum_start == l3 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP))
            tttd_l4_checksum (out, gso->len, l3, proto);
          else if ((gsize) gso->hdr.csum_start + gso->hdr.csum_offset + 2 <= gso->len)
            {
              /* anything else: the partial sum is in the field already */
              guint8 *field = out + gso->hdr.csum_start + gso->hdr.csum_offset;
              guint32 sum = sum16 (out + gso->hdr.csum_start, gso->len - gso->hdr.csum_start, 0);
              tttd_put16 (field, (guint16) ~fold (sum));
            }
        }
      return (gssize) gso->len;
    }

  payload = gso->len - gso->headers;
  if (gso->offset >= payload && !(payload == 0 && gso->index == 0))
    {
      gso->done = TRUE;
      return 0;
    }
  chunk = MIN ((gsize) gso->hdr.gso_size, payload - gso->offset);
  seg_len = gso->headers + chunk;
  if (seg_len > out_size)
    return -1;
  memcpy (out, p, gso->headers);
  memcpy (out + gso->headers, p + gso->headers + gso->offset, chunk);
  {
    guint8 *tcp = out + l3;
    guint32 seq = ((guint32) tcp[4] << 24) | ((guint32) tcp[5] << 16) | ((guint32) tcp[6] << 8) | tcp[7];
    gboolean last = gso->offset + chunk >= payload;

    seq += (guint32) gso->offset;
    tcp[4] = (guint8) (seq >> 24);
    tcp[5] = (guint8) (seq >> 16);
    tcp[6] = (guint8) (seq >> 8);
    tcp[7] = (guint8) seq;
    /* FIN and PSH belong to the last segment, CWR to the first */
    if (!last)
      tcp[13] &= (guint8) ~0x09;
    if (gso->index > 0)
      tcp[13] &= (guint8) ~0x80;
    if (v4)
      {
        tttd_put16 (out + 2, (guint16) seg_len);
        tttd_put16 (out + 4, (guint16) (tttd_get16 (p + 4) + gso->index));
        tttd_ipv4_checksum (out, l3);
      }
    else
      tttd_put16 (out + 4, (guint16) (seg_len - 40));
    if (gso->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
      {
        /* 12 or 36 bytes summed instead of the whole segment */
        tttd_l4_pseudo (out, seg_len, l3, IPPROTO_TCP);
        gso->partial = TRUE;
      }
    else
      tttd_l4_checksum (out, seg_len, l3, IPPROTO_TCP);
  }
  gso->offset += chunk;
  gso->index++;
  if (gso->offset >= payload)
    gso->done = TRUE;
  return (gssize) seg_len;
}
