/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttctl: the command-line client of tttd's D-Bus API; one table of commands
 * drives both its dispatch and its usage text. */
#include "config.h"

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tttd-crypto.h"
#include "tttd-dbus-generated.h"
#include "tttd-error.h"
#include "tttd-names.h"
#include "tttctl-metrics.h"
#include "tttctl-monitor.h"

/* exit codes, for scripts */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1, /* the daemon refused or failed */
  EXIT_USAGE = 2,
  EXIT_NOT_RUNNING = 3, /* no tttd on the bus */
  EXIT_DENIED = 4,      /* not allowed */
};

static gboolean opt_json = FALSE;
static gboolean opt_session = FALSE;
static gboolean opt_http = FALSE;

/* what the command reached: nothing for genkey and pubkey */
typedef struct _Command Command;
typedef struct {
  const Command *command;
  GDBusObjectManager *om;
  TttdDBusManager *manager;
} Ctl;

typedef int (*CommandFunc) (Ctl *ctl, int argc, char **argv);

struct _Command {
  const char *name;
  CommandFunc run;
  const char *synopsis; /* its arguments, for the usage text */
  const char *help;     /* one line; the usage text wraps it */
  gboolean needs_bus;
  int min_args;
  int max_args; /* -1: any number */
};

/* the errors tttd and the bus send, by domain and code: the bus registers
 * G_DBUS_ERROR's names, the core TTTD_ERROR's */
static int
exit_status_of (const GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, TTTD_ERROR, TTTD_ERROR_NOT_PERMITTED))
    return EXIT_DENIED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_FILE_NOT_FOUND) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    return EXIT_NOT_RUNNING;
  /* the daemon knows the strategies; naming one it lacks is wrong usage */
  if (g_error_matches (error, TTTD_ERROR, TTTD_ERROR_UNKNOWN_STRATEGY))
    return EXIT_USAGE;
  return EXIT_FAILED;
}

static int
fail_with (GError *error)
{
  g_return_val_if_fail (error != NULL, EXIT_FAILED);
  g_dbus_error_strip_remote_error (error);
  g_printerr ("tttctl: %s\n", error->message);
  return exit_status_of (error);
}

/* gettext ("") is the catalogue's header, not "" */
static const char *
synopsis_of (const Command *command)
{
  return *command->synopsis ? _ (command->synopsis) : "";
}

static int
usage_of (const Command *command)
{
  g_printerr (_ ("Usage: tttctl %s%s%s\n"), command->name, *command->synopsis ? " " : "", synopsis_of (command));
  return EXIT_USAGE;
}

static GDBusObjectManager *
connect_manager (GError **error)
{
  g_autoptr (GDBusObjectManager) om = NULL;
  g_autofree char *owner = NULL;

  om = tttd_dbus_object_manager_client_new_for_bus_sync (opt_session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
                                                         G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                         TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL, error);
  if (om == NULL)
    return NULL;
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (om));
  if (owner == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
                   _ ("tttd is not running (nobody owns %s on the bus)"), TTTD_DBUS_NAME);
      return NULL;
    }
  return g_steal_pointer (&om);
}

static TttdDBusManager *
get_manager (GDBusObjectManager *om, GError **error)
{
  GDBusConnection *connection = g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (om));

  return tttd_dbus_manager_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE, TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL,
                                           error);
}

/* the link objects, in the order the Manager lists them */
static GList *
get_links (GDBusObjectManager *om, TttdDBusManager *manager)
{
  const char *const *paths = tttd_dbus_manager_get_links (manager);
  GList *out = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (om, paths[i]);
      TttdDBusLink *link = object ? tttd_dbus_object_get_link (TTTD_DBUS_OBJECT (object)) : NULL;
      if (link != NULL)
        out = g_list_append (out, link);
    }
  return out;
}

static TttdDBusLink *
find_link (GDBusObjectManager *om, TttdDBusManager *manager, const char *ifname, GError **error)
{
  g_autolist (TttdDBusLink) links = get_links (om, manager);

  for (GList *l = links; l != NULL; l = l->next)
    if (g_strcmp0 (tttd_dbus_link_get_interface (l->data), ifname) == 0)
      return g_object_ref (l->data);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("%s is not a bonded link (see: tttctl links)"), ifname);
  return NULL;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
