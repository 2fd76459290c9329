/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-counter.h"
#include "tttd-handshake.h"
#include "tttd-health.h"
#include "tttd-keyring.h"
#include "tttd-reorder.h"
#include "tttd-sched.h"
#include "tttd-udp.h"

G_BEGIN_DECLS

/* one far end of the tunnel: its keys, its paths (the ways to reach it),
 * probes and their replies, and what its health means for the scheduler.
 * The roles own a peer's session data (name, addresses, handshake); the
 * layers above read it through tttd_peer_info, tttd_peer_path_info and
 * the counter table. */

typedef struct _TttdTx TttdTx;
typedef struct _TttdPeer TttdPeer;
typedef struct _TttdRecover TttdRecover;

/* a datagram the pacer holds until its time */
typedef struct {
  gpointer buf;
  guint32 len;
  guint32 seq; /* its tunnel sequence: probes must not claim it sent */
  gint64 depart_us;
} TttdPaced;

/* one way to reach the far end: a client link, or what a server learned
 * of it */
typedef struct {
  gboolean present;
  gboolean metered;
  gboolean far_down; /* the far end reports it hears nothing on it */
  gboolean probe_due;
  TttdSockaddr remote;
  TttdTxQueue *queue; /* the socket it is sent on */
  TttdHealth health;
  guint32 last_data_seq;
  gboolean sent_data;
  gint64 last_rx_data_us;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 rx_packets;
  guint64 rx_bytes;
  TttdPaced *paced; /* a ring, allocated when first needed */
  guint paced_size; /* grows to TTTD_PACE_SLOTS as the queue needs */
  guint paced_head;
  guint paced_count;
} TttdPath;

/* what a peer counts; every field is published through tttd_peer_counters */
typedef struct {
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 tx_no_session; /* dropped: no keys yet */
  guint64 tx_no_link;    /* dropped: no usable link */
  guint64 tx_no_buffer;
  guint64 tx_queue_full; /* dropped: the link's queue was too long (AQM) */
  guint64 tx_moved;      /* sent on another link: the one picked was full */
  guint64 rx_bad_source; /* dropped: inner source not the peer's */
  guint64 rx_not_ip;     /* dropped: not an IP packet */
  guint64 tx_resent;     /* sent again: their first link died */
  guint64 rx_resent;
  guint64 rekeys;
  /* loss recovery (tttd-recover.c) */
  guint64 nacks_sent;
  guint64 nacks_received;
  guint64 nacks_limited; /* lost packets not asked for: over the rate limit */
  guint64 rx_bad_nack;
  guint64 retransmits; /* sent again because the far end asked */
  guint64 rx_retransmits;
  guint64 retransmits_refused; /* asked for, not sent: gone, too old, over the budget */
  guint64 fec_repairs_sent;
  guint64 fec_overhead_bytes;
  guint64 rx_fec_repairs;
  guint64 rx_bad_repair;
  guint64 fec_recovered;   /* data packets rebuilt from repairs */
  guint64 tx_csum_partial; /* sent with a partial checksum (TTTD_FLAG_CSUM_PARTIAL) */
  guint64 rx_csum_partial;
} TttdPeerStats;

/* a path's state changed (for the log) */
typedef void (*TttdPathStateFunc) (gpointer data, TttdPeer *peer, guint link, TttdLinkState old_state,
                                   TttdLinkState new_state);

struct _TttdPeer {
  TttdTx *tx; /* the send side it sends through */
  char *name;
  guint object_id; /* D-Bus Peer/N */
  guint8 public_key[32];
  TttdKeyring keyring;
  TttdHandshake *handshake;
  TttdStrategy strategy;
  /* a session's state, allocated when it starts (tttd_engine_start_session)
   * and freed when it ends: a configured peer without one costs only the
   * rest of this struct */
  TttdReorder *reorder; /* NULL: no session */
  TttdRecover *recover; /* NACKs, retransmission, FEC; NULL: no session */
  TttdScheduler *sched; /* comes with the paths; NULL: no session */
  TttdPath *paths;      /* links 0 .. n_paths - 1 */
  guint n_paths;
  TttdReorderStats reorder_past; /* the reorder counters of the sessions that ended */
  guint32 tx_seq;
  guint32 hash_seed;
  TttdPrefix addresses[2]; /* the far end's tunnel addresses (server side) */
  guint n_addresses;
  guint64 last_init_timestamp;
  gint64 last_handshake_us;   /* monotonic */
  gint64 last_handshake_real; /* wall clock, for D-Bus */
  gint64 last_check_us;
  gboolean holding;      /* has packets in its reorder buffer */
  gboolean pacing;       /* has packets its pacer holds back */
  gboolean fresh;        /* the next handshake starts a new tunnel */
  gboolean pooled;       /* its addresses come from the server's pool */
  gboolean csum_partial; /* the far end takes partial checksums (this session's handshake said so) */
  guint32 gone_links;    /* links removed here, still announced as down */
  gint64 gone_until_us;
  TttdPeerStats stats;
  TttdPathStateFunc path_state;
  gpointer path_state_data;
  gpointer role_data;
};

