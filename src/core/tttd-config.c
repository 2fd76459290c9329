/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the streaming configuration parser: key files and drop-ins into a TttdConfig */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "tttd-config-private.h"
#include "tttd-error.h"
#include "tttd-names.h"

/* the format is GKeyFile's, plus "# comment" after a value (as the design's
 * examples use); GKeyFile itself keeps no line numbers, and every error must
 * name its file, line and key */

typedef enum {
  GROUP_TTTD,
  GROUP_CLIENT,
  GROUP_LINKS,
  GROUP_SERVER,
  GROUP_LINK,
  GROUP_PEER,
  GROUP_UNKNOWN,
} GroupKind;

typedef gboolean (*Setter) (TttdConfig *config, gpointer object, const char *value, GError **error);

typedef struct {
  GroupKind group;
  const char *key;
  Setter set;
} KeySpec;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->group);
  g_free (entry->key);
  g_free (entry->value);
  g_free (entry);
}

static void
link_config_free (gpointer data)
{
  TttdLinkConfig *link = data;

  g_free (link->name);
  g_free (link);
}

static void
peer_config_free (gpointer data)
{
  TttdPeerConfig *peer = data;

  g_free (peer->name);
  g_array_unref (peer->addresses);
  g_free (peer);
}

void
tttd_config_free (TttdConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->source);
  g_free (config->tun);
  g_array_unref (config->addresses);
  g_free (config->private_key_file);
  g_array_unref (config->servers);
  g_array_unref (config->routes);
  g_array_unref (config->dns);
  g_strfreev (config->match);
  g_strfreev (config->ignore);
  g_strfreev (config->static_links);
  g_ptr_array_unref (config->links);
  g_array_unref (config->listen);
  g_array_unref (config->pool);
  g_array_unref (config->forward_to);
  g_ptr_array_unref (config->peers);
  g_free (config);
}

const char *
tttd_mode_to_string (TttdMode mode)
{
  return mode == TTTD_MODE_SERVER ? "server" : "client";
}

static TttdConfig *
config_new (void)
{
  TttdConfig *config = g_new0 (TttdConfig, 1);
  const char *default_ignore[] = { "lo", "ttt*", NULL };
  const char *default_match[] = { "*", NULL };

  config->mode = TTTD_MODE_CLIENT;
  config->tun = g_strdup (TTTD_DEFAULT_TUN);
  config->addresses = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  config->strategy = TTTD_STRATEGY_ADAPTIVE;
  config->probe_interval_ms = 200;
  config->rekey_after_seconds = 120;
  config->retransmit = TRUE;
  config->fec = TTTD_FEC_AUTO;
  config->servers = g_array_new (FALSE, TRUE, sizeof (TttdSockaddr));
  config->routes = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  config->dns = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  config->networkmanager = TRUE;
  config->match = g_strdupv ((char **) default_match);
  config->ignore = g_strdupv ((char **) default_ignore);
  config->static_links = g_new0 (char *, 1);
  config->links = g_ptr_array_new_with_free_func (link_config_free);
  config->listen = g_array_new (FALSE, TRUE, sizeof (TttdSockaddr));
  config->pool = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  config->forward_to = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  config->peers = g_ptr_array_new_with_free_func (peer_config_free);
  return config;
}

/* value parsers */

static char **
split_list (const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, ";", -1);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);
      if (*item != '\0')
        g_ptr_array_add (out, g_strdup (item));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
parse_bool (const char *value, gboolean *out, GError **error)
{
  if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "yes") == 0 || g_strcmp0 (value, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "no") == 0 || g_strcmp0 (value, "0") == 0)
    *out = FALSE;
  else
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "'%s' is not a boolean (true or false)", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_uint (const char *value, guint min, guint max, guint *out, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "'%s' is not a number from %u to %u", value, min, max);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_prefix_list (const char *value, gboolean require_prefix, GArray *out, GError **error)
{
  g_auto (GStrv) items = split_list (value);

  g_array_set_size (out, 0);
  for (guint i = 0; items[i] != NULL; i++)
    {
      TttdPrefix prefix;
      if (!tttd_prefix_parse (items[i], require_prefix, &prefix, error))
        return FALSE;
      g_array_append_val (out, prefix);
    }
  return TRUE;
}

