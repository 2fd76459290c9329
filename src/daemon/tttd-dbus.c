/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the D-Bus service: Manager, Link and Peer objects and their methods */
#include "config.h"

#include <string.h>

#include "tttd-auth.h"
#include "tttd-crypto.h"
#include "tttd-dbus-generated.h"
#include "tttd-dbus.h"
#include "tttd-error.h"
#include "tttd-log.h"
#include "tttd-names.h"
#include "tttd-timer.h"

/* states change at once; counters and RTTs at most once a second */
#define STATE_REFRESH_MS 250
#define COUNTER_EVERY    4

#define ACTION_MANAGE_LINKS "org.tuntuntun.tttd.manage-links"
#define ACTION_STRATEGY     "org.tuntuntun.tttd.set-strategy"
#define ACTION_RELOAD       "org.tuntuntun.tttd.reload"

typedef struct {
  char *path;
  TttdDBusObjectSkeleton *object;
  TttdDBusLink *iface;
} LinkEntry;

typedef struct {
  char *path;
  TttdDBusObjectSkeleton *object;
  TttdDBusPeer *iface;
} PeerEntry;

struct _TttdDBus {
  TttdDaemon *daemon;
  guint owner_id;
  GDBusConnection *connection;
  GDBusObjectManagerServer *object_manager;
  TttdDBusManager *manager;
  GHashTable *links; /* TttdClientLink* -> LinkEntry */
  GHashTable *peers; /* TttdPeer* -> PeerEntry */
  guint next_link;
  guint refresh_id;
  guint ticks;
  TttdDBusReadyFunc ready;
  gpointer ready_data;
  gboolean ready_told;
  TttdAuth *auth;
};

void
tttd_dbus_register_errors (void)
{
  /* the core registers the names of the TTTD_ERROR domain on its first use */
  (void) TTTD_ERROR;
}

static void
link_entry_free (gpointer data)
{
  LinkEntry *entry = data;

  g_free (entry->path);
  g_clear_object (&entry->object);
  g_clear_object (&entry->iface);
  g_free (entry);
}

static void
peer_entry_free (gpointer data)
{
  PeerEntry *entry = data;

  g_free (entry->path);
  g_clear_object (&entry->object);
  g_clear_object (&entry->iface);
  g_free (entry);
}

static void
tell_ready (TttdDBus *dbus, gboolean owned)
{
  if (dbus->ready_told)
    return;
  dbus->ready_told = TRUE;
  if (dbus->ready != NULL)
    dbus->ready (owned, dbus->ready_data);
}

/* objects */

static void
update_link (TttdDBus *dbus, TttdClientLink *link, LinkEntry *entry, gboolean counters)
{
  TttdClient *client = tttd_daemon_client (dbus->daemon);
  TttdPathInfo path;
  TttdDBusLink *iface = entry->iface;
  g_autofree char *local = link->fd >= 0 ? tttd_sockaddr_to_string (&link->local) : g_strdup ("");

  tttd_dbus_link_set_state (iface, tttd_link_state_to_string (tttd_client_link_state (client, link)));
  tttd_dbus_link_set_local_address (iface, local);
  tttd_dbus_link_set_weight (iface, link->weight);
  tttd_dbus_link_set_priority (iface, link->priority);
  tttd_dbus_link_set_metered (iface, link->metered);
  tttd_dbus_link_set_enabled (iface, link->enabled);
  if (!counters)
    return;
  tttd_peer_path_info (tttd_client_peer (client), link->id, &path);
  if (!path.present)
    {
      tttd_dbus_link_set_rtt_usec (iface, 0);
      return;
    }
  tttd_dbus_link_set_rtt_usec (iface, path.srtt_us);
  tttd_dbus_link_set_jitter_usec (iface, path.jitter_us);
  tttd_dbus_link_set_loss_percent (iface, path.loss * 100.0);
  tttd_dbus_link_set_capacity_bps (iface, path.capacity_bps);
  tttd_dbus_link_set_tx_bytes (iface, path.tx_bytes);
  tttd_dbus_link_set_rx_bytes (iface, path.rx_bytes);
  tttd_dbus_link_set_tx_packets (iface, path.tx_packets);
  tttd_dbus_link_set_rx_packets (iface, path.rx_packets);
}

