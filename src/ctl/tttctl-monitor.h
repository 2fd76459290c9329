/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <gio/gio.h>

#include "tttd-dbus-generated.h"

G_BEGIN_DECLS

/* a live view of the links until Ctrl-C: a terminal table with bar graphs,
 * or one line (JSON with json) per second when not on a terminal */
int tttctl_monitor (GDBusObjectManager *om, TttdDBusManager *manager, gboolean json);

G_END_DECLS
