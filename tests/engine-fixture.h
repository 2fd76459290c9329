/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-engine.h"
#include "tttd-gso.h"

/* the four UDP sockets: each path has a client end and a server end */
enum {
  CLIENT_0,
  CLIENT_1,
  SERVER_0,
  SERVER_1,
  N_SOCKETS,
};

#define SOCKET_BIT(s)  (1u << (s))
#define PATH_BITS(l)   (SOCKET_BIT (CLIENT_0 + (l)) | SOCKET_BIT (SERVER_0 + (l)))
#define CLIENT_ADDRESS "198.18.0.2"
#define SERVER_ADDRESS "198.18.0.1"
/* an UDP payload too large to be latency-critical: it goes through the
 * reorder buffer, not around it */
#define BULK_PAYLOAD 400
/* how long carry () waits for one more datagram before it calls the links quiet */
#define QUIET_MS 10
#define WAIT_US  (2 * G_USEC_PER_SEC)

typedef struct {
  TttdIdentity *client_id;
  TttdIdentity *server_id;
  TttdEngine *client;
  TttdEngine *server;
  TttdPeer *client_peer; /* the server, as the client knows it */
  TttdPeer *server_peer; /* the client, as the server knows it */
  int client_tun[2];     /* [0] the engine's, [1] ours: where the TUN device would be */
  int server_tun[2];
  int fd[N_SOCKETS];
  TttdSockaddr addr[N_SOCKETS];
  TttdTxQueue queue[N_SOCKETS];
  guint initiations; /* handshake messages each side took */
  guint responses;
  guint paths_learned;
  guint closed;  /* sessions the client ended with a goodbye */
  guint dropped; /* datagrams of cut paths the test threw away */
} Fixture;

/* carry the links until cond holds, for WAIT_US at most */
#define CARRY_UNTIL(f, cut, cond) \
  G_STMT_START \
  { \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_US; \
    while (!(cond)) \
      { \
        g_assert_cmpint (g_get_monotonic_time (), <, deadline_); \
        pump ((f), (cut), 1); \
      } \
  } \
  G_STMT_END

/* engine-fixture.c */
TttdIdentity *identity_new_random (void);
void open_socket (Fixture *f, guint s, TttdEngine *engine);
void fixture_setup (Fixture *f, gconstpointer data);
void fixture_teardown (Fixture *f, gconstpointer data);
TttdEngine *engine_of_socket (Fixture *f, guint s);
void drop_datagrams (Fixture *f, guint s);
guint pump (Fixture *f, guint32 cut, int timeout_ms);
void carry (Fixture *f, guint32 cut);
guint64 server_rx_packets (Fixture *f, guint link);
guint16 checksum (const guint8 *data, gsize len, guint32 sum);
void build_ipv4 (guint8 *out, const char *src, const char *dst, guint8 proto, guint16 id, gsize l4_len);
gsize build_udp (guint8 *out, const char *src, const char *dst, guint16 index, gsize payload_len);
gsize build_ping (guint8 *out, const char *src, const char *dst, guint16 seq);
guint16 packet_index (const guint8 *packet);
void tun_write (int fd, const guint8 *packet, gsize len);
gsize tun_read (Fixture *f, int fd, guint32 cut, guint8 *buf, gsize size);
void assert_tun_empty (int fd);
void send_initiation (Fixture *f);
void connect_peers (Fixture *f);
void send_and_check (Fixture *f, TttdEngine *from, int from_tun, int to_tun, const guint8 *packet, gsize len);
