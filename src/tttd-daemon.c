/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include "tttd-crypto.h"
#include "tttd-daemon.h"
#include "tttd-keyfile.h"
#include "tttd-log.h"

struct _TttdDaemon {
  TttdDaemonOptions options;
  TttdConfig       *config;
  TttdClient       *client;
  TttdServer       *server;
};

static const TttdClientEvents client_events = { 0 };
static const TttdServerEvents server_events = { 0 };

TttdDaemon *
tttd_daemon_new (const TttdDaemonOptions *options, GError **error)
{
  g_autoptr(TttdDaemon) daemon = g_new0 (TttdDaemon, 1);
  guint8 *key;

  daemon->options = *options;
  if (!tttd_crypto_init (error))
    return NULL;
  daemon->config = tttd_config_load (options->config_path, options->dropin_dir, error);
  if (daemon->config == NULL)
    return NULL;
  key = sodium_malloc (32);
  if (!tttd_keyfile_read (daemon->config->private_key_file, key, error))
    {
      sodium_free (key);
      return NULL;
    }
  if (daemon->config->mode == TTTD_MODE_CLIENT)
    daemon->client = tttd_client_new (daemon->config, key, &client_events, daemon, error);
  else
    daemon->server = tttd_server_new (daemon->config, key, &server_events, daemon, error);
  sodium_free (key);
  if (daemon->client == NULL && daemon->server == NULL)
    return NULL;
  return g_steal_pointer (&daemon);
}

void
tttd_daemon_free (TttdDaemon *daemon)
{
  if (daemon == NULL)
    return;
  g_clear_pointer (&daemon->client, tttd_client_free);
  g_clear_pointer (&daemon->server, tttd_server_free);
  g_clear_pointer (&daemon->config, tttd_config_free);
  g_free (daemon);
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
