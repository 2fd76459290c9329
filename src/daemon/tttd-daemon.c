/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the service: configuration, the role, and the operations every interface calls */
#include "config.h"

#include <string.h>

#include "tttd-crypto.h"
#include "tttd-daemon.h"
#include "tttd-error.h"
#include "tttd-keyfile.h"
#include "tttd-log.h"

struct _TttdDaemon {
  TttdDaemonOptions options;
  char *config_path;
  char *dropin_dir;
  TttdConfig *config;
  TttdClient *client;
  TttdServer *server;
  TttdListeners *listeners;
  guint stats_id;
  guint64 last_bytes;
  gint64 last_bytes_us;
  guint64 rate_bps;
  char *last_summary;
};

#define EMIT(daemon, member, ...) TTTD_EMIT ((daemon)->listeners, member, ##__VA_ARGS__)

/* once a second: the throughput, and a state change when the summary moves */
static gboolean
on_stats (gpointer user_data)
{
  TttdDaemon *daemon = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 rx, tx;
  g_autofree char *summary = NULL;

  tttd_daemon_totals (daemon, &rx, &tx);
  if (daemon->last_bytes_us != 0 && now > daemon->last_bytes_us)
    daemon->rate_bps = (rx + tx - daemon->last_bytes) * 8 * G_USEC_PER_SEC / (guint64) (now - daemon->last_bytes_us);
  daemon->last_bytes = rx + tx;
  daemon->last_bytes_us = now;
  summary = tttd_daemon_summary (daemon);
  if (g_strcmp0 (summary, daemon->last_summary) != 0)
    {
      g_free (daemon->last_summary);
      daemon->last_summary = g_steal_pointer (&summary);
      EMIT (daemon, state_changed);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
start_role (TttdDaemon *daemon, GError **error)
{
  guint8 *key = sodium_malloc (32);
  gboolean ok;

  if (!tttd_keyfile_read (daemon->config->private_key_file, key, error))
    {
      sodium_free (key);
      return FALSE;
    }
  if (daemon->config->mode == TTTD_MODE_CLIENT)
    daemon->client = tttd_client_new (daemon->config, key, daemon->listeners, daemon->options.tun_fd, error);
  else
    daemon->server = tttd_server_new (daemon->config, key, daemon->listeners, daemon->options.tun_fd, error);
  sodium_free (key);
  ok = daemon->client != NULL || daemon->server != NULL;
  return ok;
}

TttdDaemon *
tttd_daemon_new (const TttdDaemonOptions *options, GError **error)
{
  g_autoptr (TttdDaemon) daemon = g_new0 (TttdDaemon, 1);

  daemon->config_path = g_strdup (options->config_path);
  daemon->dropin_dir = g_strdup (options->dropin_dir);
  daemon->options.config_path = daemon->config_path;
  daemon->options.dropin_dir = daemon->dropin_dir;
  daemon->options.tun_fd = options->tun_fd;
  daemon->listeners = tttd_listeners_new ();
  if (!tttd_crypto_init (error))
    return NULL;
  daemon->config = tttd_config_load (options->config_path, options->dropin_dir, error);
  if (daemon->config == NULL)
    return NULL;
  if (!start_role (daemon, error))
    return NULL;
  daemon->stats_id = g_timeout_add_seconds (1, on_stats, daemon);
  return g_steal_pointer (&daemon);
}

void
tttd_daemon_free (TttdDaemon *daemon)
{
  if (daemon == NULL)
    return;
  g_clear_handle_id (&daemon->stats_id, g_source_remove);
  g_clear_pointer (&daemon->client, tttd_client_free);
  g_clear_pointer (&daemon->server, tttd_server_free);
  g_clear_pointer (&daemon->config, tttd_config_free);
  tttd_listeners_free (daemon->listeners);
  g_free (daemon->last_summary);
  g_free (daemon->config_path);
  g_free (daemon->dropin_dir);
  g_free (daemon);
}

void
tttd_daemon_add_events (TttdDaemon *daemon, const TttdEvents *events, gpointer data)
{
  tttd_listeners_add (daemon->listeners, events, data);
}

void
tttd_daemon_remove_events (TttdDaemon *daemon, gpointer data)
{
  tttd_listeners_remove (daemon->listeners, data);
}

const TttdConfig *
tttd_daemon_config (TttdDaemon *daemon)
{
  return daemon->config;
}

TttdClient *
tttd_daemon_client (TttdDaemon *daemon)
{
  return daemon->client;
}

TttdServer *
tttd_daemon_server (TttdDaemon *daemon)
{
  return daemon->server;
}

TttdEngine *
tttd_daemon_engine (TttdDaemon *daemon)
{
  return daemon->client ? tttd_client_engine (daemon->client) : tttd_server_engine (daemon->server);
}

const char *
tttd_daemon_tun_name (TttdDaemon *daemon)
{
  return daemon->client ? tttd_client_tun_name (daemon->client) : tttd_server_tun_name (daemon->server);
}

TttdStrategy
tttd_daemon_strategy (TttdDaemon *daemon)
{
  return daemon->config->strategy;
}

guint
tttd_daemon_links_up (TttdDaemon *daemon)
{
  guint up = 0;

  if (daemon->client == NULL)
    return 0;
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (daemon->client, i);
      TttdLinkState state;
      if (link == NULL)
        continue;
      state = tttd_client_link_state (daemon->client, link);
      if (state == TTTD_LINK_UP || state == TTTD_LINK_DEGRADED)
        up++;
    }
  return up;
}

const char *
tttd_daemon_state (TttdDaemon *daemon)
{
  if (daemon->server != NULL)
    return "running";
  if (!tttd_client_connected (daemon->client))
    return "connecting";
  /* packets flow on links still probing too: only none at all is degraded */
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (daemon->client, i);
      TttdLinkState state;
      if (link == NULL)
        continue;
      state = tttd_client_link_state (daemon->client, link);
      if (state == TTTD_LINK_UP || state == TTTD_LINK_DEGRADED || state == TTTD_LINK_PROBING)
        return "connected";
    }
  return "degraded";
}