json_link (JsonBuilder *b, TttdDBusLink *link)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "object");
  json_builder_add_string_value (b, g_dbus_proxy_get_object_path (G_DBUS_PROXY (link)));
  json_builder_set_member_name (b, "interface");
  json_builder_add_string_value (b, tttd_dbus_link_get_interface (link));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, tttd_dbus_link_get_state (link));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, tttd_dbus_link_get_source (link));
  json_builder_set_member_name (b, "local_address");
  json_builder_add_string_value (b, tttd_dbus_link_get_local_address (link));
  json_builder_set_member_name (b, "rtt_usec");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_rtt_usec (link));
  json_builder_set_member_name (b, "jitter_usec");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_jitter_usec (link));
  json_builder_set_member_name (b, "loss_percent");
  json_builder_add_double_value (b, tttd_dbus_link_get_loss_percent (link));
  json_builder_set_member_name (b, "capacity_bps");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_capacity_bps (link));
  json_builder_set_member_name (b, "tx_bytes");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_tx_bytes (link));
  json_builder_set_member_name (b, "rx_bytes");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_rx_bytes (link));
  json_builder_set_member_name (b, "tx_packets");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_tx_packets (link));
  json_builder_set_member_name (b, "rx_packets");
  json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_rx_packets (link));
  json_builder_set_member_name (b, "weight");
  json_builder_add_int_value (b, tttd_dbus_link_get_weight (link));
  json_builder_set_member_name (b, "priority");
  json_builder_add_int_value (b, tttd_dbus_link_get_priority (link));
  json_builder_set_member_name (b, "metered");
  json_builder_add_boolean_value (b, tttd_dbus_link_get_metered (link));
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, tttd_dbus_link_get_enabled (link));
  json_builder_end_object (b);
}

static void
json_strv (JsonBuilder *b, const char *name, const char *const *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

static int
cmd_links (Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  g_autolist (TttdDBusLink) links = get_links (ctl->om, ctl->manager);

  if (opt_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (GList *l = links; l != NULL; l = l->next)
        json_link (b, l->data);
      json_builder_end_array (b);
      print_json (b);
      return EXIT_OK;
    }
  if (links == NULL)
    {
      g_print (_ ("No links.\n"));
      return EXIT_OK;
    }
  /* TRANSLATORS: column headings of tttctl links */
  g_print ("%-12s %-9s %-15s %9s %7s %6s %6s %s\n", _ ("LINK"), _ ("STATE"), _ ("SOURCE"), _ ("RTT ms"), _ ("LOSS %"),
           _ ("WEIGHT"), _ ("PRIO"), _ ("ADDRESS"));
  for (GList *l = links; l != NULL; l = l->next)
    {
      TttdDBusLink *link = l->data;
      g_print ("%-12s %-9s %-15s %9.1f %7.1f %6u %6u %s%s\n", tttd_dbus_link_get_interface (link),
               tttd_dbus_link_get_state (link), tttd_dbus_link_get_source (link),
               tttd_dbus_link_get_rtt_usec (link) / 1000.0, tttd_dbus_link_get_loss_percent (link),
               tttd_dbus_link_get_weight (link), tttd_dbus_link_get_priority (link),
               tttd_dbus_link_get_local_address (link), tttd_dbus_link_get_metered (link) ? _ (" (metered)") : "");
    }
  return EXIT_OK;
}

static GList *
get_peers (GDBusObjectManager *om, TttdDBusManager *manager)
{
  const char *const *paths = tttd_dbus_manager_get_peers (manager);
  GList *out = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (om, paths[i]);
      TttdDBusPeer *peer = object ? tttd_dbus_object_get_peer (TTTD_DBUS_OBJECT (object)) : NULL;
      if (peer != NULL)
        out = g_list_append (out, peer);
    }
  return out;
}

