/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what the dataplane needs to know of a tunnelled IP packet */
typedef struct {
  guint8 family;     /* AF_INET or AF_INET6 */
  guint8 protocol;   /* transport protocol (after IPv6 extension headers) */
  const guint8 *src; /* 4 or 16 bytes, inside the packet */
  const guint8 *dst;
  guint16 src_port;
  guint16 dst_port;
  guint length;      /* the IP total length */
  guint32 flow_hash; /* 0: no flow (fragment, unknown transport) */
  gboolean latency_critical;
} TttdIpInfo;

/* FALSE when the bytes are not a plausible IPv4 or IPv6 packet of that length */
gboolean tttd_ip_parse (const guint8 *packet, gsize len, guint32 hash_seed, TttdIpInfo *out);
guint tttd_ip_addr_len (guint8 family);

G_END_DECLS
