/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a main-loop timer with a microsecond deadline (GLib's timeouts are in
 * milliseconds from now); the callback returns its next deadline, or -1 */
typedef gint64 (*TttdTimerFunc) (gpointer user_data, gint64 now_us);

GSource *tttd_timer_new (const char *name, TttdTimerFunc func, gpointer user_data);
/* run no later than at_us (an earlier deadline stays) */
void tttd_timer_schedule (GSource *timer, gint64 at_us);
void tttd_timer_destroy (GSource *timer);

/* a packet-path file descriptor watch, attached to the default context:
 * func runs whenever fd is readable */
typedef void (*TttdWatchFunc) (gpointer user_data);
GSource *tttd_watch_new (int fd, const char *name, TttdWatchFunc func, gpointer user_data);

G_END_DECLS
