/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The tunnel-address table: longest-prefix match and overlap queries over a
 * path-compressed binary trie per address family. */
#include "config.h"

#include <string.h>

#include "tttd-allowedips.h"

/* a node is a prefix (its bits past cidr are zero); a node without owner
 * only forks, and always has both children (there is no removal) */
typedef struct Node Node;
struct Node {
  Node *child[2];
  gpointer owner;
  guint8 bits[16];
  guint8 cidr;
};

struct _TttdAllowedIps {
  Node *root4;
  Node *root6;
  guint count;
};

static inline guint
bit_at (const guint8 *addr, guint i)
{
  return (addr[i >> 3] >> (7 - (i & 7))) & 1;
}

/* how many leading bits a and b share, up to limit */
static guint
common_bits (const guint8 *a, const guint8 *b, guint limit)
{
  for (guint i = 0; i * 8 < limit; i++)
    {
      guint x = a[i] ^ b[i];
      if (x != 0)
        return MIN (i * 8 + (guint) __builtin_clz (x) - 24, limit);
    }
  return limit;
}

static void
masked_copy (guint8 out[16], const guint8 *addr, guint cidr, guint len)
{
  memset (out, 0, 16);
  memcpy (out, addr, cidr / 8);
  if (cidr % 8 != 0 && cidr / 8 < len)
    out[cidr / 8] = (guint8) (addr[cidr / 8] & (0xff << (8 - cidr % 8)));
}

static Node *
node_new (const guint8 *key, guint cidr, guint len, gpointer owner)
{
  Node *node = g_new0 (Node, 1);

  masked_copy (node->bits, key, cidr, len);
  node->cidr = (guint8) cidr;
  node->owner = owner;
  return node;
}

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  node_free (node->child[0]);
  node_free (node->child[1]);
  g_free (node);
}

static Node **
root_for (TttdAllowedIps *table, int family)
{
  return family == AF_INET ? &table->root4 : &table->root6;
}

static guint
family_len (int family)
{
  return family == AF_INET ? 4 : 16;
}

TttdAllowedIps *
tttd_allowed_ips_new (void)
{
  return g_new0 (TttdAllowedIps, 1);
}

void
tttd_allowed_ips_clear (TttdAllowedIps *table)
{
  g_clear_pointer (&table->root4, node_free);
  g_clear_pointer (&table->root6, node_free);
  table->count = 0;
}

void
tttd_allowed_ips_free (TttdAllowedIps *table)
{
  if (table == NULL)
    return;
  tttd_allowed_ips_clear (table);
  g_free (table);
}

guint
tttd_allowed_ips_count (const TttdAllowedIps *table)
{
  return table->count;
}

gboolean
tttd_allowed_ips_insert (TttdAllowedIps *table, const TttdPrefix *prefix, gpointer owner)
{
  guint len = family_len (prefix->family);
  guint cidr = MIN (prefix->prefix, len * 8);
  Node **slot = root_for (table, prefix->family);
  guint8 key[16];

  g_return_val_if_fail (owner != NULL, FALSE);
  g_return_val_if_fail (prefix->family == AF_INET || prefix->family == AF_INET6, FALSE);
  masked_copy (key, prefix->addr, cidr, len);
  while (*slot != NULL)
    {
      Node *node = *slot;
      guint common = common_bits (node->bits, key, MIN (node->cidr, cidr));
      Node *fresh;

      if (common == node->cidr && node->cidr == cidr)
        {
          if (node->owner != NULL)
            return FALSE;
          node->owner = owner;
          table->count++;
          return TRUE;
        }
      if (common == node->cidr)
        {
          /* the node holds the new prefix: go down */
          slot = &node->child[bit_at (key, node->cidr)];
          continue;
        }
      fresh = node_new (key, cidr, len, owner);
      if (common == cidr)
        {
          /* the new prefix holds the node: it goes above */
          fresh->child[bit_at (node->bits, cidr)] = node;
          *slot = fresh;
        }
      else
        {
          /* they part at bit common: a fork holds both */
          Node *fork = node_new (key, common, len, NULL);
          fork->child[bit_at (node->bits, common)] = node;
          fork->child[bit_at (key, common)] = fresh;
          *slot = fork;
        }
      table->count++;
      return TRUE;
    }
  *slot = node_new (key, cidr, len, owner);
  table->count++;
  return TRUE;
}

gpointer
tttd_allowed_ips_lookup (const TttdAllowedIps *table, int family, const guint8 *addr)
{
  const Node *node = family == AF_INET ? table->root4 : family == AF_INET6 ? table->root6 : NULL;
  guint max = family_len (family) * 8;
  gpointer best = NULL;

  while (node != NULL && common_bits (node->bits, addr, node->cidr) == node->cidr)
    {
      if (node->owner != NULL)
        best = node->owner;
      if (node->cidr >= max)
        break;
      node = node->child[bit_at (addr, node->cidr)];
    }
  return best;
}

static gpointer
report (const Node *node, int family, TttdPrefix *found)
{
  /* a fork has two children: some owner lies below it */
  while (node->owner == NULL)
    node = node->child[0] != NULL ? node->child[0] : node->child[1];
  if (found != NULL)
    {
      memset (found, 0, sizeof *found);
      found->family = (guint8) family;
      found->prefix = node->cidr;
      memcpy (found->addr, node->bits, sizeof found->addr);
    }
  return node->owner;
}

gpointer
tttd_allowed_ips_find_overlap (const TttdAllowedIps *table, const TttdPrefix *prefix, TttdPrefix *found)
{
  guint len = family_len (prefix->family);
  guint cidr = MIN (prefix->prefix, len * 8);
  const Node *node = prefix->family == AF_INET ? table->root4 : prefix->family == AF_INET6 ? table->root6 : NULL;
  guint8 key[16];

  masked_copy (key, prefix->addr, cidr, len);
  while (node != NULL)
    {
      if (node->cidr > cidr)
        {
          /* everything below lies inside prefix, or nothing does */
          if (common_bits (node->bits, key, cidr) != cidr)
            return NULL;
          return report (node, prefix->family, found);
        }
      if (common_bits (node->bits, key, node->cidr) != node->cidr)
        return NULL;
      if (node->owner != NULL || node->cidr == cidr)
        return report (node, prefix->family, found);
      node = node->child[bit_at (key, node->cidr)];
    }
  return NULL;
}