static void
update_peer (TttdDBus *dbus, TttdPeer *peer, PeerEntry *entry)
{
  TttdServer *server = tttd_daemon_server (dbus->daemon);
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) endpoints = g_ptr_array_new_with_free_func (g_free);
  char key[TTTD_KEY_BASE64_LEN + 1];
  TttdPeerInfo info;

  tttd_peer_info (peer, &info);
  for (guint i = 0; i < info.n_addresses; i++)
    g_ptr_array_add (addresses, tttd_prefix_to_string (&info.addresses[i]));
  g_ptr_array_add (addresses, NULL);
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdPathInfo path;
      tttd_peer_path_info (peer, i, &path);
      if (path.present)
        g_ptr_array_add (endpoints, tttd_sockaddr_to_string (&path.remote));
    }
  g_ptr_array_add (endpoints, NULL);
  tttd_key_to_base64 (info.public_key, key);
  tttd_dbus_peer_set_name (entry->iface, info.name);
  tttd_dbus_peer_set_public_key (entry->iface, key);
  tttd_dbus_peer_set_address (entry->iface, (const char *const *) addresses->pdata);
  tttd_dbus_peer_set_endpoints (entry->iface, (const char *const *) endpoints->pdata);
  tttd_dbus_peer_set_state (entry->iface, tttd_server_peer_connected (server, peer) ? "connected" : "disconnected");
  tttd_dbus_peer_set_rx_bytes (entry->iface, info.rx_bytes);
  tttd_dbus_peer_set_tx_bytes (entry->iface, info.tx_bytes);
  tttd_dbus_peer_set_last_handshake (entry->iface, (guint64) info.last_handshake_real);
}

static void
update_object_lists (TttdDBus *dbus)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  TttdClient *client = tttd_daemon_client (dbus->daemon);
  TttdServer *server = tttd_daemon_server (dbus->daemon);

  /* in link id order, which is the order they were added in */
  for (guint i = 0; client != NULL && i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (client, i);
      LinkEntry *entry = link ? g_hash_table_lookup (dbus->links, link) : NULL;
      if (entry != NULL)
        g_ptr_array_add (paths, entry->path);
    }
  g_ptr_array_add (paths, NULL);
  tttd_dbus_manager_set_links (dbus->manager, (const char *const *) paths->pdata);
  g_ptr_array_set_size (paths, 0);
  for (guint i = 0; server != NULL && i < tttd_server_peers (server)->len; i++)
    {
      PeerEntry *entry = g_hash_table_lookup (dbus->peers, g_ptr_array_index (tttd_server_peers (server), i));
      if (entry != NULL)
        g_ptr_array_add (paths, entry->path);
    }
  g_ptr_array_add (paths, NULL);
  tttd_dbus_manager_set_peers (dbus->manager, (const char *const *) paths->pdata);
}

static void
update_addresses (TttdDBus *dbus)
{
  TttdClient *client = tttd_daemon_client (dbus->daemon);
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  const TttdPrefix *addresses;
  guint n;

  if (client != NULL)
    n = tttd_client_tunnel_addresses (client, &addresses);
  else
    {
      GArray *own = tttd_daemon_config (dbus->daemon)->addresses;
      addresses = (const TttdPrefix *) (gpointer) own->data;
      n = own->len;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (texts, tttd_prefix_to_string (&addresses[i]));
  g_ptr_array_add (texts, NULL);
  tttd_dbus_manager_set_tunnel_addresses (dbus->manager, (const char *const *) texts->pdata);
}

static void
update_manager (TttdDBus *dbus, gboolean counters)
{
  TttdDaemon *daemon = dbus->daemon;

  update_addresses (dbus);
  tttd_dbus_manager_set_state (dbus->manager, tttd_daemon_state (daemon));
  tttd_dbus_manager_set_strategy (dbus->manager, tttd_strategy_to_string (tttd_daemon_strategy (daemon)));
  tttd_dbus_manager_set_mtu (dbus->manager, tttd_engine_mtu (tttd_daemon_engine (daemon)));
  if (counters)
    {
      guint64 rx, tx;
      tttd_daemon_totals (daemon, &rx, &tx);
      tttd_dbus_manager_set_rx_bytes (dbus->manager, rx);
      tttd_dbus_manager_set_tx_bytes (dbus->manager, tx);
      tttd_dbus_manager_set_counters (dbus->manager, tttd_daemon_counters (daemon));
    }
}

static void
refresh (TttdDBus *dbus, gboolean counters)
{
  GHashTableIter iter;
  gpointer key, value;

  update_manager (dbus, counters);
  g_hash_table_iter_init (&iter, dbus->links);
  while (g_hash_table_iter_next (&iter, &key, &value))
    update_link (dbus, key, value, counters);
  if (!counters)
    return;
  g_hash_table_iter_init (&iter, dbus->peers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    update_peer (dbus, key, value);
}

static gboolean
on_refresh (gpointer user_data)
{
  TttdDBus *dbus = user_data;

  refresh (dbus, ++dbus->ticks % COUNTER_EVERY == 0);
  return G_SOURCE_CONTINUE;
}

static LinkEntry *
find_link_by_path (TttdDBus *dbus, const char *path, TttdClientLink **link_out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, dbus->links);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (((LinkEntry *) value)->path, path) == 0)
      {
        *link_out = key;
        return value;
      }
  return NULL;
}