/* what the layers above may know of a path */
typedef struct {
  gboolean present;
  TttdLinkState state;
  TttdSockaddr remote;
  guint64 srtt_us;
  guint64 jitter_us;
  double loss;          /* 0..1 */
  guint64 capacity_bps; /* bits per second, 0: not measured */
  guint64 tx_bytes;
  guint64 rx_bytes;
  guint64 tx_packets;
  guint64 rx_packets;
} TttdPathInfo;

/* what the layers above may know of a peer (valid until it changes) */
typedef struct {
  const char *name;
  guint object_id;
  const guint8 *public_key; /* 32 bytes */
  const TttdPrefix *addresses;
  guint n_addresses;
  gint64 last_handshake_real; /* wall clock, 0: never */
  guint64 rx_bytes;
  guint64 tx_bytes;
} TttdPeerInfo;

/* a peer's counters in one flat struct, for the counter table */
typedef struct {
  TttdPeerStats peer;
  TttdReorderStats reorder;
} TttdPeerCounters;

/* the peer's counters by their published names (D-Bus Counters, tttctl) */
extern const TttdCounter tttd_peer_counters[];
extern const guint tttd_peer_n_counters;

/* for the engine, which owns a peer's registration and lifetime */
TttdPeer *tttd_peer_alloc (TttdTx *tx, const char *name, TttdStrategy strategy);
void tttd_peer_destroy (TttdPeer *peer);
void tttd_peer_clear_session (TttdPeer *peer);
/* room for links 0 .. n - 1 (each still absent until tttd_peer_path_set),
 * and the scheduler over them */
void tttd_peer_reserve_paths (TttdPeer *peer, guint n);
/* the session ended (keys cleared, nothing queued): its memory goes */
void tttd_peer_free_session (TttdPeer *peer);
/* new session keys (registered with the engine first): a fresh tunnel
 * resets the sequence state */
void tttd_peer_take_keys (TttdPeer *peer, TttdKeypair *keypair, gboolean fresh);
void tttd_peer_check_paths (TttdPeer *peer, gint64 now_us);
void tttd_peer_receive_probe (TttdPeer *peer, guint link, const TttdInner *inner, const guint8 *body);

/* for the roles */
void tttd_peer_close (TttdPeer *peer);
void tttd_peer_path_set (TttdPeer *peer, guint link, TttdTxQueue *queue, const TttdSockaddr *remote, gboolean metered);
/* the link is gone; announce: tell the far end at once, on the others
 * (the client, whose links these are) */
void tttd_peer_path_remove (TttdPeer *peer, guint link, gboolean announce);
/* what the user set for a link: the scheduler's weights and switches */
void tttd_peer_path_configure (TttdPeer *peer, guint link, guint weight, guint priority, gboolean metered,
                               gboolean enabled);
/* the strategy, now and for the sessions to come */
void tttd_peer_set_strategy (TttdPeer *peer, TttdStrategy strategy);
/* timers: probes, link states, key expiry; returns when it wants to run next */
gint64 tttd_peer_tick (TttdPeer *peer, gboolean prober, gint64 now_us);
TttdLinkState tttd_peer_path_state (const TttdPeer *peer, guint link);

static inline gboolean
tttd_peer_has_path (const TttdPeer *peer, guint link)
{
  return link < peer->n_paths && peer->paths[link].present;
}

/* read-only views */
void tttd_peer_info (const TttdPeer *peer, TttdPeerInfo *info);
void tttd_peer_path_info (const TttdPeer *peer, guint link, TttdPathInfo *info);
void tttd_peer_get_counters (const TttdPeer *peer, TttdPeerCounters *counters);

G_END_DECLS
