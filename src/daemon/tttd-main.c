/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttd's entry point: options, logging, signals, the bus and the main loop */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <sodium.h>
#include <glib/gi18n.h>

#include "tttd-cleanup.h"
#include "tttd-config.h"
#include "tttd-daemon.h"
#include "tttd-dbus.h"
#include "tttd-harden.h"
#include "tttd-keyfile.h"
#include "tttd-log.h"
#include "tttd-nm.h"
#include "tttd-systemd.h"

typedef struct {
  GMainLoop *loop;
  TttdDaemon *daemon;
  TttdSystemd *systemd;
} Service;

static gboolean
on_quit (gpointer user_data)
{
  Service *service = user_data;

  tttd_log_message (NULL, "stopping", "stopping");
  tttd_systemd_stopping (service->systemd);
  g_main_loop_quit (service->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload (gpointer user_data)
{
  Service *service = user_data;
  g_autoptr (GError) error = NULL;

  if (!tttd_daemon_reload (service->daemon, &error))
    tttd_log_warning (NULL, "reload", "reload refused: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_bus_ready (gboolean owned, gpointer user_data)
{
  Service *service = user_data;

  tttd_systemd_ready (service->systemd);
}

/* --check: what a start would refuse, without starting (for packaging
 * scripts and ExecReload guards); exit 0 if it would start */
static int
check_config (const TttdDaemonOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdConfig) config = tttd_config_load (options->config_path, options->dropin_dir, &error);
  guint8 key[32];

  if (config == NULL || !tttd_keyfile_read (config->private_key_file, key, &error))
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  sodium_memzero (key, sizeof key);
  if (config->mode == TTTD_MODE_CLIENT)
    g_print (_ ("%s: the configuration is valid (client, %u static links, %s)\n"), options->config_path,
             config->static_links != NULL ? g_strv_length (config->static_links) : 0,
             config->networkmanager ? _ ("follows NetworkManager") : _ ("without NetworkManager"));
  else
    g_print (_ ("%s: the configuration is valid (server, %u peers)\n"), options->config_path, config->peers->len);
  return EXIT_SUCCESS;
}

/* --cleanup: what a tttd that did not stop cleanly left (the unit's
 * ExecStopPost=); it needs only the TUN device's name, so a configuration
 * broken since the start falls back to the default one */
static int
cleanup (const TttdDaemonOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdConfig) config = tttd_config_load (options->config_path, options->dropin_dir, &error);
  g_autofree char *summary = NULL;
  const char *tun = config != NULL ? config->tun : TTTD_DEFAULT_TUN;

  if (config == NULL)
    {
      g_printerr ("tttd: %s; cleaning up after %s\n", error->message, tun);
      g_clear_error (&error);
    }
  if (!tttd_cleanup (tun, &summary, &error))
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (summary != NULL)
    tttd_log_message (NULL, "cleanup", "removed what the last tttd left: %s", summary);
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *dropin_dir = NULL;
  g_autofree char *config_help = NULL;
  gboolean verbose = FALSE, debug = FALSE, version = FALSE, session_bus = FALSE, no_bus = FALSE, check = FALSE,
           clean = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, NULL, N_ ("FILE") },
    { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, &dropin_dir,
      N_ ("Drop-in directory (default: conf.d beside the file)"), N_ ("DIR") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log informational messages"), NULL },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, N_ ("Log debugging messages"), NULL },
    { "session-bus", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_ ("Serve on the session bus instead of the system bus"),
      NULL },
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &no_bus, N_ ("Do not serve on D-Bus"), NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, N_ ("Check the configuration and the private key, then exit"), NULL },
    { "cleanup", 0, 0, G_OPTION_ARG_NONE, &clean,
      N_ ("Remove what a tttd that did not stop cleanly left (its firewall table, routes and rules), then exit"),
      NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (TttdDaemon) daemon = NULL;
  g_autoptr (TttdSystemd) systemd = NULL;
  g_autoptr (TttdDBus) dbus = NULL;
  g_autoptr (TttdNm) nm = NULL;
  TttdDaemonOptions options = { .tun_fd = -1 };
  Service service = { 0 };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  config_help = g_strdup_printf (_ ("Configuration file (default %s)"), TTTD_CONFIG_FILE);
  entries[0].description = config_help;
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ ("Bonds several network links into one tunnel."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (version)
    {
      g_print ("tttd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  tttd_log_setup (debug ? TTTD_LOG_DEBUG : verbose ? TTTD_LOG_VERBOSE : TTTD_LOG_NORMAL);

  /* before the private key is read, also for --check */
  if (!tttd_harden_process (&error))
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  options.config_path = config_path != NULL ? config_path : TTTD_CONFIG_FILE;
  if (dropin_dir == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (options.config_path);
      dropin_dir = g_build_filename (dir, "conf.d", NULL);
    }
  options.dropin_dir = dropin_dir;

  if (check)
    return check_config (&options);
  if (clean)
    return cleanup (&options);

  loop = g_main_loop_new (NULL, FALSE);
  daemon = tttd_daemon_new (&options, &error);
  if (daemon == NULL)
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  systemd = tttd_systemd_new (daemon);
  service.loop = loop;
  service.daemon = daemon;
  service.systemd = systemd;
  g_unix_signal_add (SIGTERM, on_quit, &service);
  g_unix_signal_add (SIGINT, on_quit, &service);
  g_unix_signal_add (SIGHUP, on_reload, &service);
  if (no_bus)
    tttd_systemd_ready (systemd);
  else
    dbus = tttd_dbus_new (daemon, session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, on_bus_ready, &service);
  if (tttd_daemon_client (daemon) != NULL && tttd_daemon_config (daemon)->networkmanager)
    nm = tttd_nm_new (daemon);
  g_main_loop_run (loop);
  g_clear_pointer (&nm, tttd_nm_free);
  g_clear_pointer (&dbus, tttd_dbus_free);
  g_clear_pointer (&systemd, tttd_systemd_free);
  g_clear_pointer (&daemon, tttd_daemon_free);
  return EXIT_SUCCESS;
}
