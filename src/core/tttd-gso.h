/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TCP segmentation and checksums for what a TUN device with offloads hands
 * over (a virtio_net_hdr, then one packet of up to 64 KiB whose checksum may
 * be left to us): the kernel does one read's work for dozens of packets,
 * and tttd cuts them into MTU-sized ones as a NIC would */

#define TTTD_VNET_HDR_LEN 10

typedef struct {
  guint8 flags;    /* VIRTIO_NET_HDR_F_* */
  guint8 gso_type; /* VIRTIO_NET_HDR_GSO_* */
  guint16 hdr_len;
  guint16 gso_size;
  guint16 csum_start;
  guint16 csum_offset;
} TttdVnetHdr;

void tttd_vnet_hdr_parse (const guint8 *buf, TttdVnetHdr *out);
void tttd_vnet_hdr_write (guint8 *buf, const TttdVnetHdr *hdr);

/* cuts one packet into segments; a packet that needs no cutting comes out
 * as one segment. A segment whose checksum the kernel left to us (NEEDS_CSUM)
 * and that is TCP or UDP right after a plain IPv4 or IPv6 header comes out
 * partial, as the kernel's CHECKSUM_PARTIAL: its checksum field holds the
 * pseudo-header sum only, and `partial` says so until the next segment
 * (tttd_l4_complete finishes it); any other checksum comes out complete */
typedef struct {
  const guint8 *packet;
  gsize len;
  TttdVnetHdr hdr;
  guint headers; /* IP + TCP header bytes */
  gsize offset;  /* payload bytes already cut */
  guint index;
  gboolean tcp_gso;
  gboolean done;
  gboolean partial; /* the last segment's L4 checksum is partial */
} TttdGso;

/* FALSE: a packet we cannot cut or checksum (it is dropped and counted) */
gboolean tttd_gso_init (TttdGso *gso, const guint8 *packet, gsize len, const TttdVnetHdr *hdr);
/* the next segment into out; its length, 0 at the end, -1 if out is too small */
gssize tttd_gso_next (TttdGso *gso, guint8 *out, gsize out_size);

/* the IPv4 header checksum of a header of ihl bytes, its field filled in */
void tttd_ipv4_checksum (guint8 *ip, guint ihl);

/* the Internet checksum of a TCP or UDP segment, its field filled in */
void tttd_l4_checksum (guint8 *packet, gsize len, guint l3_len, guint8 protocol);

/* whether packet is TCP or UDP right after a plain IPv4 header (not a
 * fragment) or IPv6 header (no extension header), its L4 header within len:
 * the only packets whose checksum travels partial; the IP header's length
 * and the protocol into l3_len and protocol */
gboolean tttd_l4_partial_target (const guint8 *packet, gsize len, guint *l3_len, guint8 *protocol);
/* where the checksum field is from the start of the L4 header: 16 TCP, 6 UDP */
guint tttd_l4_csum_offset (guint8 protocol);
/* the pseudo-header sum (folded, not inverted) into the checksum field of a
 * partial target: what the kernel puts there for CHECKSUM_PARTIAL */
void tttd_l4_pseudo (guint8 *packet, gsize len, guint l3_len, guint8 protocol);
/* finishes a partial checksum: the same bytes tttd_l4_checksum gives */
void tttd_l4_complete (guint8 *packet, gsize len, guint l3_len, guint8 protocol);

/* what a packet from the tunnel needs before it is written to TUN */
typedef enum {
  TTTD_RX_CSUM_COMPLETE, /* its checksums are whole */
  TTTD_RX_CSUM_PARTIAL,  /* marked partial by the sender */
  TTTD_RX_CSUM_UNKNOWN,  /* may be either: resent, retransmitted or rebuilt by FEC
                            * from a sender that sends partial checksums */
} TttdRxCsum;

/* prepares a packet from the tunnel for a TUN write: with vnet_hdr (the TUN
 * speaks virtio_net_hdr), fills those 10 bytes, NEEDS_CSUM with csum_start
 * and csum_offset for the kernel (or the NIC it is forwarded to) to finish
 * the checksum; without, finishes it here. FALSE: a packet marked partial
 * that is no partial target (it must be dropped) */
gboolean tttd_rx_csum_prepare (guint8 *packet, gsize len, TttdRxCsum csum, guint8 *vnet_hdr);

G_END_DECLS
