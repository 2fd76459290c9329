/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* prefixes and socket addresses: parse, print, compare, hash */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "tttd-addr.h"
#include "tttd-error.h"

guint
tttd_prefix_addr_len (const TttdPrefix *prefix)
{
  return prefix->family == AF_INET ? 4 : 16;
}

gboolean
tttd_prefix_parse (const char *text, gboolean require_prefix, TttdPrefix *out, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *slash = strchr (copy, '/');
  guint64 plen = 0;
  guint max;

  memset (out, 0, sizeof *out);
  if (slash != NULL)
    *slash = '\0';
  if (inet_pton (AF_INET, copy, out->addr) == 1)
    out->family = AF_INET;
  else if (inet_pton (AF_INET6, copy, out->addr) == 1)
    out->family = AF_INET6;
  else
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "'%s' is not an IPv4 or IPv6 address", copy);
      return FALSE;
    }
  max = out->family == AF_INET ? 32 : 128;
  if (slash == NULL)
    {
      if (require_prefix)
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "'%s' lacks a prefix length (e.g. /24)", text);
          return FALSE;
        }
      out->prefix = max;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, max, &plen, NULL))
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "'%s' has a bad prefix length (0 to %u)", text, max);
      return FALSE;
    }
  out->prefix = (guint8) plen;
  return TRUE;
}

char *
tttd_prefix_to_string (const TttdPrefix *prefix)
{
  char buf[INET6_ADDRSTRLEN];

  inet_ntop (prefix->family, prefix->addr, buf, sizeof buf);
  return g_strdup_printf ("%s/%u", buf, prefix->prefix);
}

gboolean
tttd_prefix_contains (const TttdPrefix *prefix, int family, const guint8 *addr)
{
  guint full, rest;

  if (prefix->family != family)
    return FALSE;
  full = prefix->prefix / 8;
  rest = prefix->prefix % 8;
  if (memcmp (prefix->addr, addr, full) != 0)
    return FALSE;
  if (rest != 0)
    {
      guint8 mask = (guint8) (0xff << (8 - rest));
      if ((prefix->addr[full] & mask) != (addr[full] & mask))
        return FALSE;
    }
  return TRUE;
}

gboolean
tttd_prefix_equal (const TttdPrefix *a, const TttdPrefix *b)
{
  return a->family == b->family && a->prefix == b->prefix && memcmp (a->addr, b->addr, tttd_prefix_addr_len (a)) == 0;
}

gboolean
tttd_prefix_is_canonical (const TttdPrefix *prefix)
{
  guint len = tttd_prefix_addr_len (prefix);
  guint full = prefix->prefix / 8, rest = prefix->prefix % 8;

  if (rest != 0 && (prefix->addr[full] & (0xff >> rest)) != 0)
    return FALSE;
  for (guint i = full + (rest != 0); i < len; i++)
    if (prefix->addr[i] != 0)
      return FALSE;
  return TRUE;
}

void
tttd_prefix_pool_range (const TttdPrefix *pool, guint64 *first, guint64 *count)
{
  guint host_bits = tttd_prefix_addr_len (pool) * 8 - MIN (pool->prefix, tttd_prefix_addr_len (pool) * 8);
  guint64 size = host_bits >= 63 ? G_MAXUINT64 : G_GUINT64_CONSTANT (1) << host_bits;

  if (host_bits <= 1)
    {
      /* a point-to-point /31 (RFC 3021) or a single address: all of it */
      *first = 0;
      *count = size;
      return;
    }
  *first = 1;
  *count = size - (pool->family == AF_INET ? 2 : 1);
  *count = MIN (*count, TTTD_POOL_MAX_HOSTS);
}

gboolean
tttd_prefix_nth_host (const TttdPrefix *pool, guint64 offset, TttdPrefix *out)
{
  guint len = tttd_prefix_addr_len (pool);
  guint host_bits = len * 8 - MIN (pool->prefix, len * 8);
  guint64 carry = offset;

  if (host_bits < 64 && offset >> host_bits != 0)
    return FALSE;
  *out = *pool;
  out->prefix = (guint8) (len * 8);
  /* the network address, then offset added to it, big-endian */
  for (guint i = 0; i < len; i++)
    {
      guint keep = MIN (8, pool->prefix > i * 8 ? pool->prefix - i * 8 : 0);
      out->addr[i] &= (guint8) (0xff00 >> keep);
    }
  for (gint b = (gint) len - 1; b >= 0 && carry != 0; b--)
    {
      guint v = out->addr[b] + (guint) (carry & 0xff);
      out->addr[b] = (guint8) v;
      carry = (carry >> 8) + (v >> 8);
    }
  return TRUE;
}