static gboolean
parse_endpoint_list (const char *value, GArray *out, GError **error)
{
  g_auto (GStrv) items = split_list (value);

  g_array_set_size (out, 0);
  for (guint i = 0; items[i] != NULL; i++)
    {
      TttdSockaddr sa;
      if (!tttd_sockaddr_parse (items[i], TTTD_DEFAULT_PORT, &sa, error))
        return FALSE;
      g_array_append_val (out, sa);
    }
  return TRUE;
}

static gboolean
parse_key (const char *value, guint8 out[32], GError **error)
{
  gsize len = 0;
  g_autofree guint8 *raw = NULL;

  /* g_base64_decode accepts garbage silently; check the alphabet first */
  if (strlen (value) != 44 || value[43] != '=' ||
      strspn (value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != 43)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
                   "not a base64 32-byte key (44 characters, as 'tttctl pubkey' prints)");
      return FALSE;
    }
  raw = g_base64_decode (value, &len);
  if (len != 32)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
                   "not a base64 32-byte key (44 characters, as 'tttctl pubkey' prints)");
      return FALSE;
    }
  memcpy (out, raw, 32);
  return TRUE;
}

gboolean
tttd_ifname_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len >= 16 || g_strcmp0 (name, ".") == 0 || g_strcmp0 (name, "..") == 0)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (*p == '/' || *p == ':' || g_ascii_isspace (*p) || !g_ascii_isprint (*p))
      return FALSE;
  return TRUE;
}

static gboolean
bad_ifname (const char *name, GError **error)
{
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
               "'%s' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)", name);
  return FALSE;
}

/* setters, one per key */

static gboolean
set_mode (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  if (g_strcmp0 (v, "client") == 0)
    c->mode = TTTD_MODE_CLIENT;
  else if (g_strcmp0 (v, "server") == 0)
    c->mode = TTTD_MODE_SERVER;
  else
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "'%s' is not client or server", v);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_tun (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  if (!tttd_ifname_valid (v))
    return bad_ifname (v, error);
  g_free (c->tun);
  c->tun = g_strdup (v);
  return TRUE;
}

static gboolean
set_address (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_prefix_list (v, FALSE, c->addresses, error);
}

static gboolean
set_mtu (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  if (g_strcmp0 (v, "auto") == 0)
    {
      c->mtu = 0;
      return TRUE;
    }
  /* 1280 is what IPv6 needs; 65535 - our overhead is what a datagram holds */
  if (!parse_uint (v, 576, 65000, &c->mtu, error))
    {
      g_prefix_error (error, "neither 'auto' nor valid: ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_strategy (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  if (!tttd_strategy_from_string (v, &c->strategy))
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < TTTD_STRATEGY_COUNT; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", tttd_strategy_to_string (i));
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "unknown strategy '%s' (one of %s)", v, names->str);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_private_key_file (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  if (!g_path_is_absolute (v))
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "'%s' is not an absolute path", v);
      return FALSE;
    }
  g_free (c->private_key_file);
  c->private_key_file = g_strdup (v);
  return TRUE;
}

static gboolean
set_probe_interval (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_uint (v, 20, 60000, &c->probe_interval_ms, error);
}

static gboolean
set_rekey_after (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_uint (v, 2, 86400, &c->rekey_after_seconds, error);
}

static gboolean
set_retransmit (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &c->retransmit, error);
}

static gboolean
set_fec (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  guint percent;

  if (g_strcmp0 (v, "auto") == 0)
    c->fec = TTTD_FEC_AUTO;
  else if (g_strcmp0 (v, "off") == 0)
    c->fec = 0;
  else if (parse_uint (v, 1, TTTD_FEC_MAX_PERCENT, &percent, NULL))
    c->fec = (gint) percent;
  else
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "'%s' is not auto, off or a percent from 1 to %u", v,
                   TTTD_FEC_MAX_PERCENT);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_server (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_endpoint_list (v, c->servers, error);
}

