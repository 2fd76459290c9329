/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-client.h"
#include "tttd-config.h"
#include "tttd-server.h"

G_BEGIN_DECLS

/* the service: the configuration, the role it runs (client or server), and
 * the operations that D-Bus, NetworkManager and signals drive; every
 * integration calls these, so that each does the same thing the same way */
typedef struct _TttdDaemon TttdDaemon;

typedef struct {
  const char *config_path;
  const char *dropin_dir;
  int tun_fd; /* tests: a socketpair end instead of a TUN device; -1 */
} TttdDaemonOptions;

/* optional link settings of an AddLink call; the rest come from the config */
typedef struct {
  gboolean has_weight, has_priority, has_metered, has_enabled;
  guint weight, priority;
  gboolean metered, enabled;
} TttdLinkOptions;

TttdDaemon *tttd_daemon_new (const TttdDaemonOptions *options, GError **error);
void tttd_daemon_free (TttdDaemon *daemon);
void tttd_daemon_add_events (TttdDaemon *daemon, const TttdEvents *events, gpointer data);
void tttd_daemon_remove_events (TttdDaemon *daemon, gpointer data);
const TttdConfig *tttd_daemon_config (TttdDaemon *daemon);
TttdClient *tttd_daemon_client (TttdDaemon *daemon);
TttdServer *tttd_daemon_server (TttdDaemon *daemon);
TttdEngine *tttd_daemon_engine (TttdDaemon *daemon);
const char *tttd_daemon_state (TttdDaemon *daemon);
const char *tttd_daemon_tun_name (TttdDaemon *daemon);
TttdStrategy tttd_daemon_strategy (TttdDaemon *daemon);
/* a one-line summary: "2 links up, 1 standby, 58 Mbit/s" */
char *tttd_daemon_summary (TttdDaemon *daemon);
guint tttd_daemon_links_up (TttdDaemon *daemon);
void tttd_daemon_totals (TttdDaemon *daemon, guint64 *rx_bytes, guint64 *tx_bytes);
/* the drop and event counters, by name (a{st}) */
GVariant *tttd_daemon_counters (TttdDaemon *daemon);

/* operations */
TttdClientLink *tttd_daemon_add_link (TttdDaemon *daemon, const char *ifname, TttdLinkSource source,
                                      const TttdLinkOptions *options, GError **error);
gboolean tttd_daemon_remove_link (TttdDaemon *daemon, TttdClientLink *link, GError **error);
gboolean tttd_daemon_set_strategy (TttdDaemon *daemon, const char *name, GError **error);
gboolean tttd_daemon_set_link_weight (TttdDaemon *daemon, TttdClientLink *link, guint weight, GError **error);
gboolean tttd_daemon_set_link_priority (TttdDaemon *daemon, TttdClientLink *link, guint priority, GError **error);
void tttd_daemon_set_link_enabled (TttdDaemon *daemon, TttdClientLink *link, gboolean enabled);
void tttd_daemon_set_link_metered (TttdDaemon *daemon, TttdClientLink *link, gboolean metered);
gboolean tttd_daemon_reload (TttdDaemon *daemon, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdDaemon, tttd_daemon_free)

G_END_DECLS