static int
cmd_peers (Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  g_autolist (TttdDBusPeer) peers = get_peers (ctl->om, ctl->manager);

  if (opt_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (GList *l = peers; l != NULL; l = l->next)
        {
          TttdDBusPeer *peer = l->data;
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, tttd_dbus_peer_get_name (peer));
          json_builder_set_member_name (b, "public_key");
          json_builder_add_string_value (b, tttd_dbus_peer_get_public_key (peer));
          json_strv (b, "address", tttd_dbus_peer_get_address (peer));
          json_strv (b, "endpoints", tttd_dbus_peer_get_endpoints (peer));
          json_builder_set_member_name (b, "state");
          json_builder_add_string_value (b, tttd_dbus_peer_get_state (peer));
          json_builder_set_member_name (b, "rx_bytes");
          json_builder_add_int_value (b, (gint64) tttd_dbus_peer_get_rx_bytes (peer));
          json_builder_set_member_name (b, "tx_bytes");
          json_builder_add_int_value (b, (gint64) tttd_dbus_peer_get_tx_bytes (peer));
          json_builder_set_member_name (b, "last_handshake_usec");
          json_builder_add_int_value (b, (gint64) tttd_dbus_peer_get_last_handshake (peer));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      print_json (b);
      return EXIT_OK;
    }
  if (peers == NULL)
    {
      g_print (_ ("No peers.\n"));
      return EXIT_OK;
    }
  g_print ("%-16s %-13s %-20s %s\n", _ ("PEER"), _ ("STATE"), _ ("ADDRESS"), _ ("ENDPOINTS"));
  for (GList *l = peers; l != NULL; l = l->next)
    {
      TttdDBusPeer *peer = l->data;
      g_autofree char *addresses = g_strjoinv (",", (char **) tttd_dbus_peer_get_address (peer));
      g_autofree char *endpoints = g_strjoinv (" ", (char **) tttd_dbus_peer_get_endpoints (peer));
      g_print ("%-16s %-13s %-20s %s\n", tttd_dbus_peer_get_name (peer), tttd_dbus_peer_get_state (peer), addresses,
               endpoints);
    }
  return EXIT_OK;
}

static int
cmd_status (Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  TttdDBusManager *manager = ctl->manager;
  g_autolist (TttdDBusLink) links = get_links (ctl->om, manager);
  const char *const *peers = tttd_dbus_manager_get_peers (manager);
  guint n_peers = peers != NULL ? g_strv_length ((char **) peers) : 0;
  guint up = 0;

  for (GList *l = links; l != NULL; l = l->next)
    up += g_strcmp0 (tttd_dbus_link_get_state (l->data), "up") == 0 ||
          g_strcmp0 (tttd_dbus_link_get_state (l->data), "degraded") == 0;
  if (opt_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, tttd_dbus_manager_get_version (manager));
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, tttd_dbus_manager_get_mode (manager));
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, tttd_dbus_manager_get_state (manager));
      json_builder_set_member_name (b, "strategy");
      json_builder_add_string_value (b, tttd_dbus_manager_get_strategy (manager));
      json_builder_set_member_name (b, "tun_interface");
      json_builder_add_string_value (b, tttd_dbus_manager_get_tun_interface (manager));
      json_strv (b, "tunnel_addresses", tttd_dbus_manager_get_tunnel_addresses (manager));
      json_builder_set_member_name (b, "mtu");
      json_builder_add_int_value (b, tttd_dbus_manager_get_mtu (manager));
      json_builder_set_member_name (b, "links");
      json_builder_add_int_value (b, g_list_length (links));
      json_builder_set_member_name (b, "links_up");
      json_builder_add_int_value (b, up);
      json_builder_set_member_name (b, "peers");
      json_builder_add_int_value (b, n_peers);
      json_builder_set_member_name (b, "rx_bytes");
      json_builder_add_int_value (b, (gint64) tttd_dbus_manager_get_rx_bytes (manager));
      json_builder_set_member_name (b, "tx_bytes");
      json_builder_add_int_value (b, (gint64) tttd_dbus_manager_get_tx_bytes (manager));
      json_builder_set_member_name (b, "counters");
      json_builder_begin_object (b);
      if (tttd_dbus_manager_get_counters (manager) != NULL)
        {
          GVariantIter iter;
          const char *name;
          guint64 value;
          g_variant_iter_init (&iter, tttd_dbus_manager_get_counters (manager));
          while (g_variant_iter_next (&iter, "{&st}", &name, &value))
            {
              json_builder_set_member_name (b, name);
              json_builder_add_int_value (b, (gint64) value);
            }
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
      print_json (b);
      return EXIT_OK;
    }
  {
    g_autofree char *addresses = g_strjoinv (", ", (char **) tttd_dbus_manager_get_tunnel_addresses (manager));
    g_print (_ ("Mode:      %s\n"), tttd_dbus_manager_get_mode (manager));
    g_print (_ ("State:     %s\n"), tttd_dbus_manager_get_state (manager));
    g_print (_ ("Strategy:  %s\n"), tttd_dbus_manager_get_strategy (manager));
    g_print (_ ("Tunnel:    %s, MTU %u%s%s\n"), tttd_dbus_manager_get_tun_interface (manager),
             tttd_dbus_manager_get_mtu (manager), *addresses ? ", " : "", addresses);
    if (g_strcmp0 (tttd_dbus_manager_get_mode (manager), "client") == 0)
      g_print (_ ("Links:     %u up of %u\n"), up, g_list_length (links));
    else
      g_print (_ ("Peers:     %u\n"), n_peers);
    g_print (_ ("Received:  %" PRIu64 " bytes\n"), (uint64_t) tttd_dbus_manager_get_rx_bytes (manager));
    g_print (_ ("Sent:      %" PRIu64 " bytes\n"), (uint64_t) tttd_dbus_manager_get_tx_bytes (manager));
  }
  return EXIT_OK;
}

