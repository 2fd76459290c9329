/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the client's handshake retries: quickly at first, then backing off, with
 * jitter so that many clients do not retry in step */
#define TTTD_BACKOFF_FIRST_US  G_USEC_PER_SEC
#define TTTD_BACKOFF_MAX_US    (8 * G_USEC_PER_SEC)
#define TTTD_BACKOFF_JITTER_US 250000

/**
 * tttd_backoff_retry_after:
 * @attempts: initiations sent so far without an answer
 * @jitter_us: a random number; only its value modulo %TTTD_BACKOFF_JITTER_US is used
 *
 * Returns: microseconds to wait before the next initiation: 1 s after the
 * first (and before any), doubling up to 8 s, plus the jitter.
 */
gint64 tttd_backoff_retry_after (guint attempts, guint32 jitter_us);

G_END_DECLS
