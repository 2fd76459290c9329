/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */

#pragma once

#include <glib.h>

#include "linkemu-trace.h"

#define LINK_MAX_QUEUED_BYTES (64 * 1024 * 1024)

/* one direction's settings, as the control commands set them */
typedef struct {
  double delay_us;
  double jitter_us;
  double loss_percent;
  double rate_bps;    /* 0: unlimited */
  double queue_bytes; /* queue limit in bytes when not 0 ... */
  double queue_us;    /* ... else in time at the current rate */
  double reorder_percent;
  double reorder_delay_us;
  gboolean blackhole;
  LinkTrace *trace; /* borrowed; the direction's bottleneck owns it */
  double trace_offset_us;
  double trace_scale;
  double gilbert_p; /* per packet, 0..1; 0: no bursty loss */
  double gilbert_r;
  LinkOutage outage;
} Params;

void link_params_init (Params *params);
/* one KEY=VALUE token (or "clear"); a trace=FILE token takes the trace its
 * caller loaded */
gboolean link_params_set (Params *params, const char *token, LinkTrace *loaded, GError **error);
void link_params_append (const Params *params, const char *name, GString *out);
