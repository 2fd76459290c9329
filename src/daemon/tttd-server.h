/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-config.h"
#include "tttd-engine.h"
#include "tttd-listeners.h"

G_BEGIN_DECLS

typedef struct _TttdServer TttdServer;

typedef struct {
  guint64 handshakes;        /* answered */
  guint64 handshake_bad_mac; /* not meant for us */
  guint64 handshake_rate_limited;
  guint64 handshake_cookie_replies; /* under load: the source must prove its address */
  guint64 handshake_failed;         /* did not authenticate */
  guint64 handshake_unknown_key;    /* authentic, but no [peer] has that key */
  guint64 handshake_replayed;       /* an old initiation */
} TttdServerStats;

/* the server's counters by their published names (D-Bus Counters, tttctl) */
extern const TttdCounter tttd_server_counters[];
extern const guint tttd_server_n_counters;

/* tun_fd -1: open and configure the TUN device and the firewall; a test's
 * fd (a socketpair) leaves the system alone */
TttdServer *tttd_server_new (const TttdConfig *config, const guint8 private_key[32], TttdListeners *listeners,
                             int tun_fd, GError **error);
void tttd_server_free (TttdServer *server);
const char *tttd_server_tun_name (TttdServer *server);
TttdEngine *tttd_server_engine (TttdServer *server);
GPtrArray *tttd_server_peers (TttdServer *server);
gboolean tttd_server_peer_connected (TttdServer *server, TttdPeer *peer);
const TttdServerStats *tttd_server_stats (TttdServer *server);
void tttd_server_set_strategy (TttdServer *server, TttdStrategy strategy);
/* a reloaded configuration: peers added, removed or changed (their sessions
 * end); the others keep their sessions.  Uses config from now on. */
gboolean tttd_server_reconfigure (TttdServer *server, const TttdConfig *config, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdServer, tttd_server_free)

G_END_DECLS