static gboolean
set_server_public_key (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_key (v, c->server_public_key, error);
}

static gboolean
set_route_all (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &c->route_all, error);
}

static gboolean
set_routes (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_prefix_list (v, TRUE, c->routes, error);
}

static gboolean
set_dns (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_prefix_list (v, FALSE, c->dns, error);
}

static gboolean
set_kill_switch (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &c->kill_switch, error);
}

static gboolean
set_networkmanager (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &c->networkmanager, error);
}

static gboolean
set_match (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  g_strfreev (c->match);
  c->match = split_list (v);
  return TRUE;
}

static gboolean
set_ignore (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  g_strfreev (c->ignore);
  c->ignore = split_list (v);
  return TRUE;
}

static gboolean
set_static (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  g_auto (GStrv) items = split_list (v);

  for (guint i = 0; items[i] != NULL; i++)
    if (!tttd_ifname_valid (items[i]))
      return bad_ifname (items[i], error);
  g_strfreev (c->static_links);
  c->static_links = g_steal_pointer (&items);
  return TRUE;
}

static gboolean
set_link_weight (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_uint (v, 1, TTTD_LINK_WEIGHT_MAX, &((TttdLinkConfig *) o)->weight, error);
}

static gboolean
set_link_priority (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_uint (v, 0, TTTD_LINK_PRIORITY_MAX, &((TttdLinkConfig *) o)->priority, error);
}

static gboolean
set_link_metered (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  TttdLinkConfig *link = o;

  link->metered_set = TRUE;
  return parse_bool (v, &link->metered, error);
}

static gboolean
set_link_enabled (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &((TttdLinkConfig *) o)->enabled, error);
}

static gboolean
set_listen (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_endpoint_list (v, c->listen, error);
}

static gboolean
set_nat (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_bool (v, &c->nat, error);
}

/* a prefix that owns addresses is written as its network: 198.18.200.5/28
 * is a typo for a host (/32) or for 198.18.200.0/28, and either guess would
 * give a client addresses nobody meant it to have */
