/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-health.h"
#include "tttd-ip.h"
#include "tttd-keyring.h"
#include "tttd-pool.h"
#include "tttd-reorder.h"
#include "tttd-sched.h"
#include "tttd-udp.h"

G_BEGIN_DECLS

/* the packet engine both roles share: TUN packets to sealed datagrams on
 * the links the scheduler picks, datagrams back to TUN packets through the
 * reorder buffer, probes and their replies.  It owns no fd but the TUN's
 * and knows nothing of configuration or the bus. */


typedef struct _TttdEngine TttdEngine;
typedef struct _TttdPeer   TttdPeer;

/* a datagram the pacer holds until its time */
typedef struct {
  gpointer buf;
  guint32  len;
  guint32  seq;          /* its tunnel sequence: probes must not claim it sent */
  gint64   depart_us;
} TttdPaced;

/* one way to reach the far end: a client link, or what a server learned
 * of it */
typedef struct {
  gboolean     present;
  gboolean     metered;
  gboolean     far_down;        /* the far end reports it hears nothing on it */
  gboolean     probe_due;
  TttdSockaddr remote;
  TttdTxQueue *queue;           /* the socket it is sent on */
  TttdHealth   health;
  guint32      last_data_seq;
  gboolean     sent_data;
  gint64       last_rx_data_us;
  guint64      tx_packets;
  guint64      tx_bytes;
  guint64      rx_packets;
  guint64      rx_bytes;
  TttdPaced   *paced;           /* a ring, allocated when first needed */
  guint        paced_head;
  guint        paced_count;
} TttdPath;

typedef struct {
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 tx_no_session;        /* dropped: no keys yet */
  guint64 tx_no_link;           /* dropped: no usable link */
  guint64 tx_no_buffer;
  guint64 tx_queue_full;        /* dropped: the link's queue was too long (AQM) */
  guint64 rx_bad_source;        /* dropped: inner source not the peer's */
  guint64 rx_bad_packet;        /* dropped: not an IP packet */
  guint64 tx_resent;            /* sent again: their first link died */
  guint64 rx_resent;
} TttdPeerStats;

struct _TttdPeer {
  TttdEngine     *engine;
  char           *name;
  guint           object_id;     /* D-Bus Peer/N */
  guint8          public_key[32];
  TttdKeyring     keyring;
  TttdHandshake  *handshake;     /* locked memory */
  TttdScheduler   sched;
  TttdReorder    *reorder;
  TttdPath        paths[TTTD_SCHED_MAX_LINKS];
  guint32         tx_seq;
  guint32         hash_seed;
  TttdPrefix      addresses[2];  /* the far end's tunnel addresses (server side) */
  guint           n_addresses;
  guint64         last_init_timestamp;
  gint64          last_handshake_us;     /* monotonic */
  gint64          last_handshake_real;   /* wall clock, for D-Bus */
  gint64          last_check_us;
  gboolean        holding;       /* has packets in its reorder buffer */
  gboolean        pacing;        /* has packets its pacer holds back */
  gboolean        fresh;         /* the next handshake starts a new tunnel */
  gboolean        pooled;        /* its addresses come from the server's pool */
  guint64         rekeys;
  TttdPeerStats   stats;
  gpointer        role_data;
};

typedef struct {
  /* a handshake message came in on this socket */
  void      (*handshake) (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from,
                          guint8 *msg, gsize len);
  /* which peer a packet from TUN goes to (NULL: drop it) */
  TttdPeer *(*route) (gpointer data, const TttdIpInfo *ip);
  /* the peer may send from this inner source address */
  gboolean  (*allowed_source) (gpointer data, TttdPeer *peer, const TttdIpInfo *ip);
  /* the client's link for a datagram that came in on queue (-1: any) */
  gint      (*link_of_queue) (gpointer data, TttdTxQueue *queue);
  /* a path of a peer appeared or moved (server) */
  void      (*path_learned) (gpointer data, TttdPeer *peer, guint link);
  /* the far end closed the session */
  void      (*closed) (gpointer data, TttdPeer *peer);
  /* run the engine's timer no later than this */
  void      (*schedule) (gpointer data, gint64 at_us);
  /* a path's health changed state (for the log) */
  void      (*path_state) (gpointer data, TttdPeer *peer, guint link, TttdLinkState old_state,
                           TttdLinkState new_state);
} TttdEngineOps;

