/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* an IPv4 or IPv6 address with a prefix length */
typedef struct {
  guint8 family;   /* AF_INET or AF_INET6 */
  guint8 prefix;   /* 0..32 or 0..128 */
  guint8 addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
} TttdPrefix;

/* a UDP endpoint */
typedef union {
  struct sockaddr sa;
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
} TttdSockaddr;

gboolean tttd_prefix_parse (const char *text, gboolean require_prefix, TttdPrefix *out, GError **error);
char *tttd_prefix_to_string (const TttdPrefix *prefix);
gboolean tttd_prefix_contains (const TttdPrefix *prefix, int family, const guint8 *addr);
gboolean tttd_prefix_equal (const TttdPrefix *a, const TttdPrefix *b);
guint tttd_prefix_addr_len (const TttdPrefix *prefix);
/* no bit set past the prefix length (198.18.200.0/28, not 198.18.200.5/28) */
gboolean tttd_prefix_is_canonical (const TttdPrefix *prefix);

/* the most host addresses a pool offers (a /8 or a /64 stops there) */
#define TTTD_POOL_MAX_HOSTS (G_GUINT64_CONSTANT (1) << 20)
/* the host addresses a pool hands out, as offsets first .. first + count - 1
 * from its network address: every address of a /31, /32, /127 or /128;
 * otherwise not the network address, nor an IPv4 broadcast address */
void tttd_prefix_pool_range (const TttdPrefix *pool, guint64 *first, guint64 *count);
/* the host prefix (/32, /128) at offset from the pool's network address;
 * FALSE when that lies outside the pool */
gboolean tttd_prefix_nth_host (const TttdPrefix *pool, guint64 offset, TttdPrefix *out);

/* whether a client may take an address the server assigned: a host address
 * (/32, /128), or one inside a range of its own configuration (routes=) */
gboolean tttd_prefix_assignable (const TttdPrefix *assigned, const TttdPrefix *ranges, guint n_ranges, GError **error);

gboolean tttd_sockaddr_parse (const char *text, guint16 default_port, TttdSockaddr *out, GError **error);
char *tttd_sockaddr_to_string (const TttdSockaddr *sa);
socklen_t tttd_sockaddr_len (const TttdSockaddr *sa);
gboolean tttd_sockaddr_equal (const TttdSockaddr *a, const TttdSockaddr *b);
guint16 tttd_sockaddr_port (const TttdSockaddr *sa);

gboolean tttd_glob_list_match (char **globs, const char *name);

/* an address as a hash table key (family + 16 bytes, zero padded) */
typedef struct {
  guint8 family;
  guint8 addr[16];
} TttdAddrKey;

void tttd_addr_key_init (TttdAddrKey *key, guint8 family, const guint8 *addr);
void tttd_addr_key_from_sockaddr (TttdAddrKey *key, const TttdSockaddr *sa);
guint tttd_addr_key_hash (gconstpointer key);
gboolean tttd_addr_key_equal (gconstpointer a, gconstpointer b);

G_END_DECLS
