/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-gso.h"

G_BEGIN_DECLS

/* Receive offload on the TUN write side, the reverse of tttd-gso: the TCP
 * segments of one flow that a receive batch delivers in sequence are joined
 * into one TSO packet (a virtio_net_hdr with GSO_TCPV4/6 and the segment
 * size, the checksum left partial), so the kernel takes one write and one
 * trip through its stack for dozens of segments, as its own GRO does for a
 * NIC. The segments a sender cut keep their size, so the kernel's
 * segmentation, where it forwards the packet on, gives the same segments back.
 *
 * Joined: frames (a virtio_net_hdr, then the packet) whose header asks for a
 * partial checksum (NEEDS_CSUM at TCP's field, no GSO) carrying TCP data after
 * a plain IPv4 header (no options, not a fragment) or IPv6 header (no
 * extension header), with only ACK, or ACK and PSH, set; the next one of a
 * flow joins when its sequence number follows, its IP and TCP headers say
 * the same (TOS or traffic class, TTL, DF, acknowledgment, window, options)
 * and its payload is no larger than the first's. A shorter payload or PSH
 * ends the packet. Anything else is written as it came, after what is
 * pending of the same TCP flow, so one flow's order never changes; different
 * flows may pass each other within a batch, as in the kernel's GRO. */

#define TTTD_GRO_FLOWS 8
/* an IPv4 packet's length field is 16 bits */
#define TTTD_GRO_MAX_PACKET 65535u
/* the kernel's GRO joins at most 64 segments */
#define TTTD_GRO_MAX_SEGMENTS 64u

/* one frame for the TUN: a virtio_net_hdr, then the packet */
typedef void (*TttdGroWrite) (const guint8 *frame, gsize len, gpointer data);

typedef struct {
  guint8 *frame; /* TTTD_VNET_HDR_LEN + TTTD_GRO_MAX_PACKET bytes */
  gsize len;     /* frame bytes held, 0: free */
  guint l3;      /* IP header bytes */
  guint headers; /* IP + TCP header bytes */
  guint gso_size;
  guint segments;
  guint32 next_seq;
  guint64 stamp; /* when it started, for choosing one to flush */
} TttdGroFlow;

typedef struct {
  TttdGroFlow flows[TTTD_GRO_FLOWS];
  guint8 *memory;
  guint64 clock;
  TttdGroWrite write;
  gpointer data;
  guint64 joined;  /* segments written as part of a larger packet */
  guint64 packets; /* packets of more than one segment written */
} TttdGro;

void tttd_gro_init (TttdGro *gro, TttdGroWrite write, gpointer data);
/* what is pending is dropped: flush first to keep it */
void tttd_gro_clear (TttdGro *gro);
/* frame: a virtio_net_hdr, then the packet, ready for the TUN as it is;
 * copied, or written at once */
void tttd_gro_push (TttdGro *gro, const guint8 *frame, gsize len);
/* writes everything pending: at the end of each batch */
void tttd_gro_flush (TttdGro *gro);
gboolean tttd_gro_pending (const TttdGro *gro);

G_END_DECLS