typedef struct {
  guint64 rx_datagrams;
  guint64 rx_malformed;      /* not a tttd message */
  guint64 rx_unknown_index;  /* no session has that index */
  guint64 rx_auth_failed;    /* forged, corrupted, or old keys */
  guint64 rx_replayed;
  guint64 rx_bad_inner;      /* authentic, but the sealed part makes no sense */
  guint64 rx_no_buffer;      /* dropped: every pool buffer was in use */
  guint64 tun_read;
  guint64 tun_written;
  guint64 tun_write_errors;
  guint64 tun_not_ip;
  guint64 tun_bad_gso;        /* a TSO packet we could not cut */
} TttdEngineStats;

TttdEngine *tttd_engine_new (int tun_fd, guint mtu, const TttdHealthParams *health,
                             const TttdEngineOps *ops, gpointer data);
void        tttd_engine_free (TttdEngine *engine);
guint       tttd_engine_mtu (TttdEngine *engine);
/* the TUN fd reads and writes a virtio_net_hdr first (and may bring TSO
 * packets to cut) */
void        tttd_engine_set_vnet (TttdEngine *engine, gboolean vnet);
/* the tunnel MTU may change (a link with a smaller MTU joined), up to what
 * the buffers hold */
void        tttd_engine_set_mtu (TttdEngine *engine, guint mtu);
guint       tttd_engine_max_mtu (TttdEngine *engine);
const TttdEngineStats *tttd_engine_stats (TttdEngine *engine);
/* datagrams the sockets could not take (full buffers, vanished routes) */
guint64     tttd_engine_tx_dropped (TttdEngine *engine);
gint64      tttd_engine_now (TttdEngine *engine);

/* the main loop's fd callbacks: drain a bounded batch */
void        tttd_engine_tun_readable (TttdEngine *engine);
void        tttd_engine_socket_readable (TttdEngine *engine, TttdTxQueue *queue);
/* send a handshake message (or any raw datagram) */
void        tttd_engine_send_raw (TttdEngine *engine, TttdTxQueue *queue, const TttdSockaddr *dest,
                                  const guint8 *data, gsize len);
void        tttd_engine_flush (TttdEngine *engine);
/* a TttdBufferRelease for the queues of sockets the engine sends on */
void        tttd_engine_release_buffer (gpointer buf, gpointer engine);

/* peers */
TttdPeer   *tttd_peer_new (TttdEngine *engine, const char *name, TttdStrategy strategy, gint64 rekey_after_us);
void        tttd_peer_free (TttdPeer *peer);
void        tttd_peer_register_index (TttdPeer *peer, guint32 local_index);
guint32     tttd_engine_new_index (TttdEngine *engine);
/* new session keys: a fresh tunnel resets the sequence state */
void        tttd_peer_install (TttdPeer *peer, TttdKeypair *keypair, gboolean fresh);
void        tttd_peer_reset (TttdPeer *peer);
void        tttd_peer_close (TttdPeer *peer);
void        tttd_peer_path_set (TttdPeer *peer, guint link, TttdTxQueue *queue,
                                const TttdSockaddr *remote, gboolean metered);
void        tttd_peer_path_remove (TttdPeer *peer, guint link);
/* the first tunnel sequence number not yet on the wire on this path (what
 * a probe on it can vouch for) */
guint32     tttd_peer_path_sent_seq (TttdPeer *peer, guint link);
/* timers: probes, link states, reorder timeouts, key expiry; returns when
 * it wants to run next */
gint64      tttd_peer_tick (TttdPeer *peer, gboolean prober, gint64 now_us);
TttdLinkState tttd_peer_path_state (TttdPeer *peer, guint link);
void        tttd_engine_expire_reorder (TttdEngine *engine, gint64 now_us);
/* send what the pacers hold that is due */
void        tttd_engine_pace (TttdEngine *engine, gint64 now_us);

G_END_DECLS
