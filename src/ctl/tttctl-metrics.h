/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the daemon's state in the Prometheus text exposition format: printed to
 * stdout, or with http one HTTP/1.x request read from stdin is answered on
 * stdout (as a socket-activated service with Accept=yes runs it); when tttd
 * does not answer, tttd_up is 0 and the rest is left out */
int tttctl_metrics (GBusType bus_type, gboolean http);

G_END_DECLS
