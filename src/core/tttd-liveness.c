/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Whether a client's session is dead though its keys are valid: the pure
 * decision behind the client's early handshake. */
#include "config.h"

#include "tttd-liveness.h"

TttdLiveness
tttd_liveness_check (const TttdHealth *const *paths, guint n_paths, gint64 heard_us, gint64 timeout_us, gint64 now_us)
{
  gint64 sending_since = G_MAXINT64;
  gint64 last_down = 0;
  guint present = 0, down = 0;

  for (guint i = 0; i < n_paths; i++)
    {
      const TttdHealth *health = paths[i];
      if (health == NULL)
        continue;
      present++;
      heard_us = MAX (heard_us, health->last_rx_us);
      /* a probe went out and nothing answered it since */
      if (health->unanswered > 0)
        sending_since = MIN (sending_since, health->first_unanswered_us);
      if (health->state == TTTD_LINK_DOWN)
        {
          down++;
          last_down = MAX (last_down, health->state_since_us);
        }
    }
  /* nothing to send on: nothing to decide until a link comes */
  if (present == 0)
    return TTTD_LIVENESS_ALIVE;
  /* every link went down and nothing authentic came since the last did:
   * the far end may not know us any more, and a handshake tells */
  if (down == present && heard_us <= last_down)
    return TTTD_LIVENESS_ALL_DOWN;
  if (sending_since != G_MAXINT64 && now_us - MAX (heard_us, sending_since) >= timeout_us)
    return TTTD_LIVENESS_SILENT;
  return TTTD_LIVENESS_ALIVE;
}

const char *
tttd_liveness_to_string (TttdLiveness liveness)
{
  switch (liveness)
    {
    case TTTD_LIVENESS_ALIVE: return "alive";
    case TTTD_LIVENESS_SILENT: return "silent";
    case TTTD_LIVENESS_ALL_DOWN: return "all-down";
    default: return "unknown";
    }
}
