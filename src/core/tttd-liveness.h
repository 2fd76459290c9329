/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include "tttd-health.h"

G_BEGIN_DECLS

/* a client's session whose keys are still valid but whose server no longer
 * answers (it restarted and forgot the session, or every path died and the
 * server may have dropped it meanwhile) needs a new handshake at once, not
 * when the rekey timer says so: the server sends nothing to a sender it
 * cannot authenticate, so silence is all the client gets.
 *
 * The client probes every link at least every few seconds while it has a
 * session, so silence while probes go out means something, as WireGuard's
 * "data sent, nothing back for keepalive + rekey timeout" does. */

/* silence, while we send, that makes a session dead (WireGuard: 15 s;
 * our probes go at least once a second on an unmetered link) */
#define TTTD_LIVENESS_TIMEOUT_US (5 * G_USEC_PER_SEC)

typedef enum {
  TTTD_LIVENESS_ALIVE,
  TTTD_LIVENESS_SILENT,   /* sent for the timeout, nothing authentic back */
  TTTD_LIVENESS_ALL_DOWN, /* every link found dead since the last sign of life */
} TttdLiveness;

/* the verdict over the paths' health (NULL entries: no such path);
 * heard_us is the session's last sign of life besides the paths' own: its
 * last completed handshake */
TttdLiveness tttd_liveness_check (const TttdHealth *const *paths, guint n_paths, gint64 heard_us, gint64 timeout_us,
                                  gint64 now_us);

const char *tttd_liveness_to_string (TttdLiveness liveness);

G_END_DECLS
