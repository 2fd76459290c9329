/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <gio/gio.h>

#include "tttd-dbus-generated.h"

G_BEGIN_DECLS

/* a live view of the links until Ctrl-C, redrawn every second: per link a
 * line of figures and graphs of the last minute (down, up, RTT; Unicode
 * blocks, ASCII without a UTF-8 locale), as wide as the terminal allows;
 * with json one JSON object a line instead */
int tttctl_monitor (GDBusObjectManager *om, TttdDBusManager *manager, gboolean json);

G_END_DECLS