void
tttd_daemon_totals (TttdDaemon *daemon, guint64 *rx_bytes, guint64 *tx_bytes)
{
  *rx_bytes = *tx_bytes = 0;
  if (daemon->client != NULL)
    {
      TttdPeerCounters c;
      tttd_peer_get_counters (tttd_client_peer (daemon->client), &c);
      *rx_bytes = c.peer.rx_bytes;
      *tx_bytes = c.peer.tx_bytes;
      return;
    }
  for (guint i = 0; i < tttd_server_peers (daemon->server)->len; i++)
    {
      TttdPeerCounters c;
      tttd_peer_get_counters (g_ptr_array_index (tttd_server_peers (daemon->server), i), &c);
      *rx_bytes += c.peer.rx_bytes;
      *tx_bytes += c.peer.tx_bytes;
    }
}

static void
append_rate (GString *out, guint64 bps)
{
  if (bps >= 1000000000)
    g_string_append_printf (out, "%.1f Gbit/s", (double) bps / 1e9);
  else if (bps >= 1000000)
    g_string_append_printf (out, "%.1f Mbit/s", (double) bps / 1e6);
  else
    g_string_append_printf (out, "%" G_GUINT64_FORMAT " kbit/s", bps / 1000);
}

char *
tttd_daemon_summary (TttdDaemon *daemon)
{
  g_autoptr (GString) out = g_string_new (NULL);
  guint counts[TTTD_LINK_STANDBY + 1] = { 0 };
  static const char *const names[] = { "probing", "up", "degraded", "down", "standby" };
  gboolean any = FALSE;

  if (daemon->server != NULL)
    {
      GPtrArray *peers = tttd_server_peers (daemon->server);
      guint connected = 0;
      for (guint i = 0; i < peers->len; i++)
        connected += tttd_server_peer_connected (daemon->server, g_ptr_array_index (peers, i));
      g_string_append_printf (out, "%u of %u peers connected, ", connected, peers->len);
      append_rate (out, daemon->rate_bps);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (daemon->client, i);
      if (link != NULL)
        counts[tttd_client_link_state (daemon->client, link)]++;
    }
  if (!tttd_client_connected (daemon->client))
    g_string_append (out, "connecting, ");
  for (guint s = TTTD_LINK_PROBING; s <= TTTD_LINK_STANDBY; s++)
    {
      guint order[] = { TTTD_LINK_UP, TTTD_LINK_DEGRADED, TTTD_LINK_PROBING, TTTD_LINK_STANDBY, TTTD_LINK_DOWN };
      guint state = order[s];
      if (counts[state] == 0)
        continue;
      g_string_append_printf (out, "%s%u %s%s", any ? ", " : "", counts[state],
                              state == TTTD_LINK_UP && !any ? (counts[state] == 1 ? "link " : "links ") : "",
                              names[state]);
      any = TRUE;
    }
  if (!any)
    g_string_append (out, "no links");
  g_string_append (out, ", ");
  append_rate (out, daemon->rate_bps);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
need_client (TttdDaemon *daemon, GError **error)
{
  if (daemon->client != NULL)
    return TRUE;
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
               "a server has no links: it learns its clients' paths from them");
  return FALSE;
}

