/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* an IPv4 or IPv6 address with a prefix length */
typedef struct {
  guint8  family;        /* AF_INET or AF_INET6 */
  guint8  prefix;        /* 0..32 or 0..128 */
  guint8  addr[16];      /* network byte order; IPv4 uses the first 4 bytes */
} TttdPrefix;

/* a UDP endpoint */
typedef union {
  struct sockaddr     sa;
  struct sockaddr_in  in4;
  struct sockaddr_in6 in6;
} TttdSockaddr;

gboolean tttd_prefix_parse (const char *text, gboolean require_prefix, TttdPrefix *out, GError **error);
char    *tttd_prefix_to_string (const TttdPrefix *prefix);
gboolean tttd_prefix_contains (const TttdPrefix *prefix, int family, const guint8 *addr);
gboolean tttd_prefix_equal (const TttdPrefix *a, const TttdPrefix *b);
guint    tttd_prefix_addr_len (const TttdPrefix *prefix);
/* whether a client may take an address the server assigned: a host address
 * (/32, /128), or one inside a range of its own configuration (routes=) */
gboolean tttd_prefix_assignable (const TttdPrefix *assigned, const TttdPrefix *ranges, guint n_ranges,
                                 GError **error);

gboolean tttd_sockaddr_parse (const char *text, guint16 default_port, TttdSockaddr *out, GError **error);
char    *tttd_sockaddr_to_string (const TttdSockaddr *sa);
socklen_t tttd_sockaddr_len (const TttdSockaddr *sa);
gboolean tttd_sockaddr_equal (const TttdSockaddr *a, const TttdSockaddr *b);
guint16  tttd_sockaddr_port (const TttdSockaddr *sa);

gboolean tttd_glob_list_match (char **globs, const char *name);

/* an address as a hash table key (family + 16 bytes, zero padded) */
typedef struct {
  guint8 family;
  guint8 addr[16];
} TttdAddrKey;

void     tttd_addr_key_init (TttdAddrKey *key, guint8 family, const guint8 *addr);
void     tttd_addr_key_from_sockaddr (TttdAddrKey *key, const TttdSockaddr *sa);
guint    tttd_addr_key_hash (gconstpointer key);
gboolean tttd_addr_key_equal (gconstpointer a, gconstpointer b);

G_END_DECLS
