/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "tttd-crypto.h"
#include "tttd-daemon.h"
#include "tttd-dbus-generated.h"
#include "tttd-dbus.h"
#include "tttd-names.h"

/* the D-Bus service as a client sees it: the real daemon and its objects on
 * a private session bus (GTestDBus), a socketpair standing in for the TUN
 * device, and the generated proxies on a connection of the test's own.
 *
 * Daemon and client share one thread and one main context, so every call
 * is made asynchronously and the test spins the context until the answer
 * is there: a synchronous call would block the very loop that must answer
 * it. */

#define WAIT_SECONDS     10
#define ERROR_NAME(name) TTTD_DBUS_ERROR_PREFIX "." name
#define TUN_NAME         "ttt9"
#define NO_SUCH_LINK     TTTD_DBUS_LINK_PATH "/999"

static GTestDBus *test_bus;

typedef struct {
  gboolean trusted;         /* the test's uid may call methods */
  const char *static_links; /* [links] static= */
} Setup;

static const Setup trusted_setup = { TRUE, NULL };
static const Setup untrusted_setup = { FALSE, "tttdtest9" };

typedef struct {
  const Setup *setup;
  const char *static_links; /* [links] static= of the next write_client_config */
  char *dir;
  char *config_path;
  char *key_path;
  char *peer_key; /* base64: the server's key, or a server's client */
  int tun;        /* our end of the socketpair: where the TUN device would be */
  TttdDaemon *daemon;
  TttdDBus *dbus;
  gboolean ready;
  gboolean owned;
  GDBusConnection *connection; /* the test's own, as a client's */
  TttdDBusManager *manager;
  GDBusObjectManager *objects;
  GAsyncResult *result;
  guint added_id;
  guint removed_id;
  GPtrArray *added;   /* object paths of InterfacesAdded, in order */
  GPtrArray *removed; /* object paths of InterfacesRemoved */
  guint changed_id;
  guint counter_signals;
  guint64 written;
} Fixture;

/* ---------------------------------------------------------------- helpers */

/* one iteration of the loop; a 100 ms tick (see main) keeps it from
 * blocking for ever, and the test fails at the deadline */
static void
spin (gint64 deadline, const char *what)
{
  if (g_get_monotonic_time () > deadline)
    {
      g_test_message ("timed out after %d s waiting for: %s", WAIT_SECONDS, what);
      g_assert_not_reached ();
    }
  g_main_context_iteration (NULL, TRUE);
}

#define WAIT_FOR(cond) \
  G_STMT_START \
  { \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC; \
    while (!(cond)) \
      spin (deadline_, #cond); \
  } \
  G_STMT_END

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
}

/* the result of the one call in flight */
static GAsyncResult *
wait_result (Fixture *f)
{
  WAIT_FOR (f->result != NULL);
  return g_steal_pointer (&f->result);
}

static void
assert_remote_error (const GError *error, const char *name)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, name) != 0)
    g_test_message ("expected %s, got: %s", name, error->message);
  g_assert_cmpstr (remote, ==, name);
}

static gboolean
strv_has (const char *const *strv, const char *value)
{
  return strv != NULL && g_strv_contains (strv, value);
}

static gboolean
paths_have (GPtrArray *paths, const char *path)
{
  return g_ptr_array_find_with_equal_func (paths, path, g_str_equal, NULL);
}

static void
write_file (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;

  /* replaced whole, as an editor does (GLib 2.74 does not truncate with
   * G_FILE_SET_CONTENTS_NONE) */
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
}

static void
write_client_config (Fixture *f, const char *strategy)
{
  g_autofree char *text = NULL;
  g_autofree char *links = NULL;

  if (f->static_links != NULL)
    links = g_strdup_printf ("static=%s\n", f->static_links);
  text = g_strdup_printf ("[tttd]\n"
                          "mode=client\n"
                          "tun=" TUN_NAME "\n"
                          "private-key-file=%s\n"
                          "strategy=%s\n"
                          "[links]\n"
                          "networkmanager=false\n"
                          "%s"
                          "[client]\n"
                          "server=192.0.2.1:5800\n"
                          "server-public-key=%s\n",
                          f->key_path, strategy, links ? links : "", f->peer_key);
  write_file (f->config_path, text);
}

/* a valid configuration, but of a server: a reload must refuse it */
static void
write_server_config (Fixture *f, const char *strategy)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("[tttd]\n"
                          "mode=server\n"
                          "tun=" TUN_NAME "\n"
                          "address=198.18.200.1/24\n"
                          "private-key-file=%s\n"
                          "strategy=%s\n"
                          "[server]\n"
                          "listen=127.0.0.1:5800\n"
                          "[peer laptop]\n"
                          "public-key=%s\n"
                          "address=198.18.200.2/32\n",
                          f->key_path, strategy, f->peer_key);
  write_file (f->config_path, text);
}

