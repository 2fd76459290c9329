/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the client's handshake retries: quickly at first (a server that just
 * restarted answers the second try), then backing off, with jitter so
 * that many clients do not retry in step */
#define TTTD_BACKOFF_QUICK_US    (G_USEC_PER_SEC / 2)
#define TTTD_BACKOFF_QUICK_TRIES 4
#define TTTD_BACKOFF_FIRST_US    G_USEC_PER_SEC
#define TTTD_BACKOFF_MAX_US      (8 * G_USEC_PER_SEC)

/**
 * tttd_backoff_retry_after:
 * @attempts: initiations sent so far without an answer
 * @jitter: a random number; the jitter is it modulo a quarter of the wait
 *
 * Returns: microseconds to wait before the next initiation: 0.5 s for the
 * first four, then 1 s, doubling up to 8 s, plus up to a quarter of that.
 */
gint64 tttd_backoff_retry_after (guint attempts, guint32 jitter);

G_END_DECLS
