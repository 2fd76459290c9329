/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <gio/gio.h>

#include "tttd-daemon.h"

G_BEGIN_DECLS

/* the D-Bus service: org.tuntuntun.Tttd1 on the system bus (or the bus the
 * caller chose), the Manager, Link and Peer objects, and their methods */
typedef struct _TttdDBus TttdDBus;

/* called once: TRUE when the name is ours, FALSE when it could not be */
typedef void (*TttdDBusReadyFunc) (gboolean owned, gpointer user_data);

void tttd_dbus_register_errors (void);
TttdDBus *tttd_dbus_new (TttdDaemon *daemon, GBusType bus_type, TttdDBusReadyFunc ready, gpointer user_data);
void tttd_dbus_free (TttdDBus *dbus);
/* tests: a uid that may call methods as root may (the test's own) */
void tttd_dbus_set_trusted_uid (TttdDBus *dbus, guint32 uid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdDBus, tttd_dbus_free)

G_END_DECLS