TttdClientLink *
tttd_daemon_add_link (TttdDaemon *daemon, const char *ifname, TttdLinkSource source, const TttdLinkOptions *options,
                      GError **error)
{
  TttdLinkConfig settings;

  if (!need_client (daemon, error))
    return NULL;
  if (ifname == NULL || !tttd_ifname_valid (ifname))
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)",
                   ifname ? ifname : "");
      return NULL;
    }
  settings = tttd_config_link_settings (daemon->config, ifname);
  if (options != NULL)
    {
      if (options->has_weight && (options->weight < 1 || options->weight > TTTD_LINK_WEIGHT_MAX))
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "weight %u is out of range (1 to %u)",
                       options->weight, TTTD_LINK_WEIGHT_MAX);
          return NULL;
        }
      if (options->has_priority && options->priority > TTTD_LINK_PRIORITY_MAX)
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "priority %u is out of range (0 to %u)",
                       options->priority, TTTD_LINK_PRIORITY_MAX);
          return NULL;
        }
      if (options->has_weight)
        settings.weight = options->weight;
      if (options->has_priority)
        settings.priority = options->priority;
      if (options->has_metered)
        settings.metered = options->metered;
      if (options->has_enabled)
        settings.enabled = options->enabled;
    }
  return tttd_client_add_link (daemon->client, ifname, source, &settings, error);
}

gboolean
tttd_daemon_remove_link (TttdDaemon *daemon, TttdClientLink *link, GError **error)
{
  if (!need_client (daemon, error))
    return FALSE;
  tttd_client_remove_link (daemon->client, link);
  EMIT (daemon, state_changed);
  return TRUE;
}

gboolean
tttd_daemon_set_strategy (TttdDaemon *daemon, const char *name, GError **error)
{
  TttdStrategy strategy;

  if (!tttd_strategy_from_string (name, &strategy))
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < TTTD_STRATEGY_COUNT; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", tttd_strategy_to_string (i));
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_UNKNOWN_STRATEGY, "unknown strategy '%s' (one of %s)", name,
                   names->str);
      return FALSE;
    }
  daemon->config->strategy = strategy;
  if (daemon->client != NULL)
    tttd_client_set_strategy (daemon->client, strategy);
  else
    tttd_server_set_strategy (daemon->server, strategy);
  tttd_log_message (NULL, "strategy", "strategy now %s", name);
  EMIT (daemon, state_changed);
  return TRUE;
}

