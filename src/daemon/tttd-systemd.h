/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-daemon.h"

G_BEGIN_DECLS

/* the service manager: READY, STATUS, WATCHDOG, RELOADING, STOPPING
 * (sd_notify); all of it does nothing when not run by systemd */
typedef struct _TttdSystemd TttdSystemd;

TttdSystemd *tttd_systemd_new (TttdDaemon *daemon);
void tttd_systemd_ready (TttdSystemd *systemd);
void tttd_systemd_stopping (TttdSystemd *systemd);
void tttd_systemd_free (TttdSystemd *systemd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdSystemd, tttd_systemd_free)

G_END_DECLS