static void
on_ready (gboolean owned, gpointer user_data)
{
  Fixture *f = user_data;

  f->ready = TRUE;
  f->owned = owned;
}

static void
on_interfaces_added (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
                     const char *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  const char *object;
  g_autoptr (GVariant) interfaces = NULL;

  g_variant_get (parameters, "(&o@a{sa{sv}})", &object, &interfaces);
  g_ptr_array_add (f->added, g_strdup (object));
}

static void
on_interfaces_removed (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
                       const char *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  const char *object;

  g_variant_get (parameters, "(&o@as)", &object, NULL);
  g_ptr_array_add (f->removed, g_strdup (object));
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  TttdDaemonOptions options = { 0 };
  guint8 private_key[32], other_private[32], other_public[32];
  char text[TTTD_KEY_BASE64_LEN + 1];
  int fds[2];

  f->setup = data;
  f->static_links = f->setup->static_links;
  f->tun = -1;
  f->added = g_ptr_array_new_with_free_func (g_free);
  f->removed = g_ptr_array_new_with_free_func (g_free);
  f->dir = g_dir_make_tmp ("tttd-dbus-XXXXXX", &error);
  g_assert_no_error (error);
  f->config_path = g_build_filename (f->dir, "tttd.conf", NULL);
  f->key_path = g_build_filename (f->dir, "private.key", NULL);

  tttd_key_generate (private_key);
  tttd_key_to_base64 (private_key, text);
  write_file (f->key_path, text);
  sodium_memzero (private_key, sizeof private_key);
  sodium_memzero (text, sizeof text);
  tttd_key_generate (other_private);
  g_assert_true (tttd_key_public (other_private, other_public));
  tttd_key_to_base64 (other_public, text);
  f->peer_key = g_strdup (text);
  write_client_config (f, "weighted");

  /* with a TUN fd given, the daemon touches no device, address, route or
   * firewall; a real TUN fd is non-blocking, and so is this one */
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
  f->tun = fds[1];
  options.config_path = f->config_path;
  options.dropin_dir = NULL;
  options.tun_fd = fds[0];
  f->daemon = tttd_daemon_new (&options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->daemon);

  f->dbus = tttd_dbus_new (f->daemon, G_BUS_TYPE_SESSION, on_ready, f);
  if (f->setup->trusted)
    tttd_dbus_set_trusted_uid (f->dbus, getuid ());
  WAIT_FOR (f->ready);
  g_assert_true (f->owned);

  f->connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (test_bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  f->added_id = g_dbus_connection_signal_subscribe (f->connection, TTTD_DBUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                                    "InterfacesAdded", TTTD_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    on_interfaces_added, f, NULL);
  f->removed_id = g_dbus_connection_signal_subscribe (
    f->connection, TTTD_DBUS_NAME, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", TTTD_DBUS_PATH, NULL,
    G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, f, NULL);

  tttd_dbus_manager_proxy_new (f->connection, G_DBUS_PROXY_FLAGS_NONE, TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL, on_result,
                               f);
  result = wait_result (f);
  f->manager = tttd_dbus_manager_proxy_new_finish (result, &error);
  g_assert_no_error (error);
  tttd_dbus_object_manager_client_new (f->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                       TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL, on_result, f);
  result2 = wait_result (f);
  f->objects = tttd_dbus_object_manager_client_new_finish (result2, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->connection != NULL)
    {
      g_dbus_connection_signal_unsubscribe (f->connection, f->added_id);
      g_dbus_connection_signal_unsubscribe (f->connection, f->removed_id);
      if (f->changed_id != 0)
        g_dbus_connection_signal_unsubscribe (f->connection, f->changed_id);
    }
  g_clear_object (&f->objects);
  g_clear_object (&f->manager);
  if (f->connection != NULL)
    g_dbus_connection_close_sync (f->connection, NULL, NULL);
  g_clear_object (&f->connection);
  g_clear_pointer (&f->dbus, tttd_dbus_free);
  g_clear_pointer (&f->daemon, tttd_daemon_free); /* closes its end of the socketpair */
  if (f->tun >= 0)
    close (f->tun);
  /* what is still queued (NameOwnerChanged, idle emissions) goes now */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  (void) g_unlink (f->config_path);
  (void) g_unlink (f->key_path);
  (void) g_rmdir (f->dir);
  g_free (f->config_path);
  g_free (f->key_path);
  g_free (f->dir);
  g_free (f->peer_key);
  g_ptr_array_unref (f->added);
  g_ptr_array_unref (f->removed);
}

/* calls, each made asynchronously and waited for */

static gboolean
set_strategy (Fixture *f, const char *strategy, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_manager_call_set_strategy (f->manager, strategy, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_manager_call_set_strategy_finish (f->manager, result, error);
}

/* options: a GVariant text of type a{sv}, or NULL for none */
static char *
add_link (Fixture *f, const char *ifname, const char *options, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) parse_error = NULL;
  GVariant *value;
  char *path = NULL;

  value = g_variant_parse (G_VARIANT_TYPE_VARDICT, options ? options : "@a{sv} {}", NULL, NULL, &parse_error);
  g_assert_no_error (parse_error);
  tttd_dbus_manager_call_add_link (f->manager, ifname, value, NULL, on_result, f);
  g_variant_unref (value);
  result = wait_result (f);
  if (!tttd_dbus_manager_call_add_link_finish (f->manager, &path, result, error))
    return NULL;
  return path;
}

static gboolean
remove_link (Fixture *f, const char *path, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_manager_call_remove_link (f->manager, path, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_manager_call_remove_link_finish (f->manager, result, error);
}

static gboolean
reload (Fixture *f, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_manager_call_reload (f->manager, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_manager_call_reload_finish (f->manager, result, error);
}

static gboolean
set_weight (Fixture *f, TttdDBusLink *link, guint weight, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_link_call_set_weight (link, weight, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_link_call_set_weight_finish (link, result, error);
}

static gboolean
set_priority (Fixture *f, TttdDBusLink *link, guint priority, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_link_call_set_priority (link, priority, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_link_call_set_priority_finish (link, result, error);
}

static gboolean
set_enabled (Fixture *f, TttdDBusLink *link, gboolean enabled, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tttd_dbus_link_call_set_enabled (link, enabled, NULL, on_result, f);
  result = wait_result (f);
  return tttd_dbus_link_call_set_enabled_finish (link, result, error);
}

/* a raw method call: what the daemon says now, past any proxy's cache */
static GVariant *
call (Fixture *f, const char *path, const char *interface, const char *method, GVariant *parameters,
      const char *reply_type)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  g_dbus_connection_call (f->connection, TTTD_DBUS_NAME, path, interface, method, parameters,
                          G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, on_result, f);
  result = wait_result (f);
  reply = g_dbus_connection_call_finish (f->connection, result, &error);
  g_assert_no_error (error);
  return reply;
}

static GVariant *
get_property (Fixture *f, const char *path, const char *interface, const char *name)
{
  g_autoptr (GVariant) reply =
    call (f, path, "org.freedesktop.DBus.Properties", "Get", g_variant_new ("(ss)", interface, name), "(v)");
  GVariant *value;

  g_variant_get (reply, "(v)", &value);
  return value;
}

static char *
get_string_property (Fixture *f, const char *path, const char *interface, const char *name)
{
  g_autoptr (GVariant) value = get_property (f, path, interface, name);

  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING));
  return g_variant_dup_string (value, NULL);
}

/* the a{oa{sa{sv}}} of GetManagedObjects */
static GVariant *
get_managed_objects (Fixture *f)
{
  g_autoptr (GVariant) reply =
    call (f, TTTD_DBUS_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, "(a{oa{sa{sv}}})");

  return g_variant_get_child_value (reply, 0);
}

/* the proxy of a link object, once the object manager client has it */
static TttdDBusLink *
lookup_link (Fixture *f, const char *path)
{
  g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (f->objects, path);

  return object != NULL ? tttd_dbus_object_get_link (TTTD_DBUS_OBJECT (object)) : NULL;
}

static TttdDBusLink *
wait_link (Fixture *f, const char *path)
{
  TttdDBusLink *link = NULL;

  WAIT_FOR ((link = lookup_link (f, path)) != NULL);
  return link;
}

static guint
n_links (Fixture *f)
{
  const char *const *links = tttd_dbus_manager_get_links (f->manager);

  return links != NULL ? g_strv_length ((char **) links) : 0;
}

/* objects the object manager client knows */
static guint
n_objects (Fixture *f)
{
  g_autolist (GDBusObject) objects = g_dbus_object_manager_get_objects (f->objects);

  return g_list_length (objects);
}

static gboolean
has_object (GVariant *managed_objects, const char *path)
{
  g_autoptr (GVariant) interfaces = g_variant_lookup_value (managed_objects, path, NULL);

  return interfaces != NULL;
}

/* ---------------------------------------------------------------- cases */

static void
test_properties (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) counters = NULL;
  guint64 value;

  g_assert_cmpuint (tttd_dbus_manager_get_version (f->manager), ==, 1);
  g_assert_cmpstr (tttd_dbus_manager_get_mode (f->manager), ==, "client");
  /* no session with the server (there is none at 192.0.2.1) */
  g_assert_cmpstr (tttd_dbus_manager_get_state (f->manager), ==, "connecting");
  g_assert_cmpstr (tttd_dbus_manager_get_strategy (f->manager), ==, "weighted");
  g_assert_cmpstr (tttd_dbus_manager_get_tun_interface (f->manager), ==, TUN_NAME);
  g_assert_nonnull (tttd_dbus_manager_get_tunnel_addresses (f->manager));
  g_assert_cmpuint (tttd_dbus_manager_get_mtu (f->manager), >, 0);
  g_assert_nonnull (tttd_dbus_manager_get_links (f->manager));
  g_assert_cmpuint (n_links (f), ==, 0);
  g_assert_nonnull (tttd_dbus_manager_get_peers (f->manager));
  g_assert_cmpuint (g_strv_length ((char **) tttd_dbus_manager_get_peers (f->manager)), ==, 0);
  g_assert_cmpuint (tttd_dbus_manager_get_rx_bytes (f->manager), ==, 0);
  g_assert_cmpuint (tttd_dbus_manager_get_tx_bytes (f->manager), ==, 0);
  counters = tttd_dbus_manager_dup_counters (f->manager);
  g_assert_nonnull (counters);
  g_assert_true (g_variant_is_of_type (counters, G_VARIANT_TYPE ("a{st}")));
  for (guint i = 0; i < 3; i++)
    {
      const char *name = (const char *[]){ "tx-no-session", "rx-auth-failed", "tun-write-errors" }[i];
      g_assert_true (g_variant_lookup (counters, name, "t", &value));
      g_assert_cmpuint (value, ==, 0);
    }
  /* a server counts handshakes; a client does not */
  g_assert_false (g_variant_lookup (counters, "handshakes", "t", &value));
}

static void
test_set_strategy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *now = NULL;

  g_assert_true (set_strategy (f, "redundant", &error));
  g_assert_no_error (error);
  WAIT_FOR (g_strcmp0 (tttd_dbus_manager_get_strategy (f->manager), "redundant") == 0);

  g_assert_false (set_strategy (f, "fastest-please", &error));
  assert_remote_error (error, ERROR_NAME ("UnknownStrategy"));
  /* the message names the choices */
  g_assert_nonnull (strstr (error->message, "active-backup"));
  g_clear_error (&error);
  g_assert_false (set_strategy (f, "", &error));
  assert_remote_error (error, ERROR_NAME ("UnknownStrategy"));
  now = get_string_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Strategy");
  g_assert_cmpstr (now, ==, "redundant");
}

