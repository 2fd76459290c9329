/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The handshake retry backoff, shared by the client daemon and the scale benchmark's simulated clients. */
#include "config.h"

#include "tttd-backoff.h"

gint64
tttd_backoff_retry_after (guint attempts, guint32 jitter)
{
  gint64 delay;

  if (attempts < TTTD_BACKOFF_QUICK_TRIES)
    delay = TTTD_BACKOFF_QUICK_US;
  else
    /* 1 s << 3 is the 8 s ceiling: the shift stops there, it never overflows */
    delay = MIN (TTTD_BACKOFF_FIRST_US << MIN (attempts - TTTD_BACKOFF_QUICK_TRIES, 3u), TTTD_BACKOFF_MAX_US);
  return delay + (gint64) (jitter % (guint32) (delay / 4));
}
