/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include "tttd-addr.h"

G_BEGIN_DECLS

/* a client configured with several server endpoints (server=A;B: servers
 * that share the same key and peers) moves to the next one when the one in
 * use no longer answers: its session was found dead (tttd-liveness), or it
 * has none, and the initiations it sent there since went unanswered.
 *
 * Two tries: the first initiation goes as soon as the session is found
 * dead, the second 0.5 s later (the backoff's quick tries), and the third
 * goes to the next endpoint, one second after the verdict. One lost
 * initiation or response on a lossy link does not move us away from a
 * server that works; a second in a row, at 0.5 s, is rare, and a move
 * costs one handshake with an equal server. The verdict comes 0.15 s
 * after the server died under traffic (measured in the lab), 2 to 3 s on
 * a tunnel idle long enough to probe once a second: with the second more,
 * the client is back within the 5 s goal. The retry backoff stays the client's one: while
 * every server is away, the rotation goes at its pace, not faster. */
#define TTTD_FAILOVER_TRIES 2

typedef struct {
  guint n_endpoints;
  guint current;    /* the endpoint in use, in configuration order */
  guint unanswered; /* initiations it left unanswered while we had no live session */
} TttdFailover;

void tttd_failover_init (TttdFailover *failover, guint n_endpoints);

/* an initiation is about to go; stuck: the session is dead or there is
 * none (a rekey of a live session counts nothing). TRUE when it must go
 * to another endpoint: current has moved (wrapping around) */
gboolean tttd_failover_initiation (TttdFailover *failover, gboolean stuck);

/* the endpoint in use answered a handshake */
void tttd_failover_answered (TttdFailover *failover);

/* the endpoint a socket of this address family uses: the first of that
 * family from current on, in configuration order, wrapping around; -1 if
 * there is none */
gint tttd_failover_pick (const TttdSockaddr *endpoints, guint n_endpoints, guint current, int family);

G_END_DECLS