static void
test_add_link (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *again = NULL;
  g_autoptr (TttdDBusLink) link = NULL;

  path = add_link (f, "tttdtest0",
                   "{'weight': <uint32 30>, 'priority': <uint32 5>, 'metered': <true>, 'enabled': <false>}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_true (g_str_has_prefix (path, TTTD_DBUS_LINK_PATH "/"));
  g_assert_true (g_variant_is_object_path (path));
  WAIT_FOR (paths_have (f->added, path));
  WAIT_FOR (strv_has (tttd_dbus_manager_get_links (f->manager), path));
  g_assert_cmpuint (n_links (f), ==, 1);

  link = wait_link (f, path);
  g_assert_cmpstr (tttd_dbus_link_get_interface (link), ==, "tttdtest0");
  g_assert_cmpstr (tttd_dbus_link_get_source (link), ==, "dbus");
  g_assert_cmpuint (tttd_dbus_link_get_weight (link), ==, 30);
  g_assert_cmpuint (tttd_dbus_link_get_priority (link), ==, 5);
  g_assert_true (tttd_dbus_link_get_metered (link));
  g_assert_false (tttd_dbus_link_get_enabled (link));
  /* the interface does not exist: bonded, but no socket */
  g_assert_cmpstr (tttd_dbus_link_get_local_address (link), ==, "");
  g_assert_nonnull (tttd_dbus_link_get_state (link));
  g_assert_cmpstr (tttd_dbus_link_get_state (link), !=, "");

  again = add_link (f, "tttdtest0", NULL, &error);
  g_assert_null (again);
  assert_remote_error (error, ERROR_NAME ("Exists"));
  g_assert_cmpuint (f->added->len, ==, 1);
}

static void
test_add_link_invalid (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *ifname;
    const char *options;
  } bad[] = {
    { "a/b", NULL },
    { "", NULL },
    { "abcdefghijklmnop", NULL },               /* 16 characters: IFNAMSIZ is 16 with the NUL */
    { TUN_NAME, NULL },                         /* tttd's own tunnel device */
    { "tttdtest0", "{'colour': <'blue'>}" },    /* unknown option */
    { "tttdtest0", "{'weight': <'30'>}" },      /* wrong type */
    { "tttdtest0", "{'weight': <int32 30>}" },  /* wrong type: u wanted */
    { "tttdtest0", "{'metered': <uint32 1>}" }, /* wrong type: b wanted */
    { "tttdtest0", "{'weight': <uint32 0>}" },  /* out of range */
    { "tttdtest0", "{'weight': <uint32 1001>}" },
    { "tttdtest0", "{'priority': <uint32 1001>}" },
  };
  g_autoptr (GVariant) objects = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = NULL;

      g_test_message ("AddLink ('%s', %s)", bad[i].ifname, bad[i].options ? bad[i].options : "{}");
      path = add_link (f, bad[i].ifname, bad[i].options, &error);
      g_assert_null (path);
      assert_remote_error (error, ERROR_NAME ("InvalidArgument"));
    }
  /* a refused call leaves nothing behind; the reply follows any signal */
  objects = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (objects), ==, 0);
  g_assert_cmpuint (f->added->len, ==, 0);
  g_assert_cmpuint (n_links (f), ==, 0);
}