gboolean
tttd_daemon_set_link_weight (TttdDaemon *daemon, TttdClientLink *link, guint weight, GError **error)
{
  if (weight < 1 || weight > TTTD_LINK_WEIGHT_MAX)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "weight %u is out of range (1 to %u)", weight,
                   TTTD_LINK_WEIGHT_MAX);
      return FALSE;
    }
  link->weight = weight;
  tttd_client_link_update (daemon->client, link);
  return TRUE;
}

gboolean
tttd_daemon_set_link_priority (TttdDaemon *daemon, TttdClientLink *link, guint priority, GError **error)
{
  if (priority > TTTD_LINK_PRIORITY_MAX)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "priority %u is out of range (0 to %u)", priority,
                   TTTD_LINK_PRIORITY_MAX);
      return FALSE;
    }
  link->priority = priority;
  tttd_client_link_update (daemon->client, link);
  return TRUE;
}

void
tttd_daemon_set_link_enabled (TttdDaemon *daemon, TttdClientLink *link, gboolean enabled)
{
  link->enabled = enabled;
  tttd_client_link_update (daemon->client, link);
  tttd_log_message (link->name, enabled ? "enabled" : "disabled", "link %s %s", link->name,
                    enabled ? "enabled" : "disabled");
  EMIT (daemon, state_changed);
}

void
tttd_daemon_set_link_metered (TttdDaemon *daemon, TttdClientLink *link, gboolean metered)
{
  link->metered = metered;
  tttd_client_link_update (daemon->client, link);
}

static gboolean
same_array (const GArray *a, const GArray *b, gsize element)
{
  /* an empty GArray may have no data at all */
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, a->len * element) == 0);
}

/* settings that the running tunnel is built on: changing them needs a
 * restart, and a reload that changes them is refused whole */
static const char *
restart_needed (const TttdConfig *a, const TttdConfig *b)
{
  if (a->mode != b->mode)
    return "[tttd] mode";
  if (g_strcmp0 (a->tun, b->tun) != 0)
    return "[tttd] tun";
  if (a->mtu != b->mtu)
    return "[tttd] mtu";
  if (g_strcmp0 (a->private_key_file, b->private_key_file) != 0)
    return "[tttd] private-key-file";
  if (!same_array (a->addresses, b->addresses, sizeof (TttdPrefix)))
    return "[tttd] address";
  if (a->probe_interval_ms != b->probe_interval_ms || a->rekey_after_seconds != b->rekey_after_seconds)
    return "[tttd] probe-interval-ms or rekey-after-seconds";
  if (a->retransmit != b->retransmit || a->fec != b->fec)
    return "[tttd] retransmit or fec";
  if (!same_array (a->servers, b->servers, sizeof (TttdSockaddr)) ||
      memcmp (a->server_public_key, b->server_public_key, 32) != 0)
    return "[client] server or server-public-key";
  if (a->route_all != b->route_all || a->kill_switch != b->kill_switch ||
      !same_array (a->routes, b->routes, sizeof (TttdPrefix)) || !same_array (a->dns, b->dns, sizeof (TttdPrefix)))
    return "[client] route-all, routes, dns or kill-switch";
  if (!same_array (a->listen, b->listen, sizeof (TttdSockaddr)) || a->nat != b->nat)
    return "[server] listen or nat";
  if (!same_array (a->pool, b->pool, sizeof (TttdPrefix)))
    return "[server] pool";
  return NULL;
}