static gboolean handle_set_weight (TttdDBusLink *iface, GDBusMethodInvocation *invocation, guint value,
                                   gpointer user_data);
static gboolean handle_set_priority (TttdDBusLink *iface, GDBusMethodInvocation *invocation, guint value,
                                     gpointer user_data);
static gboolean handle_set_enabled (TttdDBusLink *iface, GDBusMethodInvocation *invocation, gboolean value,
                                    gpointer user_data);

static void
on_link_added (gpointer data, TttdClientLink *link)
{
  TttdDBus *dbus = data;
  LinkEntry *entry = g_new0 (LinkEntry, 1);

  entry->path = g_strdup_printf (TTTD_DBUS_LINK_PATH "/%u", dbus->next_link++);
  entry->object = tttd_dbus_object_skeleton_new (entry->path);
  entry->iface = tttd_dbus_link_skeleton_new ();
  tttd_dbus_link_set_interface (entry->iface, link->name);
  tttd_dbus_link_set_source (entry->iface, tttd_link_source_to_string (link->source));
  g_signal_connect (entry->iface, "handle-set-weight", G_CALLBACK (handle_set_weight), dbus);
  g_signal_connect (entry->iface, "handle-set-priority", G_CALLBACK (handle_set_priority), dbus);
  g_signal_connect (entry->iface, "handle-set-enabled", G_CALLBACK (handle_set_enabled), dbus);
  tttd_dbus_object_skeleton_set_link (entry->object, entry->iface);
  g_hash_table_insert (dbus->links, link, entry);
  update_link (dbus, link, entry, TRUE);
  g_dbus_object_manager_server_export (dbus->object_manager, G_DBUS_OBJECT_SKELETON (entry->object));
  update_object_lists (dbus);
}

static void
on_link_removed (gpointer data, TttdClientLink *link)
{
  TttdDBus *dbus = data;
  LinkEntry *entry = g_hash_table_lookup (dbus->links, link);

  if (entry == NULL)
    return;
  g_signal_handlers_disconnect_by_data (entry->iface, dbus);
  g_dbus_object_manager_server_unexport (dbus->object_manager, entry->path);
  g_hash_table_remove (dbus->links, link);
  update_object_lists (dbus);
}

static void
on_peer_added (gpointer data, TttdPeer *peer)
{
  TttdDBus *dbus = data;
  PeerEntry *entry = g_new0 (PeerEntry, 1);
  TttdPeerInfo info;

  tttd_peer_info (peer, &info);
  entry->path = g_strdup_printf (TTTD_DBUS_PEER_PATH "/%u", info.object_id);
  entry->object = tttd_dbus_object_skeleton_new (entry->path);
  entry->iface = tttd_dbus_peer_skeleton_new ();
  tttd_dbus_object_skeleton_set_peer (entry->object, entry->iface);
  g_hash_table_insert (dbus->peers, peer, entry);
  update_peer (dbus, peer, entry);
  g_dbus_object_manager_server_export (dbus->object_manager, G_DBUS_OBJECT_SKELETON (entry->object));
  update_object_lists (dbus);
}

static void
on_peer_removed (gpointer data, TttdPeer *peer)
{
  TttdDBus *dbus = data;
  PeerEntry *entry = g_hash_table_lookup (dbus->peers, peer);

  if (entry == NULL)
    return;
  g_dbus_object_manager_server_unexport (dbus->object_manager, entry->path);
  g_hash_table_remove (dbus->peers, peer);
  update_object_lists (dbus);
}

static void
on_peer_changed (gpointer data, TttdPeer *peer)
{
  TttdDBus *dbus = data;
  PeerEntry *entry = g_hash_table_lookup (dbus->peers, peer);

  if (entry != NULL)
    update_peer (dbus, peer, entry);
}