/* names the kernel refuses (dev_valid_name), and so does the config file
 * for [link NAME] and static=: AddLink must not bond what can never exist */
static void
test_add_link_bad_name (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = { "a:b", "wan 0", "wan\t0", "wan\n0", ".", ".." };
  g_autoptr (GVariant) objects = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *shown = g_strescape (bad[i], NULL);

      g_test_message ("AddLink ('%s')", shown);
      path = add_link (f, bad[i], NULL, &error);
      g_assert_null (path);
      assert_remote_error (error, ERROR_NAME ("InvalidArgument"));
    }
  objects = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (objects), ==, 0);
  g_assert_cmpuint (f->added->len, ==, 0);
}

static void
test_link_methods (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (TttdDBusLink) link = NULL;
  g_autoptr (GVariant) weight = NULL;
  g_autoptr (GVariant) priority = NULL;

  path = add_link (f, "tttdtest0", NULL, &error);
  g_assert_no_error (error);
  link = wait_link (f, path);
  g_assert_true (tttd_dbus_link_get_enabled (link));

  g_assert_true (set_weight (f, link, 500, &error));
  g_assert_no_error (error);
  WAIT_FOR (tttd_dbus_link_get_weight (link) == 500);
  g_assert_true (set_weight (f, link, 1, &error));
  WAIT_FOR (tttd_dbus_link_get_weight (link) == 1);
  g_assert_true (set_weight (f, link, 1000, &error));
  WAIT_FOR (tttd_dbus_link_get_weight (link) == 1000);
  g_assert_false (set_weight (f, link, 0, &error));
  assert_remote_error (error, ERROR_NAME ("InvalidArgument"));
  g_clear_error (&error);
  g_assert_false (set_weight (f, link, 1001, &error));
  assert_remote_error (error, ERROR_NAME ("InvalidArgument"));
  g_clear_error (&error);
  weight = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Weight");
  g_assert_cmpuint (g_variant_get_uint32 (weight), ==, 1000);

  g_assert_true (set_priority (f, link, 7, &error));
  g_assert_no_error (error);
  WAIT_FOR (tttd_dbus_link_get_priority (link) == 7);
  g_assert_true (set_priority (f, link, 0, &error));
  WAIT_FOR (tttd_dbus_link_get_priority (link) == 0);
  g_assert_true (set_priority (f, link, 1000, &error));
  WAIT_FOR (tttd_dbus_link_get_priority (link) == 1000);
  g_assert_false (set_priority (f, link, 1001, &error));
  assert_remote_error (error, ERROR_NAME ("InvalidArgument"));
  g_clear_error (&error);
  priority = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Priority");
  g_assert_cmpuint (g_variant_get_uint32 (priority), ==, 1000);

  g_assert_true (set_enabled (f, link, FALSE, &error));
  g_assert_no_error (error);
  WAIT_FOR (!tttd_dbus_link_get_enabled (link));
  g_assert_true (set_enabled (f, link, TRUE, &error));
  g_assert_no_error (error);
  WAIT_FOR (tttd_dbus_link_get_enabled (link));
}