static gboolean
parse_uint (const char *text, guint max, guint *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_bool (const char *text, gboolean *out)
{
  if (g_strcmp0 (text, "yes") == 0 || g_strcmp0 (text, "true") == 0 || g_strcmp0 (text, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (text, "no") == 0 || g_strcmp0 (text, "false") == 0 || g_strcmp0 (text, "0") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* one KEY=VALUE argument of add-link, into the options */
static gboolean
add_option (GVariantBuilder *options, const char *arg)
{
  g_auto (GStrv) kv = g_strsplit (arg, "=", 2);
  guint u;
  gboolean b;

  if (kv[0] == NULL || kv[1] == NULL)
    return FALSE;
  if ((g_strcmp0 (kv[0], "weight") == 0 || g_strcmp0 (kv[0], "priority") == 0) && parse_uint (kv[1], G_MAXUINT32, &u))
    g_variant_builder_add (options, "{sv}", kv[0], g_variant_new_uint32 (u));
  else if ((g_strcmp0 (kv[0], "metered") == 0 || g_strcmp0 (kv[0], "enabled") == 0) && parse_bool (kv[1], &b))
    g_variant_builder_add (options, "{sv}", kv[0], g_variant_new_boolean (b));
  else
    return FALSE;
  return TRUE;
}

static int
cmd_add_link (Ctl *ctl, int argc, char **argv)
{
  GVariantBuilder options;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a{sv}"));
  for (int i = 1; i < argc; i++)
    if (!add_option (&options, argv[i]))
      {
        g_variant_builder_clear (&options);
        g_printerr (_ ("tttctl: add-link: '%s' is not weight=N, priority=N, metered=yes|no or enabled=yes|no\n"),
                    argv[i]);
        return EXIT_USAGE;
      }
  if (!tttd_dbus_manager_call_add_link_sync (ctl->manager, argv[0], g_variant_builder_end (&options), &path, NULL,
                                             &error))
    return fail_with (error);
  g_print ("%s\n", path);
  return EXIT_OK;
}

static int
cmd_remove_link (Ctl *ctl, G_GNUC_UNUSED int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdDBusLink) link = NULL;

  link = find_link (ctl->om, ctl->manager, argv[0], &error);
  if (link == NULL || !tttd_dbus_manager_call_remove_link_sync (
                        ctl->manager, g_dbus_proxy_get_object_path (G_DBUS_PROXY (link)), NULL, &error))
    return fail_with (error);
  return EXIT_OK;
}

static int
cmd_link (Ctl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdDBusLink) link = NULL;
  const char *verb = argc >= 2 ? argv[1] : "";
  guint value = 0;
  gboolean ok;

  if (argc < 2 ||
      ((g_strcmp0 (verb, "weight") == 0 || g_strcmp0 (verb, "priority") == 0) &&
       (argc != 3 || !parse_uint (argv[2], G_MAXUINT32, &value))) ||
      ((g_strcmp0 (verb, "enable") == 0 || g_strcmp0 (verb, "disable") == 0) && argc != 2))
    return usage_of (ctl->command);
  link = find_link (ctl->om, ctl->manager, argv[0], &error);
  if (link == NULL)
    return fail_with (error);
  if (g_strcmp0 (verb, "weight") == 0)
    ok = tttd_dbus_link_call_set_weight_sync (link, value, NULL, &error);
  else if (g_strcmp0 (verb, "priority") == 0)
    ok = tttd_dbus_link_call_set_priority_sync (link, value, NULL, &error);
  else if (g_strcmp0 (verb, "enable") == 0 || g_strcmp0 (verb, "disable") == 0)
    ok = tttd_dbus_link_call_set_enabled_sync (link, g_strcmp0 (verb, "enable") == 0, NULL, &error);
  else
    return usage_of (ctl->command);
  return ok ? EXIT_OK : fail_with (error);
}

static int
cmd_genkey (G_GNUC_UNUSED Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  guint8 *key = sodium_malloc (32);
  char text[TTTD_KEY_BASE64_LEN + 1];

  tttd_key_generate (key);
  tttd_key_to_base64 (key, text);
  sodium_free (key);
  g_print ("%s\n", text);
  sodium_memzero (text, sizeof text);
  return EXIT_OK;
}

static int
cmd_pubkey (G_GNUC_UNUSED Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  char line[256];
  guint8 *key = sodium_malloc (32);
  guint8 pub[32];
  char text[TTTD_KEY_BASE64_LEN + 1];
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (fgets (line, sizeof line, stdin) == NULL)
    {
      sodium_free (key);
      g_printerr (_ ("tttctl: pubkey: expected a private key on standard input\n"));
      return EXIT_FAILED;
    }
  ok = tttd_key_from_base64 (line, key, &error) && tttd_key_public (key, pub);
  sodium_memzero (line, sizeof line);
  sodium_free (key);
  if (!ok)
    {
      g_printerr (_ ("tttctl: pubkey: %s\n"), error ? error->message : _ ("not a usable private key"));
      return EXIT_FAILED;
    }
  tttd_key_to_base64 (pub, text);
  g_print ("%s\n", text);
  return EXIT_OK;
}

static int
cmd_monitor (Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  return tttctl_monitor (ctl->om, ctl->manager, opt_json);
}

static int
cmd_set_strategy (Ctl *ctl, G_GNUC_UNUSED int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  if (!tttd_dbus_manager_call_set_strategy_sync (ctl->manager, argv[0], NULL, &error))
    return fail_with (error);
  return EXIT_OK;
}

/* it connects by itself: a scrape while tttd is down still answers */
static int
cmd_metrics (G_GNUC_UNUSED Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  return tttctl_metrics (opt_session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, opt_http);
}

static int
cmd_reload (Ctl *ctl, G_GNUC_UNUSED int argc, G_GNUC_UNUSED char **argv)
{
  g_autoptr (GError) error = NULL;

  if (!tttd_dbus_manager_call_reload_sync (ctl->manager, NULL, &error))
    return fail_with (error);
  return EXIT_OK;
}

/* every command: its dispatch and its line in --help */
static const Command commands[] = {
  { "status", cmd_status, "", N_ ("the service's state"), TRUE, 0, 0 },
  { "links", cmd_links, "", N_ ("the bonded links"), TRUE, 0, 0 },
  { "peers", cmd_peers, "", N_ ("a server's clients"), TRUE, 0, 0 },
  { "monitor", cmd_monitor, "", N_ ("a live view of the links"), TRUE, 0, 0 },
  { "metrics", cmd_metrics, "[--http]", N_ ("Prometheus metrics (--http: answer one request on stdin)"), FALSE, 0, 0 },
  { "set-strategy", cmd_set_strategy, N_ ("STRATEGY"),
    N_ ("switch the scheduler: balance-rr, weighted, active-backup, redundant, lowest-rtt, "
        "metered-overflow, flow-hash, adaptive"),
    TRUE, 1, 1 },
  { "add-link", cmd_add_link, N_ ("IFACE [weight=N] [priority=N] [metered=yes|no] [enabled=yes|no]"),
    N_ ("bond an interface"), TRUE, 1, -1 },
  { "remove-link", cmd_remove_link, N_ ("IFACE"), N_ ("stop bonding an interface"), TRUE, 1, 1 },
  { "link", cmd_link, N_ ("IFACE weight N | priority N | enable | disable"), N_ ("change one link"), TRUE, 2, 3 },
  { "reload", cmd_reload, "", N_ ("read the configuration again"), TRUE, 0, 0 },
  { "genkey", cmd_genkey, "", N_ ("print a new private key"), FALSE, 0, 0 },
  { "pubkey", cmd_pubkey, "", N_ ("print the public key of the private key on stdin"), FALSE, 0, 0 },
};

#define USAGE_COLUMN 25
#define USAGE_WIDTH  79

/* "  name synopsis  help", the help wrapped at word boundaries */
static void
append_command_usage (GString *out, const Command *command)
{
  g_autofree char *head =
    g_strdup_printf ("  %s%s%s", command->name, *command->synopsis ? " " : "", synopsis_of (command));
  g_auto (GStrv) words = g_strsplit (_ (command->help), " ", -1);
  glong column = g_utf8_strlen (head, -1);

  g_string_append (out, head);
  if (column + 1 >= USAGE_COLUMN)
    {
      g_string_append_c (out, '\n');
      column = 0;
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      glong len = g_utf8_strlen (words[i], -1);

      if (column > USAGE_COLUMN && column + 1 + len > USAGE_WIDTH)
        {
          g_string_append_c (out, '\n');
          column = 0;
        }
      if (column < USAGE_COLUMN)
        {
          g_string_append_printf (out, "%*s", (int) (USAGE_COLUMN - column), "");
          column = USAGE_COLUMN;
        }
      else
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, words[i]);
      column += len;
    }
  g_string_append_c (out, '\n');
}

static char *
commands_usage (void)
{
  GString *out = g_string_new (_ ("Commands:\n"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    append_command_usage (out, &commands[i]);
  g_string_append_c (out, '\n');
  g_string_append (out, _ ("Exit status: 0 done, 1 refused or failed, 2 usage (also an unknown strategy),\n"
                           "3 tttd not running, 4 not allowed."));
  return g_string_free (out, FALSE);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json, N_ ("Print JSON (status, links, peers)"), NULL },
    { "http", 0, 0, G_OPTION_ARG_NONE, &opt_http, N_ ("metrics: answer one HTTP request read from stdin"), NULL },
    { "session-bus", 0, 0, G_OPTION_ARG_NONE, &opt_session, N_ ("Talk to tttd on the session bus"), NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusObjectManager) om = NULL;
  g_autoptr (TttdDBusManager) manager = NULL;
  g_autofree char *usage = NULL;
  const Command *command;
  Ctl ctl = { 0 };
  int n_args;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* tttd's error names decode to TTTD_ERROR from here on */
  (void) TTTD_ERROR;

  usage = commands_usage ();
  context = g_option_context_new (_ ("COMMAND [ARGUMENTS…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ ("Controls tttd, the link-bonding tunnel."));
  g_option_context_set_description (context, usage);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tttctl: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (version)
    {
      g_print ("tttctl %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  if (sodium_init () < 0)
    return EXIT_FAILED;
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return EXIT_USAGE;
    }
  command = find_command (argv[1]);
  if (command == NULL)
    {
      g_printerr (_ ("tttctl: unknown command '%s' (see tttctl --help)\n"), argv[1]);
      return EXIT_USAGE;
    }
  n_args = argc - 2;
  if (n_args < command->min_args || (command->max_args >= 0 && n_args > command->max_args))
    return usage_of (command);
  ctl.command = command;
  if (command->needs_bus)
    {
      om = connect_manager (&error);
      if (om == NULL || (manager = get_manager (om, &error)) == NULL)
        return fail_with (error);
      ctl.om = om;
      ctl.manager = manager;
    }
  return command->run (&ctl, n_args, argv + 2);
}