static void
on_state_changed (gpointer data)
{
  TttdDBus *dbus = data;

  refresh (dbus, FALSE);
}

static const TttdEvents daemon_events = {
  .link_added = on_link_added,
  .link_removed = on_link_removed,
  .peer_added = on_peer_added,
  .peer_removed = on_peer_removed,
  .peer_changed = on_peer_changed,
  .state_changed = on_state_changed,
};

/* methods: each checks its caller, then calls the daemon's operation */

typedef struct {
  char *text; /* interface name, object path or strategy */
  GVariant *options;
  guint value;
  gboolean flag;
  guint which;
} CallArgs;

static void
call_args_free (gpointer data)
{
  CallArgs *args = data;

  g_free (args->text);
  g_clear_pointer (&args->options, g_variant_unref);
  g_free (args);
}

static CallArgs *
call_args_new (const char *text)
{
  CallArgs *args = g_new0 (CallArgs, 1);

  args->text = g_strdup (text);
  return args;
}

static gboolean
parse_link_options (GVariant *options, TttdLinkOptions *out, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  memset (out, 0, sizeof *out);
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const GVariantType *want = NULL;
      if (g_strcmp0 (key, "weight") == 0 || g_strcmp0 (key, "priority") == 0)
        want = G_VARIANT_TYPE_UINT32;
      else if (g_strcmp0 (key, "metered") == 0 || g_strcmp0 (key, "enabled") == 0)
        want = G_VARIANT_TYPE_BOOLEAN;
      if (want == NULL)
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
                       "unknown option '%s' (weight, priority, metered, enabled)", key);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, want))
        {
          g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "option '%s' must be of type %s, not %s", key,
                       (const char *) want, g_variant_get_type_string (value));
          return FALSE;
        }
      if (g_strcmp0 (key, "weight") == 0)
        out->has_weight = TRUE, out->weight = g_variant_get_uint32 (value);
      else if (g_strcmp0 (key, "priority") == 0)
        out->has_priority = TRUE, out->priority = g_variant_get_uint32 (value);
      else if (g_strcmp0 (key, "metered") == 0)
        out->has_metered = TRUE, out->metered = g_variant_get_boolean (value);
      else
        out->has_enabled = TRUE, out->enabled = g_variant_get_boolean (value);
    }
  return TRUE;
}

