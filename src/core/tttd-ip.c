/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* reads a tunnelled IPv4/IPv6 packet: addresses, ports, flow hash, latency class */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tttd-ip.h"

/* below this size a UDP datagram is interactive (DNS, games, VoIP, QUIC
 * acknowledgements) rather than bulk */
#define SMALL_UDP 256

guint
tttd_ip_addr_len (guint8 family)
{
  return family == AF_INET ? 4 : 16;
}

static inline guint32
mix (guint32 h, guint32 v)
{
  h ^= v;
  h *= 0x01000193u; /* FNV-1a prime, on 32-bit words */
  h ^= h >> 15;
  return h;
}

static guint32
flow_hash (const TttdIpInfo *info, guint32 seed)
{
  guint alen = tttd_ip_addr_len (info->family);
  guint32 h = seed ^ 0x811c9dc5u;
  guint32 w;

  for (guint i = 0; i < alen; i += 4)
    {
      memcpy (&w, info->src + i, 4);
      h = mix (h, w);
      memcpy (&w, info->dst + i, 4);
      h = mix (h, w);
    }
  h = mix (h, ((guint32) info->protocol << 16) ^ info->family);
  h = mix (h, ((guint32) info->src_port << 16) | info->dst_port);
  return h != 0 ? h : 1;
}

static void
classify (TttdIpInfo *info, const guint8 *l4, gsize l4_len, gboolean first_fragment)
{
  gboolean ports = FALSE;

  info->latency_critical = FALSE;
  if (!first_fragment)
    return;
  switch (info->protocol)
    {
    case IPPROTO_TCP:
      if (l4_len >= 20)
        {
          guint doff = (l4[12] >> 4) * 4u;
          guint8 flags = l4[13];
          ports = TRUE;
          /* handshakes, resets, FINs and pure ACKs gate the sender: send them
           * on the fastest links */
          if ((flags & 0x07) != 0 || (doff >= 20 && doff == l4_len))
            info->latency_critical = TRUE;
        }
      break;
    case IPPROTO_UDP:
      if (l4_len >= 8)
        {
          ports = TRUE;
          info->latency_critical = l4_len <= SMALL_UDP;
        }
      break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: info->latency_critical = TRUE; break;
    default: break;
    }
  if (ports)
    {
      info->src_port = (guint16) ((l4[0] << 8) | l4[1]);
      info->dst_port = (guint16) ((l4[2] << 8) | l4[3]);
      if (info->src_port == 53 || info->dst_port == 53)
        info->latency_critical = TRUE;
    }
}

gboolean
tttd_ip_parse (const guint8 *packet, gsize len, guint32 hash_seed, TttdIpInfo *out)
{
  memset (out, 0, sizeof *out);
  if (len < 20)
    return FALSE;
  if ((packet[0] >> 4) == 4)
    {
      guint ihl = (packet[0] & 0x0f) * 4u;
      guint total = (guint) ((packet[2] << 8) | packet[3]);
      guint frag = (guint) (((packet[6] & 0x1f) << 8) | packet[7]);
      if (ihl < 20 || total < ihl || total > len)
        return FALSE;
      out->family = AF_INET;
      out->protocol = packet[9];
      out->src = packet + 12;
      out->dst = packet + 16;
      out->length = total;
      classify (out, packet + ihl, total - ihl, frag == 0);
      /* only the first fragment has ports: hash every fragment by its
       * addresses alone, so that they stay together */
      if (frag != 0 || (packet[6] & 0x20) != 0)
        out->src_port = out->dst_port = 0;
      out->flow_hash = flow_hash (out, hash_seed);
      return TRUE;
    }
  if ((packet[0] >> 4) == 6)
    {
      guint total;
      guint8 next;
      gsize off = 40;
      gboolean first_fragment = TRUE, fragmented = FALSE;
      if (len < 40)
        return FALSE;
      total = 40u + (guint) ((packet[4] << 8) | packet[5]);
      if (total > len)
        return FALSE;
      out->family = AF_INET6;
      out->src = packet + 8;
      out->dst = packet + 24;
      out->length = total;
      next = packet[6];
      /* walk the extension headers a router may meet */
      for (guint n = 0; n < 8; n++)
        {
          if (next == 0 || next == 43 || next == 60)
            {
              if (off + 8 > total)
                return FALSE;
              next = packet[off];
              off += 8u + packet[off + 1] * 8u;
            }
          else if (next == 44)
            {
              if (off + 8 > total)
                return FALSE;
              first_fragment = ((packet[off + 2] << 8 | packet[off + 3]) & 0xfff8) == 0;
              fragmented = TRUE;
              next = packet[off];
              off += 8;
            }
          else
            break;
        }
      if (off > total)
        return FALSE;
      out->protocol = next;
      classify (out, packet + off, total - off, first_fragment);
      if (fragmented)
        out->src_port = out->dst_port = 0;
      out->flow_hash = flow_hash (out, hash_seed);
      return TRUE;
    }
  return FALSE;
}