static gboolean
parse_network_list (const char *value, gboolean require_prefix, GArray *out, GError **error)
{
  if (!parse_prefix_list (value, require_prefix, out, error))
    return FALSE;
  for (guint i = 0; i < out->len; i++)
    {
      const TttdPrefix *p = &g_array_index (out, TttdPrefix, i);
      if (!tttd_prefix_is_canonical (p))
        {
          g_autofree char *text = tttd_prefix_to_string (p);
          TttdPrefix host = *p, net = *p;
          g_autofree char *host_text = NULL, *net_text = NULL;
          host.prefix = (guint8) (tttd_prefix_addr_len (p) * 8);
          tttd_prefix_nth_host (p, 0, &net);
          net.prefix = p->prefix;
          host_text = tttd_prefix_to_string (&host);
          net_text = tttd_prefix_to_string (&net);
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s has host bits set (a host is %s, the network %s)",
                       text, host_text, net_text);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
set_pool (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_network_list (v, TRUE, c->pool, error);
}

static gboolean
set_forward_to (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_network_list (v, FALSE, c->forward_to, error);
}

static gboolean
set_peer_public_key (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_key (v, ((TttdPeerConfig *) o)->public_key, error);
}

static gboolean
set_peer_address (TttdConfig *c, gpointer o, const char *v, GError **error)
{
  return parse_network_list (v, FALSE, ((TttdPeerConfig *) o)->addresses, error);
}

static const KeySpec keys[] = {
  { GROUP_TTTD, "mode", set_mode },
  { GROUP_TTTD, "tun", set_tun },
  { GROUP_TTTD, "address", set_address },
  { GROUP_TTTD, "mtu", set_mtu },
  { GROUP_TTTD, "strategy", set_strategy },
  { GROUP_TTTD, "private-key-file", set_private_key_file },
  { GROUP_TTTD, "probe-interval-ms", set_probe_interval },
  { GROUP_TTTD, "rekey-after-seconds", set_rekey_after },
  { GROUP_TTTD, "retransmit", set_retransmit },
  { GROUP_TTTD, "fec", set_fec },
  { GROUP_CLIENT, "server", set_server },
  { GROUP_CLIENT, "server-public-key", set_server_public_key },
  { GROUP_CLIENT, "route-all", set_route_all },
  { GROUP_CLIENT, "routes", set_routes },
  { GROUP_CLIENT, "dns", set_dns },
  { GROUP_CLIENT, "kill-switch", set_kill_switch },
  { GROUP_LINKS, "networkmanager", set_networkmanager },
  { GROUP_LINKS, "match", set_match },
  { GROUP_LINKS, "ignore", set_ignore },
  { GROUP_LINKS, "static", set_static },
  { GROUP_LINK, "weight", set_link_weight },
  { GROUP_LINK, "priority", set_link_priority },
  { GROUP_LINK, "metered", set_link_metered },
  { GROUP_LINK, "enabled", set_link_enabled },
  { GROUP_SERVER, "listen", set_listen },
  { GROUP_SERVER, "nat", set_nat },
  { GROUP_SERVER, "pool", set_pool },
  { GROUP_SERVER, "forward-to", set_forward_to },
  { GROUP_PEER, "public-key", set_peer_public_key },
  { GROUP_PEER, "address", set_peer_address },
};

static GroupKind
group_kind (const char *group, const char **name)
{
  *name = NULL;
  if (g_strcmp0 (group, "tttd") == 0)
    return GROUP_TTTD;
  if (g_strcmp0 (group, "client") == 0)
    return GROUP_CLIENT;
  if (g_strcmp0 (group, "links") == 0)
    return GROUP_LINKS;
  if (g_strcmp0 (group, "server") == 0)
    return GROUP_SERVER;
  if (g_str_has_prefix (group, "link "))
    {
      *name = group + 5;
      return GROUP_LINK;
    }
  if (g_str_has_prefix (group, "peer "))
    {
      *name = group + 5;
      return GROUP_PEER;
    }
  return GROUP_UNKNOWN;
}

static const KeySpec *
find_key (GroupKind kind, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].group == kind && g_strcmp0 (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

TttdConfigParser *
tttd_config_parser_new (void)
{
  TttdConfigParser *parser = g_new0 (TttdConfigParser, 1);

  parser->entries = g_ptr_array_new_with_free_func (entry_free);
  parser->files = g_ptr_array_new_with_free_func (g_free);
  return parser;
}

void
tttd_config_parser_free (TttdConfigParser *parser)
{
  if (parser == NULL)
    return;
  g_ptr_array_unref (parser->entries);
  g_ptr_array_unref (parser->files);
  g_free (parser->group);
  g_free (parser);
}

void
tttd_config_parser_begin_file (TttdConfigParser *parser, const char *filename)
{
  char *copy = g_strdup (filename);

  g_ptr_array_add (parser->files, copy);
  parser->file = copy;
  parser->line = 0;
  g_clear_pointer (&parser->group, g_free);
}

static gboolean line_error (TttdConfigParser *parser, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
line_error (TttdConfigParser *parser, GError **error, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: %s", parser->file, parser->line, msg);
  return FALSE;
}

/* a '#' after whitespace starts a comment; GKeyFile-style escapes are not
 * needed by any of our values */
static void
strip_comment (char *value)
{
  for (char *p = value; *p != '\0'; p++)
    if (*p == '#' && (p == value || g_ascii_isspace (p[-1])))
      {
        *p = '\0';
        break;
      }
}

gboolean
tttd_config_parser_feed_line (TttdConfigParser *parser, const char *line, GError **error)
{
  g_autofree char *text = g_strstrip (g_strdup (line));
  char *eq;
  const char *name;
  GroupKind kind;
  Entry *entry;

  g_return_val_if_fail (parser->file != NULL, FALSE);
  parser->line++;
  if (text[0] == '\0' || text[0] == '#')
    return TRUE;
  if (text[0] == '[')
    {
      char *end;
      strip_comment (text);
      g_strchomp (text);
      end = strrchr (text, ']');
      if (end == NULL || end[1] != '\0')
        return line_error (parser, error, "'%s' is not a [group] header", text);
      *end = '\0';
      kind = group_kind (text + 1, &name);
      if (kind == GROUP_UNKNOWN)
        return line_error (parser, error, "unknown group [%s] (tttd, client, links, server, link IFNAME, peer NAME)",
                           text + 1);
      if (kind == GROUP_LINK && !tttd_ifname_valid (name))
        return line_error (parser, error, "[%s]: '%s' is not a valid interface name", text + 1, name);
      if (kind == GROUP_PEER && *g_strstrip ((char *) name) == '\0')
        return line_error (parser, error, "[peer] needs a name: [peer NAME]");
      g_free (parser->group);
      parser->group = g_strdup (text + 1);
      parser->group_line = parser->line;
      /* remember the group itself, so that an empty [peer NAME] is seen */
      entry = g_new0 (Entry, 1);
      entry->group = g_strdup (parser->group);
      entry->file = parser->file;
      entry->line = parser->line;
      g_ptr_array_add (parser->entries, entry);
      return TRUE;
    }
  eq = strchr (text, '=');
  if (eq == NULL)
    return line_error (parser, error, "'%s' is neither key=value nor a [group]", text);
  *eq = '\0';
  g_strstrip (text);
  if (parser->group == NULL)
    return line_error (parser, error, "key '%s' comes before any [group]", text);
  kind = group_kind (parser->group, &name);
  if (find_key (kind, text) == NULL)
    return line_error (parser, error, "[%s] %s: unknown key", parser->group, text);
  entry = g_new0 (Entry, 1);
  entry->group = g_strdup (parser->group);
  entry->key = g_strdup (text);
  entry->value = g_strdup (eq + 1);
  strip_comment (entry->value);
  g_strstrip (entry->value);
  entry->file = parser->file;
  entry->line = parser->line;
  g_ptr_array_add (parser->entries, entry);
  return TRUE;
}

gboolean
tttd_config_parser_feed_data (TttdConfigParser *parser, const char *filename, const char *data, gsize len,
                              GError **error)
{
  gsize start = 0;
  guint line = 0;

  tttd_config_parser_begin_file (parser, filename);
  while (start < len)
    {
      const char *nl = memchr (data + start, '\n', len - start);
      gsize end = nl != NULL ? (gsize) (nl - data) : len;
      g_autofree char *text = NULL;

      line++;
      if (memchr (data + start, '\0', end - start) != NULL ||
          !g_utf8_validate (data + start, (gssize) (end - start), NULL))
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: not UTF-8 text (a NUL or an invalid byte)",
                       filename, line);
          return FALSE;
        }
      text = g_strndup (data + start, end - start);
      if (!tttd_config_parser_feed_line (parser, text, error))
        return FALSE;
      start = end + 1;
    }
  return TRUE;
}

static TttdLinkConfig *
link_for (TttdConfig *config, const char *name)
{
  TttdLinkConfig *link;

  for (guint i = 0; i < config->links->len; i++)
    {
      link = g_ptr_array_index (config->links, i);
      if (g_strcmp0 (link->name, name) == 0)
        return link;
    }
  link = g_new0 (TttdLinkConfig, 1);
  *link = tttd_config_link_settings (NULL, name);
  link->name = g_strdup (name);
  g_ptr_array_add (config->links, link);
  return link;
}

static TttdPeerConfig *
peer_for (TttdConfig *config, GHashTable *index, const char *name, gboolean *created)
{
  TttdPeerConfig *peer = g_hash_table_lookup (index, name);

  *created = peer == NULL;
  if (peer != NULL)
    return peer;
  peer = g_new0 (TttdPeerConfig, 1);
  peer->name = g_strdup (name);
  peer->addresses = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  g_ptr_array_add (config->peers, peer);
  g_hash_table_insert (index, peer->name, peer);
  return peer;
}

TttdConfig *
tttd_config_parser_finish (TttdConfigParser *parser, GError **error)
{
  g_autoptr (TttdConfig) config = config_new ();
  g_autoptr (GHashTable) peer_index = g_hash_table_new (g_str_hash, g_str_equal);

  config->source = g_strdup (parser->files->len ? g_ptr_array_index (parser->files, 0) : "(config)");
  for (guint i = 0; i < parser->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (parser->entries, i);
      const char *name;
      GroupKind kind = group_kind (entry->group, &name);
      const KeySpec *spec;
      gpointer object = NULL;
      g_autoptr (GError) local = NULL;

      if (entry->key == NULL)
        {
          /* a group header: a peer exists once its group does */
          if (kind == GROUP_PEER)
            {
              gboolean created;
              peer_for (config, peer_index, name, &created);
            }
          continue;
        }
      spec = find_key (kind, entry->key);
      if (kind == GROUP_LINK)
        object = link_for (config, name);
      else if (kind == GROUP_PEER)
        {
          gboolean created;
          object = peer_for (config, peer_index, name, &created);
        }
      if (!spec->set (config, object, entry->value, &local))
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG, "%s:%u: [%s] %s: %s", entry->file, entry->line,
                       entry->group, entry->key, local->message);
          return NULL;
        }
    }
  if (!tttd_config_validate (parser, config, error))
    return NULL;
  return g_steal_pointer (&config);
}

