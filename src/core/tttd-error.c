/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The TTTD_ERROR domain and its D-Bus names, so that tttd's errors cross the
 * bus typed and tttctl matches them by domain and code. */
#include "config.h"

#include <gio/gio.h>

#include "tttd-error.h"
#include "tttd-names.h"

static const GDBusErrorEntry tttd_error_entries[] = {
  { TTTD_ERROR_FAILED, TTTD_DBUS_ERROR_PREFIX ".Failed" },
  { TTTD_ERROR_CONFIG, TTTD_DBUS_ERROR_PREFIX ".Config" },
  { TTTD_ERROR_UNKNOWN_INTERFACE, TTTD_DBUS_ERROR_PREFIX ".UnknownInterface" },
  { TTTD_ERROR_UNKNOWN_STRATEGY, TTTD_DBUS_ERROR_PREFIX ".UnknownStrategy" },
  { TTTD_ERROR_NOT_PERMITTED, TTTD_DBUS_ERROR_PREFIX ".NotPermitted" },
  { TTTD_ERROR_INVALID_ARGUMENT, TTTD_DBUS_ERROR_PREFIX ".InvalidArgument" },
  { TTTD_ERROR_EXISTS, TTTD_DBUS_ERROR_PREFIX ".Exists" },
  { TTTD_ERROR_KEY, TTTD_DBUS_ERROR_PREFIX ".Key" },
};

/* the first use of the domain registers its names, in tttd and in tttctl
 * alike: both link the core */
GQuark
tttd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("tttd-error-quark", &quark, tttd_error_entries,
                                      G_N_ELEMENTS (tttd_error_entries));
  return (GQuark) quark;
}
