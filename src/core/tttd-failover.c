/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Which server endpoint a client uses and when it moves to the next: the pure decision behind server failover. */
#include "config.h"

#include "tttd-failover.h"

void
tttd_failover_init (TttdFailover *failover, guint n_endpoints)
{
  failover->n_endpoints = n_endpoints;
  failover->current = 0;
  failover->unanswered = 0;
}

gboolean
tttd_failover_initiation (TttdFailover *failover, gboolean stuck)
{
  gboolean moved = FALSE;

  if (!stuck)
    {
      failover->unanswered = 0;
      return FALSE;
    }
  if (failover->unanswered >= TTTD_FAILOVER_TRIES && failover->n_endpoints > 1)
    {
      failover->current = (failover->current + 1) % failover->n_endpoints;
      failover->unanswered = 0;
      moved = TRUE;
    }
  /* one endpoint: nowhere to go; the count stays bounded */
  if (failover->unanswered < G_MAXUINT)
    failover->unanswered++;
  return moved;
}

void
tttd_failover_answered (TttdFailover *failover)
{
  failover->unanswered = 0;
}

gint
tttd_failover_pick (const TttdSockaddr *endpoints, guint n_endpoints, guint current, int family)
{
  for (guint n = 0; n < n_endpoints; n++)
    {
      guint i = (current + n) % n_endpoints;
      if (endpoints[i].sa.sa_family == family)
        return (gint) i;
    }
  return -1;
}