TttdConfig *
tttd_config_load_data (const char *filename, const char *data, GError **error)
{
  g_autoptr (TttdConfigParser) parser = tttd_config_parser_new ();

  if (!tttd_config_parser_feed_data (parser, filename, data, strlen (data), error))
    return NULL;
  return tttd_config_parser_finish (parser, error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

TttdConfig *
tttd_config_load (const char *path, const char *dropin_dir, GError **error)
{
  g_autoptr (TttdConfigParser) parser = tttd_config_parser_new ();
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GDir) dir = NULL;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (!tttd_config_parser_feed_data (parser, path, data, len, error))
    return NULL;
  if (dropin_dir != NULL && (dir = g_dir_open (dropin_dir, 0, NULL)) != NULL)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".conf"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_strings);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *file = g_build_filename (dropin_dir, g_ptr_array_index (names, i), NULL);
          g_autofree char *dropin = NULL;
          if (!g_file_get_contents (file, &dropin, &len, error))
            return NULL;
          if (!tttd_config_parser_feed_data (parser, file, dropin, len, error))
            return NULL;
        }
    }
  return tttd_config_parser_finish (parser, error);
}

const TttdLinkConfig *
tttd_config_find_link (const TttdConfig *config, const char *name)
{
  for (guint i = 0; config != NULL && i < config->links->len; i++)
    {
      const TttdLinkConfig *link = g_ptr_array_index (config->links, i);
      if (g_strcmp0 (link->name, name) == 0)
        return link;
    }
  return NULL;
}

/* the settings for a link of this name: its [link NAME] group or the defaults;
 * the name is not copied */
TttdLinkConfig
tttd_config_link_settings (const TttdConfig *config, const char *name)
{
  const TttdLinkConfig *found = tttd_config_find_link (config, name);
  TttdLinkConfig out = {
    .name = (char *) name,
    .weight = TTTD_LINK_WEIGHT_DEFAULT,
    .priority = TTTD_LINK_PRIORITY_DEFAULT,
    .enabled = TRUE,
  };

  if (found != NULL)
    {
      out = *found;
      out.name = (char *) name;
    }
  return out;
}
