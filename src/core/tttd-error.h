/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TttdError:
 * @TTTD_ERROR_FAILED: generic failure
 * @TTTD_ERROR_CONFIG: the configuration is invalid
 * @TTTD_ERROR_UNKNOWN_INTERFACE: no such interface or link
 * @TTTD_ERROR_UNKNOWN_STRATEGY: no strategy of that name
 * @TTTD_ERROR_NOT_PERMITTED: the caller may not do this
 * @TTTD_ERROR_INVALID_ARGUMENT: an argument is out of range or malformed
 * @TTTD_ERROR_EXISTS: the object exists already
 * @TTTD_ERROR_KEY: a key is malformed or unsafe
 *
 * Errors of the %TTTD_ERROR domain; on D-Bus they are
 * org.tuntuntun.Tttd1.Error.<Name> (Failed, Config, UnknownInterface,
 * UnknownStrategy, NotPermitted, InvalidArgument, Exists, Key). The first use
 * of %TTTD_ERROR registers these names, so a remote error decodes back to
 * its domain and code.
 */
typedef enum {
  TTTD_ERROR_FAILED,
  TTTD_ERROR_CONFIG,
  TTTD_ERROR_UNKNOWN_INTERFACE,
  TTTD_ERROR_UNKNOWN_STRATEGY,
  TTTD_ERROR_NOT_PERMITTED,
  TTTD_ERROR_INVALID_ARGUMENT,
  TTTD_ERROR_EXISTS,
  TTTD_ERROR_KEY,
} TttdError;

#define TTTD_ERROR (tttd_error_quark ())
GQuark tttd_error_quark (void);

G_END_DECLS
