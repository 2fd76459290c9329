/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the TTTD_ERROR domain */
#include "config.h"

#include "tttd-error.h"

/* the D-Bus names of these codes are registered by tttd-dbus.c, so that the
 * core depends on GLib alone */
G_DEFINE_QUARK (tttd-error-quark, tttd_error)