static void
reload_links (TttdDaemon *daemon, const TttdConfig *config)
{
  TttdClient *client = daemon->client;

  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (client, i);
      TttdLinkConfig settings;
      if (link == NULL)
        continue;
      if (link->source == TTTD_LINK_SOURCE_CONFIG &&
          !g_strv_contains ((const char *const *) config->static_links, link->name))
        {
          tttd_client_remove_link (client, link);
          continue;
        }
      /* what a D-Bus caller chose stays; the rest follows the file */
      if (link->source == TTTD_LINK_SOURCE_DBUS)
        continue;
      settings = tttd_config_link_settings (config, link->name);
      link->weight = settings.weight;
      link->priority = settings.priority;
      link->enabled = settings.enabled;
      if (settings.metered_set)
        link->metered = settings.metered;
      tttd_client_link_update (client, link);
    }
  for (guint i = 0; config->static_links[i] != NULL; i++)
    if (tttd_client_find_link (client, config->static_links[i]) == NULL)
      {
        g_autoptr (GError) error = NULL;
        TttdLinkConfig settings = tttd_config_link_settings (config, config->static_links[i]);
        if (tttd_client_add_link (client, config->static_links[i], TTTD_LINK_SOURCE_CONFIG, &settings, &error) == NULL)
          tttd_log_warning (config->static_links[i], "add", "cannot bond %s: %s", config->static_links[i],
                            error->message);
      }
}

static gboolean
reload (TttdDaemon *daemon, GError **error)
{
  g_autoptr (TttdConfig) config = tttd_config_load (daemon->config_path, daemon->dropin_dir, error);
  const char *what;
  TttdConfig *old;

  if (config == NULL)
    return FALSE;
  what = restart_needed (daemon->config, config);
  if (what != NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
                   "%s: changing %s needs a restart (systemctl restart tttd); nothing was changed", daemon->config_path,
                   what);
      return FALSE;
    }
  if (daemon->server != NULL && !tttd_server_reconfigure (daemon->server, config, error))
    return FALSE;
  /* the roles keep a pointer to the configuration: swap it under them */
  old = daemon->config;
  daemon->config = g_steal_pointer (&config);
  if (daemon->client != NULL)
    {
      tttd_client_set_config (daemon->client, daemon->config);
      tttd_client_set_strategy (daemon->client, daemon->config->strategy);
      reload_links (daemon, daemon->config);
    }
  else
    tttd_server_set_strategy (daemon->server, daemon->config->strategy);
  tttd_config_free (old);
  tttd_log_message (NULL, "reloaded", "configuration reloaded from %s", daemon->config_path);
  EMIT (daemon, state_changed);
  return TRUE;
}

gboolean
tttd_daemon_reload (TttdDaemon *daemon, GError **error)
{
  gboolean ok;

  EMIT (daemon, reloading, TRUE);
  ok = reload (daemon, error);
  EMIT (daemon, reloading, FALSE);
  return ok;
}

static void
add_peer_counters (const TttdPeer *peer, guint64 *sums)
{
  TttdPeerCounters counters;

  tttd_peer_get_counters (peer, &counters);
  for (guint i = 0; i < tttd_peer_n_counters; i++)
    sums[i] += tttd_counter_get (&counters, &tttd_peer_counters[i]);
}

GVariant *
tttd_daemon_counters (TttdDaemon *daemon)
{
  const TttdEngineStats *engine = tttd_engine_stats (tttd_daemon_engine (daemon));
  g_autofree guint64 *per_peer = g_new0 (guint64, tttd_peer_n_counters);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  for (guint i = 0; i < tttd_engine_n_counters; i++)
    g_variant_builder_add (&b, "{st}", tttd_engine_counters[i].name,
                           tttd_counter_get (engine, &tttd_engine_counters[i]));
  if (daemon->client != NULL)
    add_peer_counters (tttd_client_peer (daemon->client), per_peer);
  else
    {
      GPtrArray *peers = tttd_server_peers (daemon->server);
      const TttdServerStats *s = tttd_server_stats (daemon->server);
      for (guint i = 0; i < peers->len; i++)
        add_peer_counters (g_ptr_array_index (peers, i), per_peer);
      for (guint i = 0; i < tttd_server_n_counters; i++)
        g_variant_builder_add (&b, "{st}", tttd_server_counters[i].name,
                               tttd_counter_get (s, &tttd_server_counters[i]));
    }
  for (guint i = 0; i < tttd_peer_n_counters; i++)
    g_variant_builder_add (&b, "{st}", tttd_peer_counters[i].name, per_peer[i]);
  return g_variant_builder_end (&b);
}
