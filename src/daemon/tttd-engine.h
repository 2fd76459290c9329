/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-counter.h"
#include "tttd-health.h"
#include "tttd-ip.h"
#include "tttd-keyring.h"
#include "tttd-peer.h"
#include "tttd-udp.h"

G_BEGIN_DECLS

/* the packet engine both roles share: TUN packets to sealed datagrams on
 * the links the scheduler picks, datagrams back to TUN packets through the
 * reorder buffer, probes and their replies.  It owns no fd but the TUN's
 * and knows nothing of configuration or the bus. */

typedef struct _TttdEngine TttdEngine;

typedef struct {
  /* a handshake message came in on this socket */
  void (*handshake) (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from, guint8 *msg, gsize len);
  /* which peer a packet from TUN goes to (NULL: drop it) */
  TttdPeer *(*route) (gpointer data, const TttdIpInfo *ip);
  /* the peer may send from this inner source address */
  gboolean (*allowed_source) (gpointer data, TttdPeer *peer, const TttdIpInfo *ip);
  /* the client's link for a datagram that came in on queue (-1: any) */
  gint (*link_of_queue) (gpointer data, TttdTxQueue *queue);
  /* a path of a peer appeared or moved (server) */
  void (*path_learned) (gpointer data, TttdPeer *peer, guint link);
  /* the far end closed the session */
  void (*closed) (gpointer data, TttdPeer *peer);
  /* run the engine's timer no later than this */
  void (*schedule) (gpointer data, gint64 at_us);
  /* a path's health changed state (for the log) */
  void (*path_state) (gpointer data, TttdPeer *peer, guint link, TttdLinkState old_state, TttdLinkState new_state);
} TttdEngineOps;

typedef struct {
  guint64 rx_datagrams;
  guint64 rx_malformed;     /* not a tttd message */
  guint64 rx_unknown_index; /* no session has that index */
  guint64 rx_auth_failed;   /* forged, corrupted, or old keys */
  guint64 rx_replayed;
  guint64 rx_bad_inner; /* authentic, but the sealed part makes no sense */
  guint64 rx_no_buffer; /* dropped: every pool buffer was in use */
  guint64 tun_read;
  guint64 tun_written;
  guint64 tun_write_errors;
  guint64 tun_not_ip;
  guint64 tun_bad_gso;      /* a TSO packet we could not cut */
  guint64 tun_gro_packets;  /* TSO packets joined from segments for the TUN */
  guint64 tun_gro_segments; /* the segments they held */
  guint64 tx_dropped;       /* datagrams the sockets could not take */
} TttdEngineStats;

/* the engine's counters by their published names (D-Bus Counters, tttctl) */
extern const TttdCounter tttd_engine_counters[];
extern const guint tttd_engine_n_counters;

TttdEngine *tttd_engine_new (int tun_fd, guint mtu, const TttdHealthParams *health, const TttdEngineOps *ops,
                             gpointer data);
void tttd_engine_free (TttdEngine *engine);
guint tttd_engine_mtu (TttdEngine *engine);
/* the TUN fd reads and writes a virtio_net_hdr first (and may bring TSO
 * packets to cut) */
void tttd_engine_set_vnet (TttdEngine *engine, gboolean vnet);
/* the tunnel MTU may change (a link with a smaller MTU joined), up to what
 * the buffers hold */
void tttd_engine_set_mtu (TttdEngine *engine, guint mtu);
guint tttd_engine_max_mtu (TttdEngine *engine);
const TttdEngineStats *tttd_engine_stats (TttdEngine *engine);
gint64 tttd_engine_now (TttdEngine *engine);

/* the main loop's fd callbacks: drain a bounded batch */
void tttd_engine_tun_readable (TttdEngine *engine);
void tttd_engine_socket_readable (TttdEngine *engine, TttdTxQueue *queue);
/* send a handshake message (or any raw datagram) */
void tttd_engine_send_raw (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *dest, const guint8 *data,
                           gsize len);
void tttd_engine_flush (TttdEngine *engine);
/* a TttdBufferRelease for the queues of sockets the engine sends on */
void tttd_engine_release_buffer (gpointer buf, gpointer engine);

/* peers: the engine registers them (session indexes, delivery) and owns
 * their lifetime */
TttdPeer *tttd_engine_add_peer (TttdEngine *engine, const char *name, TttdStrategy strategy, gint64 rekey_after_us);
void tttd_engine_free_peer (TttdPeer *peer);
/* a session's state (reorder buffer, loss recovery, room for n_paths
 * links) now; keys bring it anyway.  A configured peer holds none of it
 * until then */
void tttd_engine_start_session (TttdPeer *peer, guint n_paths);
/* the session ended: keys, paths and what was queued go, and its state's
 * memory with them (tttd_engine_reset_peer keeps the paths) */
void tttd_engine_end_session (TttdPeer *peer);
/* forget the session (keys, sequence state), keep the paths */
void tttd_engine_reset_peer (TttdPeer *peer);
guint32 tttd_engine_new_index (TttdEngine *engine);
/* new session keys for the peer, found by their index from now on */
void tttd_engine_install_keys (TttdPeer *peer, TttdKeypair *keypair, gboolean fresh);
/* timers */
void tttd_engine_expire_reorder (TttdEngine *engine, gint64 now_us);
/* send what the pacers hold that is due */
void tttd_engine_pace (TttdEngine *engine, gint64 now_us);
/* loss recovery: answer and send NACKs; fec -1 auto, 0 off, else percent */
void tttd_engine_set_recovery (TttdEngine *engine, gboolean retransmit, gint fec);

G_END_DECLS
