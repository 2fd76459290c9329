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
  guint8  flags;        /* VIRTIO_NET_HDR_F_* */
  guint8  gso_type;     /* VIRTIO_NET_HDR_GSO_* */
  guint16 hdr_len;
  guint16 gso_size;
  guint16 csum_start;
  guint16 csum_offset;
} TttdVnetHdr;

void     tttd_vnet_hdr_parse (const guint8 *buf, TttdVnetHdr *out);

/* cuts one packet into segments; a packet that needs no cutting comes out
 * as one segment, its checksum completed */
typedef struct {
  const guint8 *packet;
  gsize         len;
  TttdVnetHdr   hdr;
  guint         headers;   /* IP + TCP header bytes */
  gsize         offset;    /* payload bytes already cut */
  guint         index;
  gboolean      tcp_gso;
  gboolean      done;
} TttdGso;

/* FALSE: a packet we cannot cut or checksum (it is dropped and counted) */
gboolean tttd_gso_init (TttdGso *gso, const guint8 *packet, gsize len, const TttdVnetHdr *hdr);
/* the next segment into out; its length, 0 at the end, -1 if out is too small */
gssize   tttd_gso_next (TttdGso *gso, guint8 *out, gsize out_size);

/* the Internet checksum of a TCP or UDP segment, its field filled in */
void     tttd_l4_checksum (guint8 *packet, gsize len, guint l3_len, guint8 protocol);

G_END_DECLS
