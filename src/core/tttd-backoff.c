/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The handshake retry backoff, shared by the client daemon and the scale benchmark's simulated clients. */
#include "config.h"

#include "tttd-backoff.h"

gint64
tttd_backoff_retry_after (guint attempts, guint32 jitter_us)
{
  /* 1 s << 3 is the 8 s ceiling: the shift stops there, it never overflows */
  guint doublings = MIN (attempts > 0 ? attempts - 1 : 0, 3u);
  gint64 delay = TTTD_BACKOFF_FIRST_US << doublings;

  return MIN (delay, TTTD_BACKOFF_MAX_US) + (gint64) (jitter_us % TTTD_BACKOFF_JITTER_US);
}