gboolean
tttd_prefix_assignable (const TttdPrefix *assigned, const TttdPrefix *ranges, guint n_ranges, GError **error)
{
  g_autofree char *text = NULL;

  if (assigned->prefix == tttd_prefix_addr_len (assigned) * 8)
    return TRUE;
  for (guint i = 0; i < n_ranges; i++)
    if (ranges[i].family == assigned->family && assigned->prefix >= ranges[i].prefix &&
        tttd_prefix_contains (&ranges[i], assigned->family, assigned->addr))
      return TRUE;
  text = tttd_prefix_to_string (assigned);
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
               "the server assigned %s: not a host address, and not inside this client's routes=", text);
  return FALSE;
}

gboolean
tttd_sockaddr_parse (const char *text, guint16 default_port, TttdSockaddr *out, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  const char *host = copy;
  const char *port_text = NULL;
  guint64 port = default_port;

  memset (out, 0, sizeof *out);
  if (copy[0] == '[')
    {
      char *end = strchr (copy, ']');
      if (end == NULL || (end[1] != '\0' && end[1] != ':'))
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "'%s' is not [IPv6]:port", text);
          return FALSE;
        }
      *end = '\0';
      host = copy + 1;
      if (end[1] == ':')
        port_text = end + 2;
    }
  else
    {
      char *colon = strrchr (copy, ':');
      /* one colon: IPv4:port; more: a bare IPv6 address */
      if (colon != NULL && strchr (copy, ':') == colon)
        {
          *colon = '\0';
          port_text = colon + 1;
        }
    }
  if (port_text != NULL && !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "'%s' has a bad port (1 to 65535)", text);
      return FALSE;
    }
  if (inet_pton (AF_INET, host, &out->in4.sin_addr) == 1)
    {
      out->in4.sin_family = AF_INET;
      out->in4.sin_port = htons ((guint16) port);
      return TRUE;
    }
  if (inet_pton (AF_INET6, host, &out->in6.sin6_addr) == 1)
    {
      out->in6.sin6_family = AF_INET6;
      out->in6.sin6_port = htons ((guint16) port);
      return TRUE;
    }
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
               "'%s' is not an IPv4 or IPv6 address with an optional port", text);
  return FALSE;
}

char *
tttd_sockaddr_to_string (const TttdSockaddr *sa)
{
  char buf[INET6_ADDRSTRLEN];

  if (sa->sa.sa_family == AF_INET)
    {
      inet_ntop (AF_INET, &sa->in4.sin_addr, buf, sizeof buf);
      return g_strdup_printf ("%s:%u", buf, ntohs (sa->in4.sin_port));
    }
  if (sa->sa.sa_family == AF_INET6)
    {
      inet_ntop (AF_INET6, &sa->in6.sin6_addr, buf, sizeof buf);
      return g_strdup_printf ("[%s]:%u", buf, ntohs (sa->in6.sin6_port));
    }
  return g_strdup ("(none)");
}

socklen_t
tttd_sockaddr_len (const TttdSockaddr *sa)
{
  return sa->sa.sa_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
}

guint16
tttd_sockaddr_port (const TttdSockaddr *sa)
{
  return ntohs (sa->sa.sa_family == AF_INET6 ? sa->in6.sin6_port : sa->in4.sin_port);
}

gboolean
tttd_sockaddr_equal (const TttdSockaddr *a, const TttdSockaddr *b)
{
  if (a->sa.sa_family != b->sa.sa_family)
    return FALSE;
  if (a->sa.sa_family == AF_INET)
    return a->in4.sin_port == b->in4.sin_port && a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
  if (a->sa.sa_family == AF_INET6)
    return a->in6.sin6_port == b->in6.sin6_port && memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0 &&
           a->in6.sin6_scope_id == b->in6.sin6_scope_id;
  return FALSE;
}

gboolean
tttd_glob_list_match (char **globs, const char *name)
{
  for (guint i = 0; globs != NULL && globs[i] != NULL; i++)
    if (g_pattern_match_simple (globs[i], name))
      return TRUE;
  return FALSE;
}

void
tttd_addr_key_init (TttdAddrKey *key, guint8 family, const guint8 *addr)
{
  memset (key, 0, sizeof *key);
  key->family = family;
  memcpy (key->addr, addr, family == AF_INET ? 4 : 16);
}

void
tttd_addr_key_from_sockaddr (TttdAddrKey *key, const TttdSockaddr *sa)
{
  if (sa->sa.sa_family == AF_INET)
    tttd_addr_key_init (key, AF_INET, (const guint8 *) &sa->in4.sin_addr);
  else
    tttd_addr_key_init (key, AF_INET6, (const guint8 *) &sa->in6.sin6_addr);
}

guint
tttd_addr_key_hash (gconstpointer p)
{
  const TttdAddrKey *key = p;
  guint h = 2166136261u ^ key->family;

  for (guint i = 0; i < 16; i++)
    h = (h ^ key->addr[i]) * 16777619u;
  return h;
}

gboolean
tttd_addr_key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (TttdAddrKey)) == 0;
}
