/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the configuration checks a start or reload runs after parsing, by file, line and key */
#include "config.h"

#include <string.h>

#include "tttd-allowedips.h"
#include "tttd-config-private.h"
#include "tttd-error.h"
#include "tttd-names.h"

/* the checks of a whole configuration, after every line parsed: in linear
 * time, as a server may list thousands of peers */

static const Entry *
find_entry (TttdConfigParser *parser, const char *group, const char *key)
{
  const Entry *found = NULL;

  for (guint i = 0; i < parser->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (parser->entries, i);
      if (g_strcmp0 (entry->group, group) == 0 && g_strcmp0 (entry->key, key) == 0)
        found = entry;
    }
  return found;
}

static gboolean
missing (TttdConfigParser *parser, GError **error, const char *group, const char *key, const char *why)
{
  const Entry *mode = find_entry (parser, "tttd", "mode");
  const char *file = mode ? mode->file : (parser->files->len ? g_ptr_array_index (parser->files, 0) : "(config)");

  if (mode != NULL)
    g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: [%s] %s: %s", file, mode->line, group, key, why);
  else
    g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s: [%s] %s: %s", file, group, key, why);
  return FALSE;
}

static guint
key_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, 32) == 0;
}

gboolean
tttd_config_validate (TttdConfigParser *parser, TttdConfig *config, GError **error)
{
  g_autoptr (GHashTable) headers = NULL;
  g_autoptr (GHashTable) address_entries = NULL;
  g_autoptr (TttdAllowedIps) owned = NULL;
  g_autoptr (GHashTable) key_entries = NULL;
  g_autoptr (GHashTable) seen_keys = NULL;

  if (find_entry (parser, "tttd", "mode") == NULL)
    return missing (parser, error, "tttd", "mode", "required (client or server)");
  if (config->private_key_file == NULL)
    return missing (parser, error, "tttd", "private-key-file", "required (create one with: tttctl genkey)");
  if (config->mode == TTTD_MODE_CLIENT)
    {
      if (config->servers->len == 0)
        return missing (parser, error, "client", "server", "required when mode=client");
      if (find_entry (parser, "client", "server-public-key") == NULL)
        return missing (parser, error, "client", "server-public-key", "required when mode=client");
    }
  else
    {
      if (config->addresses->len == 0)
        return missing (parser, error, "tttd", "address", "required when mode=server");
      if (config->listen->len == 0)
        {
          TttdSockaddr any;
          tttd_sockaddr_parse ("0.0.0.0", TTTD_DEFAULT_PORT, &any, NULL);
          g_array_append_val (config->listen, any);
        }
      if (config->peers->len == 0)
        return missing (parser, error, "peer NAME", "public-key", "a server needs at least one [peer NAME] group");
    }
  if (config->peers->len == 0)
    return TRUE;
  /* thousands of peers: one pass over the entries, then lookups */
  headers = g_hash_table_new (g_str_hash, g_str_equal);
  key_entries = g_hash_table_new (g_str_hash, g_str_equal);
  seen_keys = g_hash_table_new (key_hash, key_equal);
  address_entries = g_hash_table_new (g_str_hash, g_str_equal);
  /* the server's own addresses are taken as hosts: a peer's prefix may lie
   * in the tunnel's subnet but not hold the server */
  owned = tttd_allowed_ips_new ();
  for (guint i = 0; config->mode == TTTD_MODE_SERVER && i < config->addresses->len; i++)
    {
      TttdPrefix own = g_array_index (config->addresses, TttdPrefix, i);
      own.prefix = (guint8) (tttd_prefix_addr_len (&own) * 8);
      (void) tttd_allowed_ips_insert (owned, &own, config);
    }
  for (guint i = 0; i < parser->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (parser->entries, i);
      if (!g_str_has_prefix (entry->group, "peer "))
        continue;
      if (entry->key == NULL && !g_hash_table_contains (headers, entry->group))
        g_hash_table_insert (headers, entry->group, (gpointer) entry);
      else if (g_strcmp0 (entry->key, "public-key") == 0)
        g_hash_table_insert (key_entries, entry->group, (gpointer) entry);
      else if (g_strcmp0 (entry->key, "address") == 0)
        g_hash_table_insert (address_entries, entry->group, (gpointer) entry);
    }
  for (guint i = 0; i < config->peers->len; i++)
    {
      TttdPeerConfig *peer = g_ptr_array_index (config->peers, i);
      g_autofree char *group = g_strdup_printf ("peer %s", peer->name);
      const Entry *e = g_hash_table_lookup (key_entries, group);
      TttdPeerConfig *other;

      if (e == NULL)
        {
          const Entry *header = g_hash_table_lookup (headers, group);
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: [%s] public-key: required for every peer",
                       header ? header->file : config->source, header ? header->line : 0, group);
          return FALSE;
        }
      other = g_hash_table_lookup (seen_keys, peer->public_key);
      if (other != NULL)
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: [%s] public-key: the same key as [peer %s]",
                       e->file, e->line, group, other->name);
          return FALSE;
        }
      g_hash_table_insert (seen_keys, peer->public_key, peer);
      /* one tunnel address, two owners: the server could not tell where
       * its packets go, nor whom a source belongs to */
      for (guint a = 0; a < peer->addresses->len; a++)
        {
          const TttdPrefix *p = &g_array_index (peer->addresses, TttdPrefix, a);
          TttdPrefix found;
          gpointer owner = tttd_allowed_ips_find_overlap (owned, p, &found);
          const Entry *ae;
          g_autofree char *text = NULL, *found_text = NULL;

          if (owner == NULL)
            {
              (void) tttd_allowed_ips_insert (owned, p, peer);
              continue;
            }
          ae = g_hash_table_lookup (address_entries, group);
          text = tttd_prefix_to_string (p);
          found_text = tttd_prefix_to_string (&found);
          if (owner == config)
            g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
                         "%s:%u: [%s] address: %s holds the server's own address %s ([tttd] address)",
                         ae ? ae->file : config->source, ae ? ae->line : 0, group, text, found_text);
          else
            g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: [%s] address: %s overlaps %s of [peer %s]",
                         ae ? ae->file : config->source, ae ? ae->line : 0, group, text, found_text,
                         ((TttdPeerConfig *) owner)->name);
          return FALSE;
        }
      if (peer->addresses->len == 0 && config->pool->len == 0)
        return missing (parser, error, group, "address", "required unless [server] pool= is set");
    }
  return TRUE;
}