static void
do_add_link (gpointer owner, GDBusMethodInvocation *invocation, gpointer data)
{
  TttdDBus *dbus = owner;
  CallArgs *args = data;
  g_autoptr (GError) error = NULL;
  TttdLinkOptions options;
  TttdClientLink *link;
  LinkEntry *entry;

  if (!parse_link_options (args->options, &options, &error) ||
      (link = tttd_daemon_add_link (dbus->daemon, args->text, TTTD_LINK_SOURCE_DBUS, &options, &error)) == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  entry = g_hash_table_lookup (dbus->links, link);
  tttd_dbus_manager_complete_add_link (dbus->manager, invocation, entry ? entry->path : "/");
}

static gboolean
handle_add_link (TttdDBusManager *manager, GDBusMethodInvocation *invocation, const char *interface, GVariant *options,
                 gpointer user_data)
{
  TttdDBus *dbus = user_data;
  CallArgs *args = call_args_new (interface);

  args->options = g_variant_ref (options);
  tttd_auth_check (dbus->auth, dbus, invocation, ACTION_MANAGE_LINKS, do_add_link, args, call_args_free);
  return TRUE;
}

static gboolean
lookup_link (TttdDBus *dbus, GDBusMethodInvocation *invocation, const char *path, TttdClientLink **link)
{
  if (find_link_by_path (dbus, path, link) != NULL)
    return TRUE;
  g_dbus_method_invocation_return_error (invocation, TTTD_ERROR, TTTD_ERROR_UNKNOWN_INTERFACE,
                                         "no link object %s (see the Links property)", path);
  return FALSE;
}

static void
do_remove_link (gpointer owner, GDBusMethodInvocation *invocation, gpointer data)
{
  TttdDBus *dbus = owner;
  CallArgs *args = data;
  g_autoptr (GError) error = NULL;
  TttdClientLink *link;

  if (!lookup_link (dbus, invocation, args->text, &link))
    return;
  if (!tttd_daemon_remove_link (dbus->daemon, link, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  tttd_dbus_manager_complete_remove_link (dbus->manager, invocation);
}

static gboolean
handle_remove_link (TttdDBusManager *manager, GDBusMethodInvocation *invocation, const char *path, gpointer user_data)
{
  TttdDBus *dbus = user_data;

  tttd_auth_check (dbus->auth, dbus, invocation, ACTION_MANAGE_LINKS, do_remove_link, call_args_new (path),
                   call_args_free);
  return TRUE;
}

static void
do_set_strategy (gpointer owner, GDBusMethodInvocation *invocation, gpointer data)
{
  TttdDBus *dbus = owner;
  CallArgs *args = data;
  g_autoptr (GError) error = NULL;

  if (!tttd_daemon_set_strategy (dbus->daemon, args->text, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  refresh (dbus, FALSE);
  tttd_dbus_manager_complete_set_strategy (dbus->manager, invocation);
}

static gboolean
handle_set_strategy (TttdDBusManager *manager, GDBusMethodInvocation *invocation, const char *strategy,
                     gpointer user_data)
{
  TttdDBus *dbus = user_data;

  tttd_auth_check (dbus->auth, dbus, invocation, ACTION_STRATEGY, do_set_strategy, call_args_new (strategy),
                   call_args_free);
  return TRUE;
}

static void
do_reload (gpointer owner, GDBusMethodInvocation *invocation, gpointer data)
{
  TttdDBus *dbus = owner;
  g_autoptr (GError) error = NULL;

  if (!tttd_daemon_reload (dbus->daemon, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  refresh (dbus, TRUE);
  tttd_dbus_manager_complete_reload (dbus->manager, invocation);
}

static gboolean
handle_reload (TttdDBusManager *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  TttdDBus *dbus = user_data;

  tttd_auth_check (dbus->auth, dbus, invocation, ACTION_RELOAD, do_reload, NULL, NULL);
  return TRUE;
}

enum { SET_WEIGHT, SET_PRIORITY, SET_ENABLED };

static void
do_link_set (gpointer owner, GDBusMethodInvocation *invocation, gpointer data)
{
  TttdDBus *dbus = owner;
  CallArgs *args = data;
  g_autoptr (GError) error = NULL;
  TttdClientLink *link;
  LinkEntry *entry;
  gboolean ok = TRUE;

  if (!lookup_link (dbus, invocation, args->text, &link))
    return;
  entry = g_hash_table_lookup (dbus->links, link);
  switch (args->which)
    {
    case SET_WEIGHT: ok = tttd_daemon_set_link_weight (dbus->daemon, link, args->value, &error); break;
    case SET_PRIORITY: ok = tttd_daemon_set_link_priority (dbus->daemon, link, args->value, &error); break;
    default: tttd_daemon_set_link_enabled (dbus->daemon, link, args->flag); break;
    }
  if (!ok)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  update_link (dbus, link, entry, FALSE);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
link_call (TttdDBusLink *iface, GDBusMethodInvocation *invocation, guint which, guint value, gboolean flag,
           TttdDBus *dbus)
{
  CallArgs *args = call_args_new (g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (iface)));

  args->which = which;
  args->value = value;
  args->flag = flag;
  tttd_auth_check (dbus->auth, dbus, invocation, ACTION_MANAGE_LINKS, do_link_set, args, call_args_free);
  return TRUE;
}

static gboolean
handle_set_weight (TttdDBusLink *iface, GDBusMethodInvocation *invocation, guint value, gpointer user_data)
{
  return link_call (iface, invocation, SET_WEIGHT, value, FALSE, user_data);
}

static gboolean
handle_set_priority (TttdDBusLink *iface, GDBusMethodInvocation *invocation, guint value, gpointer user_data)
{
  return link_call (iface, invocation, SET_PRIORITY, value, FALSE, user_data);
}

static gboolean
handle_set_enabled (TttdDBusLink *iface, GDBusMethodInvocation *invocation, gboolean value, gpointer user_data)
{
  return link_call (iface, invocation, SET_ENABLED, 0, value, user_data);
}

/* the bus */

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  TttdDBus *dbus = user_data;
  g_autoptr (GError) error = NULL;

  dbus->connection = g_object_ref (connection);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (dbus->manager), connection, TTTD_DBUS_PATH, &error))
    tttd_log_warning (NULL, "dbus", "cannot export %s: %s", TTTD_DBUS_PATH, error->message);
  g_dbus_object_manager_server_set_connection (dbus->object_manager, connection);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  TttdDBus *dbus = user_data;

  tttd_log_info (NULL, "dbus", "owns %s on the bus", name);
  tell_ready (dbus, TRUE);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  TttdDBus *dbus = user_data;

  /* the tunnel works without the bus: say so, once, and carry on */
  if (!dbus->ready_told || connection == NULL)
    tttd_log_warning (NULL, "dbus", "cannot own %s on the bus%s; the tunnel runs without D-Bus control", name,
                      connection == NULL ? " (no bus)" : " (taken, or not allowed by the bus policy)");
  else
    tttd_log_warning (NULL, "dbus", "lost %s on the bus", name);
  tell_ready (dbus, FALSE);
}

TttdDBus *
tttd_dbus_new (TttdDaemon *daemon, GBusType bus_type, TttdDBusReadyFunc ready, gpointer user_data)
{
  TttdDBus *dbus = g_new0 (TttdDBus, 1);
  TttdClient *client = tttd_daemon_client (daemon);
  TttdServer *server = tttd_daemon_server (daemon);

  tttd_dbus_register_errors ();
  dbus->daemon = daemon;
  dbus->ready = ready;
  dbus->ready_data = user_data;
  dbus->auth = tttd_auth_new ();
  dbus->links = g_hash_table_new_full (NULL, NULL, NULL, link_entry_free);
  dbus->peers = g_hash_table_new_full (NULL, NULL, NULL, peer_entry_free);
  dbus->object_manager = g_dbus_object_manager_server_new (TTTD_DBUS_PATH);
  dbus->manager = tttd_dbus_manager_skeleton_new ();
  tttd_dbus_manager_set_version (dbus->manager, TTTD_DBUS_API_VERSION);
  tttd_dbus_manager_set_mode (dbus->manager, tttd_mode_to_string (tttd_daemon_config (daemon)->mode));
  tttd_dbus_manager_set_tun_interface (dbus->manager, tttd_daemon_tun_name (daemon));
  g_signal_connect (dbus->manager, "handle-add-link", G_CALLBACK (handle_add_link), dbus);
  g_signal_connect (dbus->manager, "handle-remove-link", G_CALLBACK (handle_remove_link), dbus);
  g_signal_connect (dbus->manager, "handle-set-strategy", G_CALLBACK (handle_set_strategy), dbus);
  g_signal_connect (dbus->manager, "handle-reload", G_CALLBACK (handle_reload), dbus);
  for (guint i = 0; client != NULL && i < TTTD_SCHED_MAX_LINKS; i++)
    if (tttd_client_get_link (client, i) != NULL)
      on_link_added (dbus, tttd_client_get_link (client, i));
  for (guint i = 0; server != NULL && i < tttd_server_peers (server)->len; i++)
    on_peer_added (dbus, g_ptr_array_index (tttd_server_peers (server), i));
  tttd_daemon_add_events (daemon, &daemon_events, dbus);
  update_object_lists (dbus);
  refresh (dbus, TRUE);
  dbus->refresh_id = g_timeout_add (STATE_REFRESH_MS, on_refresh, dbus);
  dbus->owner_id = g_bus_own_name (bus_type, TTTD_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE, on_bus_acquired,
                                   on_name_acquired, on_name_lost, dbus, NULL);
  return dbus;
}

void
tttd_dbus_set_trusted_uid (TttdDBus *dbus, guint32 uid)
{
  tttd_auth_set_trusted_uid (dbus->auth, uid);
}

void
tttd_dbus_free (TttdDBus *dbus)
{
  if (dbus == NULL)
    return;
  g_clear_pointer (&dbus->auth, tttd_auth_free);
  tttd_daemon_remove_events (dbus->daemon, dbus);
  g_clear_handle_id (&dbus->owner_id, g_bus_unown_name);
  g_clear_handle_id (&dbus->refresh_id, g_source_remove);
  if (dbus->manager != NULL)
    {
      g_signal_handlers_disconnect_by_data (dbus->manager, dbus);
      if (dbus->connection != NULL)
        g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (dbus->manager));
    }
  g_clear_object (&dbus->object_manager);
  g_clear_object (&dbus->manager);
  g_clear_pointer (&dbus->links, g_hash_table_unref);
  g_clear_pointer (&dbus->peers, g_hash_table_unref);
  g_clear_object (&dbus->connection);
  g_free (dbus);
}