static void
test_remove_link (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GVariant) objects = NULL;

  path = add_link (f, "tttdtest0", NULL, &error);
  g_assert_no_error (error);
  WAIT_FOR (strv_has (tttd_dbus_manager_get_links (f->manager), path));

  g_assert_true (remove_link (f, path, &error));
  g_assert_no_error (error);
  WAIT_FOR (paths_have (f->removed, path));
  WAIT_FOR (!strv_has (tttd_dbus_manager_get_links (f->manager), path));
  g_assert_cmpuint (n_links (f), ==, 0);
  objects = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (objects), ==, 0);

  /* gone now, and never there */
  g_assert_false (remove_link (f, path, &error));
  assert_remote_error (error, ERROR_NAME ("UnknownInterface"));
  g_clear_error (&error);
  g_assert_false (remove_link (f, NO_SUCH_LINK, &error));
  assert_remote_error (error, ERROR_NAME ("UnknownInterface"));
  g_assert_nonnull (strstr (error->message, NO_SUCH_LINK));
  g_clear_error (&error);
  g_assert_false (remove_link (f, TTTD_DBUS_PATH, &error));
  assert_remote_error (error, ERROR_NAME ("UnknownInterface"));
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (TttdDBusLink) config_link = NULL;
  g_autoptr (GVariant) weight = NULL;
  const char *config_path;

  /* a link added over D-Bus outlives the reload */
  path = add_link (f, "tttdtest0", "{'weight': <uint32 42>}", &error);
  g_assert_no_error (error);
  WAIT_FOR (strv_has (tttd_dbus_manager_get_links (f->manager), path));

  /* the difference is applied: the strategy, and a static link to bond */
  f->static_links = "tttdtest5";
  write_client_config (f, "lowest-rtt");
  g_assert_true (reload (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (g_strcmp0 (tttd_dbus_manager_get_strategy (f->manager), "lowest-rtt") == 0);
  WAIT_FOR (f->added->len == 2);
  config_path = g_ptr_array_index (f->added, 1);
  config_link = wait_link (f, config_path);
  g_assert_cmpstr (tttd_dbus_link_get_interface (config_link), ==, "tttdtest5");
  g_assert_cmpstr (tttd_dbus_link_get_source (config_link), ==, "config");
  WAIT_FOR (n_links (f) == 2);
  g_assert_true (strv_has (tttd_dbus_manager_get_links (f->manager), path));
  g_assert_cmpuint (f->removed->len, ==, 0);
  weight = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Weight");
  g_assert_cmpuint (g_variant_get_uint32 (weight), ==, 42);

  /* gone from the file, gone from the bus; the D-Bus link stays */
  f->static_links = NULL;
  write_client_config (f, "lowest-rtt");
  g_assert_true (reload (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->removed->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->removed, 0), ==, config_path);
  WAIT_FOR (n_links (f) == 1);
  g_assert_true (strv_has (tttd_dbus_manager_get_links (f->manager), path));
}

static void
test_reload_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *strategy = NULL;

  /* a server's configuration, with another strategy: all or nothing */
  write_server_config (f, "redundant");
  g_assert_false (reload (f, &error));
  assert_remote_error (error, ERROR_NAME ("Config"));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "mode"));
  g_assert_nonnull (strstr (error->message, "restart"));
  mode = get_string_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Mode");
  strategy = get_string_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Strategy");
  g_assert_cmpstr (mode, ==, "client");
  g_assert_cmpstr (strategy, ==, "weighted");

  /* and the daemon still reloads a good file afterwards */
  g_clear_error (&error);
  write_client_config (f, "active-backup");
  g_assert_true (reload (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (g_strcmp0 (tttd_dbus_manager_get_strategy (f->manager), "active-backup") == 0);
}

static void
test_reload_syntax (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *where = NULL;
  g_autofree char *strategy = NULL;

  text = g_strdup_printf ("[tttd]\n"
                          "mode=client\n"
                          "strategy=redundant\n"
                          "this is not a setting\n" /* line 4 */
                          "private-key-file=%s\n"
                          "[client]\n"
                          "server=192.0.2.1:5800\n"
                          "server-public-key=%s\n",
                          f->key_path, f->peer_key);
  write_file (f->config_path, text);
  g_assert_false (reload (f, &error));
  assert_remote_error (error, ERROR_NAME ("Config"));
  g_test_message ("%s", error->message);
  /* "FILE:LINE:" so that a person can go there */
  where = g_strdup_printf ("%s:4:", f->config_path);
  g_assert_nonnull (strstr (error->message, where));
  strategy = get_string_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Strategy");
  g_assert_cmpstr (strategy, ==, "weighted");
}

static void
test_not_permitted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdDBusLink) link = NULL;
  g_autofree char *path = NULL;
  g_autofree char *strategy = NULL;
  g_autoptr (GVariant) weight = NULL;
  g_autoptr (GVariant) priority = NULL;
  g_autoptr (GVariant) enabled = NULL;
  const char *const *links;
  guint weight_before, priority_before;

  if (getuid () == 0)
    {
      /* root may always call; the lab test dbus-policy covers root and nobody */
      g_test_skip ("root is always permitted: run as another user to test the refusal");
      return;
    }
  /* reading is for everyone */
  g_assert_cmpstr (tttd_dbus_manager_get_strategy (f->manager), ==, "weighted");
  links = tttd_dbus_manager_get_links (f->manager);
  g_assert_cmpuint (n_links (f), ==, 1);
  path = g_strdup (links[0]);
  link = wait_link (f, path);
  g_assert_cmpstr (tttd_dbus_link_get_source (link), ==, "config");
  g_assert_true (tttd_dbus_link_get_enabled (link));
  weight_before = tttd_dbus_link_get_weight (link);
  priority_before = tttd_dbus_link_get_priority (link);

  g_assert_false (set_strategy (f, "redundant", &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_null (add_link (f, "tttdtest0", NULL, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_false (remove_link (f, path, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_false (reload (f, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_false (set_weight (f, link, weight_before + 1, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_false (set_priority (f, link, priority_before + 1, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);
  g_assert_false (set_enabled (f, link, FALSE, &error));
  assert_remote_error (error, ERROR_NAME ("NotPermitted"));
  g_clear_error (&error);

  /* and nothing changed */
  strategy = get_string_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Strategy");
  g_assert_cmpstr (strategy, ==, "weighted");
  weight = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Weight");
  g_assert_cmpuint (g_variant_get_uint32 (weight), ==, weight_before);
  priority = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Priority");
  g_assert_cmpuint (g_variant_get_uint32 (priority), ==, priority_before);
  enabled = get_property (f, path, TTTD_DBUS_LINK_IFACE, "Enabled");
  g_assert_true (g_variant_get_boolean (enabled));
  g_assert_cmpuint (n_links (f), ==, 1);
  g_assert_cmpuint (f->added->len, ==, 0);
  g_assert_cmpuint (f->removed->len, ==, 0);
}

/* PropertiesChanged of the Manager that carry counters */
static void
on_manager_changed (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
                    const char *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  const char *name;
  g_autoptr (GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;

  g_variant_get (parameters, "(&s@a{sv}^a&s)", &name, &changed, &invalidated);
  if (g_strcmp0 (name, TTTD_DBUS_MANAGER_IFACE) != 0)
    return;
  if (g_variant_lookup (changed, "Counters", "@a{st}", NULL) || g_variant_lookup (changed, "TxBytes", "t", NULL) ||
      strv_has (invalidated, "Counters") || strv_has (invalidated, "TxBytes"))
    f->counter_signals++;
}

/* an IPv4/UDP packet from the client's tunnel address, header checksum right */
static void
make_packet (guint8 *packet, gsize len)
{
  guint32 sum = 0;

  memset (packet, 0, len);
  packet[0] = 0x45;
  packet[2] = (guint8) (len >> 8);
  packet[3] = (guint8) len;
  packet[6] = 0x40; /* don't fragment */
  packet[8] = 64;
  packet[9] = 17; /* UDP */
  memcpy (packet + 12, (guint8[]){ 198, 18, 200, 2 }, 4);
  memcpy (packet + 16, (guint8[]){ 198, 18, 200, 1 }, 4);
  for (guint i = 0; i < 20; i += 2)
    sum += (guint32) (packet[i] << 8 | packet[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  packet[10] = (guint8) (~sum >> 8);
  packet[11] = (guint8) ~sum;
  packet[20] = 0x30, packet[21] = 0x39; /* 12345 -> 53 */
  packet[22] = 0x00, packet[23] = 0x35;
  packet[24] = (guint8) ((len - 20) >> 8), packet[25] = (guint8) (len - 20);
}

static gboolean
on_write_tick (gpointer user_data)
{
  Fixture *f = user_data;
  guint8 packet[100];

  make_packet (packet, sizeof packet);
  for (guint i = 0; i < 32; i++)
    {
      if (write (f->tun, packet, sizeof packet) < 0)
        {
          g_assert_cmpint (errno, ==, EAGAIN); /* the daemon is behind: next tick */
          break;
        }
      f->written++;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_properties_changed_rate (Fixture *f, gconstpointer data)
{
  g_autoptr (GSource) writer = NULL;
  g_autoptr (GVariant) counters = NULL;
  gint64 end;
  guint64 no_session = 0;

  f->changed_id = g_dbus_connection_signal_subscribe (f->connection, TTTD_DBUS_NAME, "org.freedesktop.DBus.Properties",
                                                      "PropertiesChanged", TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE,
                                                      G_DBUS_SIGNAL_FLAGS_NONE, on_manager_changed, f, NULL);
  /* a busy tunnel: a packet every few hundred microseconds for 3 s; with
   * no session the daemon drops each one and counts it */
  writer = g_timeout_source_new (5);
  g_source_set_callback (writer, on_write_tick, f, NULL);
  g_source_attach (writer, NULL);
  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  WAIT_FOR (g_get_monotonic_time () >= end);
  g_source_destroy (writer);
  g_dbus_connection_signal_unsubscribe (f->connection, f->changed_id);
  f->changed_id = 0;

  g_test_message ("%" G_GUINT64_FORMAT " packets written in 3 s; %u PropertiesChanged with counters", f->written,
                  f->counter_signals);
  g_assert_cmpuint (f->written, >, 1000);
  /* at most once a second (plus one for where the window falls) */
  g_assert_cmpuint (f->counter_signals, <=, 4);
  g_assert_cmpuint (f->counter_signals, >=, 1);
  counters = get_property (f, TTTD_DBUS_PATH, TTTD_DBUS_MANAGER_IFACE, "Counters");
  g_assert_true (g_variant_lookup (counters, "tx-no-session", "t", &no_session));
  g_assert_cmpuint (no_session, >, 0);
  g_assert_cmpuint (no_session, <=, f->written);
}

static void
test_object_manager (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) before = NULL;
  g_autoptr (GVariant) both = NULL;
  g_autoptr (GVariant) one = NULL;
  g_autoptr (GVariant) after = NULL;
  g_autoptr (GVariant) interfaces = NULL;
  g_autoptr (GVariant) properties = NULL;
  g_autofree char *path0 = NULL;
  g_autofree char *path1 = NULL;
  g_autofree char *path2 = NULL;
  const char *name = NULL, *source = NULL;

  before = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (before), ==, 0);
  g_assert_cmpuint (n_objects (f), ==, 0);

  path0 = add_link (f, "tttdtest0", NULL, &error);
  g_assert_no_error (error);
  path1 = add_link (f, "tttdtest1", "{'metered': <true>}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path0, !=, path1);
  WAIT_FOR (f->added->len == 2);
  g_assert_cmpstr (g_ptr_array_index (f->added, 0), ==, path0);
  g_assert_cmpstr (g_ptr_array_index (f->added, 1), ==, path1);

  both = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (both), ==, 2);
  interfaces = g_variant_lookup_value (both, path1, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_assert_nonnull (interfaces);
  properties = g_variant_lookup_value (interfaces, TTTD_DBUS_LINK_IFACE, G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (properties);
  g_assert_true (g_variant_lookup (properties, "Interface", "&s", &name));
  g_assert_cmpstr (name, ==, "tttdtest1");
  g_assert_true (g_variant_lookup (properties, "Source", "&s", &source));
  g_assert_cmpstr (source, ==, "dbus");
  WAIT_FOR (n_objects (f) == 2);
  /* Links lists them in the order they were added */
  WAIT_FOR (n_links (f) == 2);
  g_assert_cmpstr (tttd_dbus_manager_get_links (f->manager)[0], ==, path0);
  g_assert_cmpstr (tttd_dbus_manager_get_links (f->manager)[1], ==, path1);

  g_assert_true (remove_link (f, path0, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->removed->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->removed, 0), ==, path0);
  one = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (one), ==, 1);
  g_assert_false (has_object (one, path0));
  g_assert_true (has_object (one, path1));

  /* the same interface again gets a new object: paths are not reused */
  path2 = add_link (f, "tttdtest0", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path2, !=, path0);
  g_assert_cmpstr (path2, !=, path1);
  WAIT_FOR (f->added->len == 3);

  g_assert_true (remove_link (f, path1, &error));
  g_assert_true (remove_link (f, path2, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->removed->len == 3);
  after = get_managed_objects (f);
  g_assert_cmpuint (g_variant_n_children (after), ==, 0);
  WAIT_FOR (n_links (f) == 0);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int rc;
  g_autofree char *bus_daemon = g_find_program_in_path ("dbus-daemon");

  g_test_init (&argc, &argv, NULL);
  if (bus_daemon == NULL)
    {
      g_printerr ("dbus-daemon is not installed: skipping the D-Bus tests\n");
      return 77;
    }
  tttd_crypto_init (&error);
  g_assert_no_error (error);
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  g_timeout_add (100, on_tick, NULL);

  g_test_add ("/tttd/dbus/properties", Fixture, &trusted_setup, setup, test_properties, teardown);
  g_test_add ("/tttd/dbus/set-strategy", Fixture, &trusted_setup, setup, test_set_strategy, teardown);
  g_test_add ("/tttd/dbus/add-link", Fixture, &trusted_setup, setup, test_add_link, teardown);
  g_test_add ("/tttd/dbus/add-link-invalid", Fixture, &trusted_setup, setup, test_add_link_invalid, teardown);
  g_test_add ("/tttd/dbus/link-methods", Fixture, &trusted_setup, setup, test_link_methods, teardown);
  g_test_add ("/tttd/dbus/remove-link", Fixture, &trusted_setup, setup, test_remove_link, teardown);
  g_test_add ("/tttd/dbus/reload", Fixture, &trusted_setup, setup, test_reload, teardown);
  g_test_add ("/tttd/dbus/reload-refused", Fixture, &trusted_setup, setup, test_reload_refused, teardown);
  g_test_add ("/tttd/dbus/reload-syntax", Fixture, &trusted_setup, setup, test_reload_syntax, teardown);
  g_test_add ("/tttd/dbus/not-permitted", Fixture, &untrusted_setup, setup, test_not_permitted, teardown);
  g_test_add ("/tttd/dbus/properties-changed-rate", Fixture, &trusted_setup, setup, test_properties_changed_rate,
              teardown);
  g_test_add ("/tttd/dbus/object-manager", Fixture, &trusted_setup, setup, test_object_manager, teardown);

  /* last: it fails until AddLink checks names as the config file does */
  g_test_add ("/tttd/dbus/add-link-bad-name", Fixture, &trusted_setup, setup, test_add_link_bad_name, teardown);

  rc = g_test_run ();
  g_test_dbus_down (test_bus);
  g_clear_object (&test_bus);
  return rc;
}
