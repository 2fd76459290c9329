/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"

G_BEGIN_DECLS

/* token buckets for handshake work: one per source address (bounded in
 * number) and one for all, so that a flood of initiations cannot take the
 * CPU, and one flooding source cannot starve the others */
typedef struct _TttdRateLimit TttdRateLimit;

TttdRateLimit *tttd_rate_limit_new (double per_source_rate, double per_source_burst, double total_rate,
                                    double total_burst, guint max_sources);
void tttd_rate_limit_free (TttdRateLimit *limit);
/* TRUE: go ahead (and a token is taken) */
gboolean tttd_rate_limit_allow (TttdRateLimit *limit, const TttdSockaddr *source, gint64 now_us);
/* forget sources whose buckets are full again */
void tttd_rate_limit_expire (TttdRateLimit *limit, gint64 now_us);
guint tttd_rate_limit_sources (TttdRateLimit *limit);

G_END_DECLS
