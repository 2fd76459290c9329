/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "tttd-daemon.h"
#include "tttd-log.h"

static gboolean
on_signal_quit (gpointer user_data)
{
  GMainLoop *loop = user_data;

  tttd_log_message (NULL, "stopping", "stopping");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *dropin_dir = NULL;
  gboolean verbose = FALSE, debug = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file (default " TTTD_CONFIG_FILE ")"), N_("FILE") },
    { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, &dropin_dir, N_("Drop-in directory (default: conf.d beside the file)"), N_("DIR") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log informational messages"), NULL },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, N_("Log debugging messages"), NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(TttdDaemon) daemon = NULL;
  TttdDaemonOptions options = { 0 };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("tttd bonds several network links into one tunnel."));
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

  options.config_path = config_path != NULL ? config_path : TTTD_CONFIG_FILE;
  if (dropin_dir == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (options.config_path);
      dropin_dir = g_build_filename (dir, "conf.d", NULL);
    }
  options.dropin_dir = dropin_dir;

  loop = g_main_loop_new (NULL, FALSE);
  daemon = tttd_daemon_new (&options, &error);
  if (daemon == NULL)
    {
      g_printerr ("tttd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_unix_signal_add (SIGTERM, on_signal_quit, loop);
  g_unix_signal_add (SIGINT, on_signal_quit, loop);
  g_main_loop_run (loop);
  g_clear_pointer (&daemon, tttd_daemon_free);
  return EXIT_SUCCESS;
}
