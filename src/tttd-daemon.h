/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-client.h"
#include "tttd-config.h"
#include "tttd-server.h"

G_BEGIN_DECLS

/* the service: the configuration and the role it runs (client or server),
 * and the integrations around it */
typedef struct _TttdDaemon TttdDaemon;

typedef struct {
  const char *config_path;
  const char *dropin_dir;
} TttdDaemonOptions;

TttdDaemon       *tttd_daemon_new (const TttdDaemonOptions *options, GError **error);
void              tttd_daemon_free (TttdDaemon *daemon);
const TttdConfig *tttd_daemon_config (TttdDaemon *daemon);
TttdClient       *tttd_daemon_client (TttdDaemon *daemon);
TttdServer       *tttd_daemon_server (TttdDaemon *daemon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdDaemon, tttd_daemon_free)

G_END_DECLS
