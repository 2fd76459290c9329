/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* a client and a server engine wired back to back (UDP on loopback for the
 * links, socketpairs for the TUN devices): handshake, data both ways,
 * reordering across two paths, a path that dies, partial checksums */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <sodium.h>

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

/* ---- the roles, as small as the engine allows ---- */

static void
on_schedule (gpointer data, gint64 at_us)
{
  /* the test drives the timers itself */
}

static void
client_on_handshake (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from, guint8 *msg, gsize len)
{
  Fixture *f = data;
  TttdPeer *peer = f->client_peer;
  TttdResponsePayload response;
  TttdSessionKeys keys;
  TttdKeypair *keypair;

  g_assert_cmpuint (msg[1], ==, TTTD_MSG_RESPONSE);
  g_assert_cmpint (tttd_handshake_consume_response (peer->handshake, f->client_id, msg, len, &response, &keys), ==,
                   TTTD_HANDSHAKE_OK);
  g_assert_cmpuint (response.n_addresses, ==, 1);
  keypair = tttd_keypair_new (&keys, response.cipher, peer->handshake->local_index, peer->handshake->remote_index, TRUE,
                              g_get_monotonic_time ());
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (peer->handshake);
  tttd_engine_install_keys (peer, keypair, (response.flags & TTTD_HANDSHAKE_FRESH) != 0);
  peer->fresh = FALSE;
  f->responses++;
}

static TttdPeer *
client_route (gpointer data, const TttdIpInfo *ip)
{
  Fixture *f = data;

  return f->client_peer;
}

static gint
client_link_of_queue (gpointer data, TttdTxQueue *queue)
{
  Fixture *f = data;

  for (guint link = 0; link < 2; link++)
    if (queue == &f->queue[CLIENT_0 + link])
      return (gint) link;
  return -1;
}

static const TttdEngineOps client_ops = {
  .handshake = client_on_handshake,
  .route = client_route,
  .link_of_queue = client_link_of_queue,
  .schedule = on_schedule,
};

static void
server_on_handshake (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from, guint8 *msg, gsize len)
{
  Fixture *f = data;
  TttdPeer *peer = f->server_peer;
  TttdHandshake hs;
  TttdInitPayload init;
  TttdResponsePayload response = { 0 };
  TttdSessionKeys keys;
  TttdKeypair *keypair;
  guint8 out[TTTD_RESPONSE_LEN];

  g_assert_cmpuint (msg[1], ==, TTTD_MSG_INITIATION);
  g_assert_true (tttd_mac1_check (f->server_id->mac1_key, msg, TTTD_INITIATION_MAC2_OFFSET));
  g_assert_cmpint (tttd_handshake_consume_initiation (&hs, f->server_id, msg, len, &init), ==, TTTD_HANDSHAKE_OK);
  /* the initiation says who sent it: the one client we know */
  g_assert_cmpmem (hs.remote_static, 32, f->client_id->public_key, 32);
  response.cipher = tttd_cipher_choose (tttd_cipher_local_mask (), init.ciphers);
  g_assert_cmpuint (response.cipher, !=, 0);
  response.flags = peer->fresh ? TTTD_HANDSHAKE_FRESH : 0;
  response.n_addresses = 1;
  response.addresses[0] = peer->addresses[0];
  g_assert_cmpint (
    tttd_handshake_create_response (&hs, f->server_id, tttd_engine_new_index (f->server), &response, out, &keys), ==,
    TTTD_HANDSHAKE_OK);
  keypair = tttd_keypair_new (&keys, response.cipher, hs.local_index, hs.remote_index, FALSE, g_get_monotonic_time ());
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (&hs);
  tttd_engine_install_keys (peer, keypair, (init.flags & TTTD_HANDSHAKE_FRESH) != 0);
  peer->fresh = FALSE;
  tttd_peer_path_set (peer, init.link, queue, from, FALSE);
  tttd_engine_send_raw (f->server, queue, from, out, sizeof out);
  f->initiations++;
}

static TttdPeer *
server_route (gpointer data, const TttdIpInfo *ip)
{
  Fixture *f = data;

  return f->server_peer;
}

static void
server_path_learned (gpointer data, TttdPeer *peer, guint link)
{
  Fixture *f = data;

  f->paths_learned++;
}

/* as the server does: the session's state goes with it */
static void
server_closed (gpointer data, TttdPeer *peer)
{
  Fixture *f = data;

  tttd_engine_end_session (peer);
  f->closed++;
}

static const TttdEngineOps server_ops = {
  .handshake = server_on_handshake,
  .route = server_route,
  .path_learned = server_path_learned,
  .closed = server_closed,
  .schedule = on_schedule,
};

/* ---- setup ---- */

static TttdIdentity *
identity_new_random (void)
{
  guint8 key[32];
  TttdIdentity *identity;

  tttd_key_generate (key);
  identity = tttd_identity_new (key);
  sodium_memzero (key, sizeof key);
  g_assert_nonnull (identity);
  return identity;
}

static void
open_socket (Fixture *f, guint s, TttdEngine *engine)
{
  g_autoptr (GError) error = NULL;
  TttdSockaddr local = { 0 };

  local.in4.sin_family = AF_INET;
  local.in4.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  f->fd[s] = tttd_udp_open (AF_INET, NULL, &local, 0, &error);
  g_assert_no_error (error);
  g_assert_true (tttd_udp_local (f->fd[s], &f->addr[s]));
  tttd_tx_queue_init (&f->queue[s], f->fd[s], tttd_engine_release_buffer, engine);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  TttdHealthParams health;
  TttdPrefix *address;

  g_assert_true (tttd_crypto_init (NULL));
  memset (f, 0, sizeof *f);
  f->client_id = identity_new_random ();
  f->server_id = identity_new_random ();
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->client_tun));
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->server_tun));
  /* probes every 10 ms: a silent path is found dead within about 100 ms */
  tttd_health_params_default (&health, 10);
  f->client = tttd_engine_new (f->client_tun[0], 1400, &health, &client_ops, f);
  f->server = tttd_engine_new (f->server_tun[0], 1400, &health, &server_ops, f);
  open_socket (f, CLIENT_0, f->client);
  open_socket (f, CLIENT_1, f->client);
  open_socket (f, SERVER_0, f->server);
  open_socket (f, SERVER_1, f->server);

  f->client_peer = tttd_engine_add_peer (f->client, "server", TTTD_STRATEGY_BALANCE_RR, 120 * G_USEC_PER_SEC);
  for (guint link = 0; link < 2; link++)
    tttd_peer_path_set (f->client_peer, link, &f->queue[CLIENT_0 + link], &f->addr[SERVER_0 + link], FALSE);
  f->server_peer = tttd_engine_add_peer (f->server, "client", TTTD_STRATEGY_BALANCE_RR, 120 * G_USEC_PER_SEC);
  memcpy (f->server_peer->public_key, f->client_id->public_key, 32);
  address = &f->server_peer->addresses[0];
  g_assert_true (tttd_prefix_parse (CLIENT_ADDRESS "/32", TRUE, address, NULL));
  f->server_peer->n_addresses = 1;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  /* the peers first: what their reorder buffers hold goes to the TUN ends */
  g_clear_pointer (&f->client_peer, tttd_engine_free_peer);
  g_clear_pointer (&f->server_peer, tttd_engine_free_peer);
  g_clear_pointer (&f->client, tttd_engine_free);
  g_clear_pointer (&f->server, tttd_engine_free);
  for (guint s = 0; s < N_SOCKETS; s++)
    close (f->fd[s]);
  for (guint i = 0; i < 2; i++)
    {
      close (f->client_tun[i]);
      close (f->server_tun[i]);
    }
  tttd_identity_free (f->client_id);
  tttd_identity_free (f->server_id);
}

/* ---- the links, carried by the test ---- */

static TttdEngine *
engine_of_socket (Fixture *f, guint s)
{
  return s < SERVER_0 ? f->client : f->server;
}

static void
drop_datagrams (Fixture *f, guint s)
{
  guint8 buf[2048];

  while (recv (f->fd[s], buf, sizeof buf, MSG_DONTWAIT) >= 0)
    f->dropped++;
  g_assert_cmpint (errno, ==, EAGAIN);
}

/* one round: hand every datagram waiting on the sockets to its engine,
 * throwing away those of the sockets in cut (waiting up to timeout_ms for
 * the first); returns how many sockets had some */
static guint
pump (Fixture *f, guint32 cut, int timeout_ms)
{
  struct pollfd fds[N_SOCKETS];
  guint ready = 0;

  for (guint s = 0; s < N_SOCKETS; s++)
    fds[s] = (struct pollfd){ .fd = f->fd[s], .events = POLLIN };
  g_assert_cmpint (poll (fds, N_SOCKETS, timeout_ms), >=, 0);
  for (guint s = 0; s < N_SOCKETS; s++)
    {
      if (!(fds[s].revents & POLLIN))
        continue;
      ready++;
      if (cut & SOCKET_BIT (s))
        drop_datagrams (f, s);
      else
        tttd_engine_socket_readable (engine_of_socket (f, s), &f->queue[s]);
    }
  /* what a pacer holds back goes when it is due, as the timer would send it */
  tttd_engine_pace (f->client, g_get_monotonic_time ());
  tttd_engine_pace (f->server, g_get_monotonic_time ());
  return ready;
}

/* carry the links (but those in cut) until they are quiet for QUIET_MS */
static void
carry (Fixture *f, guint32 cut)
{
  while (pump (f, cut, QUIET_MS) > 0)
    ;
}

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

/* the server side of path link: how many authentic datagrams came in on it */
static guint64
server_rx_packets (Fixture *f, guint link)
{
  TttdPathInfo info;

  tttd_peer_path_info (f->server_peer, link, &info);
  return info.rx_packets;
}

/* ---- packets ---- */

static guint16
checksum (const guint8 *data, gsize len, guint32 sum)
{
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) (data[i] << 8 | data[i + 1]);
  if (len & 1)
    sum += (guint32) data[len - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

/* an IPv4 header before l4_len bytes of protocol proto */
static void
build_ipv4 (guint8 *out, const char *src, const char *dst, guint8 proto, guint16 id, gsize l4_len)
{
  memset (out, 0, 20);
  out[0] = 0x45;
  put16 (out + 2, (guint16) (20 + l4_len));
  put16 (out + 4, id);
  put16 (out + 6, 0x4000); /* don't fragment */
  out[8] = 64;
  out[9] = proto;
  g_assert_cmpint (inet_pton (AF_INET, src, out + 12), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, dst, out + 16), ==, 1);
  put16 (out + 10, checksum (out, 20, 0));
}

/* an IPv4/UDP packet whose payload names it by index; returns its length */
static gsize
build_udp (guint8 *out, const char *src, const char *dst, guint16 index, gsize payload_len)
{
  guint8 *udp = out + 20;
  gsize l4_len = 8 + payload_len;
  guint32 pseudo = 0;

  build_ipv4 (out, src, dst, IPPROTO_UDP, index, l4_len);
  put16 (udp, 40000);
  put16 (udp + 2, 9); /* discard */
  put16 (udp + 4, (guint16) l4_len);
  put16 (udp + 6, 0);
  put16 (udp + 8, index);
  for (gsize i = 2; i < payload_len; i++)
    udp[8 + i] = (guint8) (i * 7 + index);
  /* the pseudo header: addresses, protocol, length */
  for (guint i = 12; i < 20; i += 2)
    pseudo += (guint32) (out[i] << 8 | out[i + 1]);
  pseudo += IPPROTO_UDP + (guint32) l4_len;
  put16 (udp + 6, checksum (udp, l4_len, pseudo));
  return 20 + l4_len;
}

/* an ICMP echo request; returns its length */
static gsize
build_ping (guint8 *out, const char *src, const char *dst, guint16 seq)
{
  guint8 *icmp = out + 20;
  gsize l4_len = 8 + 56;

  build_ipv4 (out, src, dst, IPPROTO_ICMP, seq, l4_len);
  memset (icmp, 0, l4_len);
  icmp[0] = 8; /* echo request */
  put16 (icmp + 4, 0x7474);
  put16 (icmp + 6, seq);
  for (gsize i = 8; i < l4_len; i++)
    icmp[i] = (guint8) i;
  put16 (icmp + 2, checksum (icmp, l4_len, 0));
  return 20 + l4_len;
}

/* what build_udp put in the payload */
static guint16
packet_index (const guint8 *packet)
{
  return (guint16) (packet[28] << 8 | packet[29]);
}

static void
tun_write (int fd, const guint8 *packet, gsize len)
{
  g_assert_cmpint (write (fd, packet, len), ==, (gssize) len);
}

/* the next packet an engine wrote to its TUN end fd, carrying the links
 * (but those in cut) while it waits */
static gsize
tun_read (Fixture *f, int fd, guint32 cut, guint8 *buf, gsize size)
{
  gssize n;

  CARRY_UNTIL (f, cut, (n = read (fd, buf, size)) >= 0 || errno != EAGAIN);
  g_assert_cmpint (n, >, 0);
  return (gsize) n;
}

static void
assert_tun_empty (int fd)
{
  guint8 buf[2048];

  g_assert_cmpint (read (fd, buf, sizeof buf), ==, -1);
  g_assert_cmpint (errno, ==, EAGAIN);
}

/* ---- the handshake, and both paths brought up ---- */

static void
send_initiation (Fixture *f)
{
  TttdPeer *peer = f->client_peer;
  guint8 msg[TTTD_INITIATION_LEN];
  TttdInitPayload payload = {
    .timestamp_us = (guint64) g_get_real_time (),
    .link = 0,
    .ciphers = tttd_cipher_local_mask (),
    .flags = peer->fresh ? TTTD_HANDSHAKE_FRESH : 0,
  };

  g_assert_cmpint (tttd_handshake_create_initiation (peer->handshake, f->client_id, f->server_id->public_key,
                                                     tttd_engine_new_index (f->client), &payload,
                                                     g_get_monotonic_time (), msg),
                   ==, TTTD_HANDSHAKE_OK);
  tttd_engine_send_raw (f->client, &f->queue[CLIENT_0], &peer->paths[0].remote, msg, sizeof msg);
  tttd_engine_flush (f->client);
}

/* a handshake on path 0, then a round of probes on both paths, as the
 * client's timer sends them once it has keys */
static void
connect_peers (Fixture *f)
{
  send_initiation (f);
  CARRY_UNTIL (f, 0, f->responses > 0);
  g_assert_cmpuint (f->initiations, ==, 1);
  g_assert_cmpuint (f->responses, ==, 1);
  /* the client has a session; the server waits for the client's first
   * message under the new keys before it sends with them */
  g_assert_nonnull (tttd_keyring_sender (&f->client_peer->keyring, g_get_monotonic_time ()));
  g_assert_null (tttd_keyring_sender (&f->server_peer->keyring, g_get_monotonic_time ()));

  tttd_peer_tick (f->client_peer, TRUE, g_get_monotonic_time ());
  CARRY_UNTIL (f, 0,
               tttd_peer_path_state (f->client_peer, 0) == TTTD_LINK_UP &&
                 tttd_peer_path_state (f->client_peer, 1) == TTTD_LINK_UP);
  g_assert_nonnull (tttd_keyring_sender (&f->server_peer->keyring, g_get_monotonic_time ()));
  for (guint link = 0; link < 2; link++)
    {
      g_assert_cmpint (tttd_peer_path_state (f->client_peer, link), ==, TTTD_LINK_UP);
      g_assert_cmpint (tttd_peer_path_state (f->server_peer, link), ==, TTTD_LINK_UP);
    }
}

static void
test_handshake (Fixture *f, gconstpointer data)
{
  TttdPathInfo info;

  connect_peers (f);
  /* the server learned path 0 from the initiation, path 1 from its first
   * probe, each where the client's socket for it is */
  g_assert_cmpuint (f->paths_learned, ==, 1);
  for (guint link = 0; link < 2; link++)
    {
      tttd_peer_path_info (f->server_peer, link, &info);
      g_assert_true (info.present);
      g_assert_true (tttd_sockaddr_equal (&info.remote, &f->addr[CLIENT_0 + link]));
      g_assert_true (f->server_peer->paths[link].queue == &f->queue[SERVER_0 + link]);
    }
  /* the client's first message confirmed the server's keys: one session,
   * the same one each way */
  g_assert_nonnull (f->server_peer->keyring.current);
  g_assert_null (f->server_peer->keyring.next);
  g_assert_cmpuint (f->client_peer->keyring.current->local_index, ==, f->server_peer->keyring.current->remote_index);
  g_assert_cmpuint (f->client_peer->keyring.current->remote_index, ==, f->server_peer->keyring.current->local_index);
  g_assert_cmpuint (tttd_engine_stats (f->client)->rx_auth_failed, ==, 0);
  g_assert_cmpuint (tttd_engine_stats (f->server)->rx_auth_failed, ==, 0);
  g_assert_cmpuint (tttd_engine_stats (f->server)->rx_unknown_index, ==, 0);
}

/* each packet in, the same bytes out at the far end */
static void
send_and_check (Fixture *f, TttdEngine *from, int from_tun, int to_tun, const guint8 *packet, gsize len)
{
  guint8 got[2048];
  gsize got_len;

  tun_write (from_tun, packet, len);
  tttd_engine_tun_readable (from);
  got_len = tun_read (f, to_tun, 0, got, sizeof got);
  g_assert_cmpmem (got, got_len, packet, len);
  /* once */
  carry (f, 0);
  assert_tun_empty (to_tun);
}

static void
test_data (Fixture *f, gconstpointer data)
{
  guint8 packet[2048];
  gsize len;

  connect_peers (f);
  /* client to server: bulk UDP on both paths (round robin), and a ping,
   * which goes around the reorder buffer */
  for (guint16 i = 0; i < 4; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, i, BULK_PAYLOAD);
      send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
    }
  len = build_ping (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 1);
  send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
  /* and back */
  for (guint16 i = 0; i < 4; i++)
    {
      len = build_udp (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 100 + i, BULK_PAYLOAD);
      send_and_check (f, f->server, f->server_tun[1], f->client_tun[1], packet, len);
    }
  len = build_ping (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 2);
  send_and_check (f, f->server, f->server_tun[1], f->client_tun[1], packet, len);

  g_assert_cmpuint (f->client_peer->stats.tx_packets, ==, 5);
  g_assert_cmpuint (f->server_peer->stats.rx_packets, ==, 5);
  g_assert_cmpuint (f->server_peer->stats.tx_packets, ==, 5);
  g_assert_cmpuint (f->client_peer->stats.rx_packets, ==, 5);
  g_assert_cmpuint (tttd_engine_stats (f->server)->tun_written, ==, 5);
  g_assert_cmpuint (tttd_engine_stats (f->client)->tun_written, ==, 5);
  /* both paths carried data each way */
  for (guint link = 0; link < 2; link++)
    {
      g_assert_cmpuint (f->client_peer->paths[link].last_rx_data_us, !=, 0);
      g_assert_cmpuint (f->server_peer->paths[link].last_rx_data_us, !=, 0);
    }
}

/* a server peer without a session holds none of a session's state */
static void
assert_no_session (TttdPeer *peer)
{
  TttdPathInfo info;

  g_assert_null (peer->reorder);
  g_assert_null (peer->recover);
  g_assert_null (peer->sched);
  g_assert_null (peer->paths);
  g_assert_cmpuint (peer->n_paths, ==, 0);
  g_assert_null (peer->keyring.current);
  g_assert_false (peer->holding);
  g_assert_false (peer->pacing);
  /* and what the layers above read of it still answers */
  for (guint link = 0; link < TTTD_SCHED_MAX_LINKS; link++)
    {
      tttd_peer_path_info (peer, link, &info);
      g_assert_false (info.present);
      g_assert_cmpint (tttd_peer_path_state (peer, link), ==, TTTD_LINK_DOWN);
    }
}

/* a configured peer costs a few KiB until its session starts; the session
 * brings its state, its end frees it (the counters stay), and the client
 * connects again */
static void
test_lazy_session (Fixture *f, gconstpointer data)
{
  TttdPeerCounters counters;
  guint64 delivered;
  guint8 packet[2048];
  gsize len;
  gint64 deadline;

  g_assert_cmpuint (sizeof (TttdPeer), <=, 4096);
  assert_no_session (f->server_peer);
  /* its timer and counters need no session */
  tttd_peer_tick (f->server_peer, FALSE, g_get_monotonic_time ());
  tttd_peer_get_counters (f->server_peer, &counters);
  g_assert_cmpuint (counters.reorder.delivered, ==, 0);
  assert_no_session (f->server_peer);

  connect_peers (f);
  g_assert_nonnull (f->server_peer->reorder);
  g_assert_nonnull (f->server_peer->recover);
  g_assert_nonnull (f->server_peer->sched);
  /* room for the links it uses, not for all it might */
  g_assert_cmpuint (f->server_peer->n_paths, ==, 2);
  /* nothing came out of order yet: no reorder slots */
  g_assert_null (f->server_peer->reorder->slots);
  for (guint16 i = 0; i < 4; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, i, BULK_PAYLOAD);
      send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
    }
  len = build_udp (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 100, BULK_PAYLOAD);
  send_and_check (f, f->server, f->server_tun[1], f->client_tun[1], packet, len);
  tttd_peer_get_counters (f->server_peer, &counters);
  delivered = counters.reorder.delivered;
  g_assert_cmpuint (delivered, ==, 4);

  /* the client says goodbye: the server's session ends, its memory goes */
  tttd_peer_close (f->client_peer);
  CARRY_UNTIL (f, 0, f->closed > 0);
  carry (f, 0);
  assert_no_session (f->server_peer);
  g_assert_null (tttd_keyring_sender (&f->server_peer->keyring, g_get_monotonic_time ()));
  tttd_peer_get_counters (f->server_peer, &counters);
  g_assert_cmpuint (counters.reorder.delivered, ==, delivered);
  /* a packet for it now finds no session, and allocates nothing */
  len = build_udp (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 101, BULK_PAYLOAD);
  tun_write (f->server_tun[1], packet, len);
  tttd_engine_tun_readable (f->server);
  g_assert_cmpuint (f->server_peer->stats.tx_no_session, ==, 1);
  assert_no_session (f->server_peer);

  /* the client starts over, and the session comes back */
  tttd_engine_reset_peer (f->client_peer);
  f->initiations = f->responses = 0;
  send_initiation (f);
  CARRY_UNTIL (f, 0, f->responses > 0);
  g_assert_nonnull (f->server_peer->reorder);
  deadline = g_get_monotonic_time () + WAIT_US;
  while (tttd_keyring_sender (&f->server_peer->keyring, g_get_monotonic_time ()) == NULL ||
         tttd_peer_path_state (f->server_peer, 0) != TTTD_LINK_UP ||
         tttd_peer_path_state (f->server_peer, 1) != TTTD_LINK_UP)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tttd_peer_tick (f->client_peer, TRUE, g_get_monotonic_time ());
      pump (f, 0, 1);
    }
  for (guint16 i = 0; i < 2; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 200 + i, BULK_PAYLOAD);
      send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
      len = build_udp (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 300 + i, BULK_PAYLOAD);
      send_and_check (f, f->server, f->server_tun[1], f->client_tun[1], packet, len);
    }
  tttd_peer_get_counters (f->server_peer, &counters);
  g_assert_cmpuint (counters.reorder.delivered, ==, delivered + 2);
}

/* the server engine reads the socket of path link until count more
 * authentic datagrams came in on it */
static void
deliver_path (Fixture *f, guint link, guint64 count)
{
  guint64 want = server_rx_packets (f, link) + count;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (server_rx_packets (f, link) < want)
    {
      struct pollfd pfd = { .fd = f->fd[SERVER_0 + link], .events = POLLIN };
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (poll (&pfd, 1, QUIET_MS) == 1)
        tttd_engine_socket_readable (f->server, &f->queue[SERVER_0 + link]);
    }
  g_assert_cmpuint (server_rx_packets (f, link), ==, want);
}

#define BURST 16

static void
test_reorder (Fixture *f, gconstpointer data)
{
  TttdPeerCounters before, after;
  guint8 packet[2048], got[2048];
  guint64 sent[2];
  gsize len;

  connect_peers (f);
  /* data on both paths first: the server waits only for paths that carry data */
  for (guint16 i = 0; i < 2; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, i, BULK_PAYLOAD);
      send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
    }
  tttd_peer_get_counters (f->server_peer, &before);

  /* a burst, spread over both paths */
  for (guint16 i = 0; i < BURST; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 1000 + i, BULK_PAYLOAD);
      tun_write (f->client_tun[1], packet, len);
    }
  for (guint link = 0; link < 2; link++)
    sent[link] = f->client_peer->paths[link].tx_packets;
  tttd_engine_tun_readable (f->client);
  for (guint link = 0; link < 2; link++)
    {
      sent[link] = f->client_peer->paths[link].tx_packets - sent[link];
      g_assert_cmpuint (sent[link], ==, BURST / 2);
    }

  /* path 1 is faster: all of its half comes first, and waits */
  deliver_path (f, 1, sent[1]);
  assert_tun_empty (f->server_tun[1]);
  tttd_peer_get_counters (f->server_peer, &after);
  g_assert_cmpuint (after.reorder.delivered, ==, before.reorder.delivered);
  /* path 0's half comes: everything goes out, in the order it was sent */
  deliver_path (f, 0, sent[0]);
  for (guint16 i = 0; i < BURST; i++)
    {
      len = tun_read (f, f->server_tun[1], 0, got, sizeof got);
      g_assert_cmpuint (len, ==, 20 + 8 + BULK_PAYLOAD);
      g_assert_cmpuint (packet_index (got), ==, 1000 + i);
    }
  carry (f, 0);
  assert_tun_empty (f->server_tun[1]);

  tttd_peer_get_counters (f->server_peer, &after);
  g_assert_cmpuint (after.reorder.delivered - before.reorder.delivered, ==, BURST);
  g_assert_cmpuint (after.reorder.reordered - before.reorder.reordered, ==, sent[1]);
  g_assert_cmpuint (after.reorder.lost, ==, before.reorder.lost);
  g_assert_cmpuint (after.reorder.duplicates, ==, before.reorder.duplicates);
}

/* the client ticks (its timer's work) until path link is down, carrying
 * the other path and throwing away what goes on this one */
static gint64
tick_until_down (Fixture *f, guint link)
{
  gint64 start = g_get_monotonic_time ();

  while (tttd_peer_path_state (f->client_peer, link) != TTTD_LINK_DOWN)
    {
      gint64 now = g_get_monotonic_time ();
      g_assert_cmpint (now - start, <, WAIT_US);
      tttd_peer_tick (f->client_peer, TRUE, now);
      carry (f, PATH_BITS (link));
    }
  return g_get_monotonic_time () - start;
}

static void
test_dead_path (Fixture *f, gconstpointer data)
{
  TttdPeerCounters client_counters, server_counters;
  gboolean seen[10] = { FALSE };
  guint8 packet[2048], got[2048];
  gint64 took;
  gsize len;

  connect_peers (f);
  /* path 1 goes silent, both ways, just as a burst goes out on both paths */
  for (guint16 i = 0; i < G_N_ELEMENTS (seen); i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, i, BULK_PAYLOAD);
      tun_write (f->client_tun[1], packet, len);
    }
  tttd_engine_tun_readable (f->client);
  CARRY_UNTIL (f, PATH_BITS (1), f->dropped == G_N_ELEMENTS (seen) / 2);

  took = tick_until_down (f, 1);
  g_test_message ("path 1 found down after %" G_GINT64_FORMAT " ms", took / 1000);
  g_assert_cmpint (tttd_peer_path_state (f->client_peer, 0), ==, TTTD_LINK_UP);
  /* the client tells the server on path 0 at once: it stops using path 1 too */
  CARRY_UNTIL (f, PATH_BITS (1), tttd_peer_path_state (f->server_peer, 1) == TTTD_LINK_DOWN);
  g_assert_cmpint (tttd_peer_path_state (f->server_peer, 0), ==, TTTD_LINK_UP);

  /* what went on path 1 as it died came again on path 0: all of the
   * burst is through */
  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    {
      guint16 index;
      len = tun_read (f, f->server_tun[1], PATH_BITS (1), got, sizeof got);
      g_assert_cmpuint (len, ==, 20 + 8 + BULK_PAYLOAD);
      index = packet_index (got);
      g_assert_cmpuint (index, <, G_N_ELEMENTS (seen));
      g_assert_false (seen[index]);
      seen[index] = TRUE;
    }
  carry (f, PATH_BITS (1));
  assert_tun_empty (f->server_tun[1]);
  tttd_peer_get_counters (f->client_peer, &client_counters);
  tttd_peer_get_counters (f->server_peer, &server_counters);
  g_assert_cmpuint (client_counters.peer.tx_resent, ==, G_N_ELEMENTS (seen) / 2);
  g_assert_cmpuint (server_counters.peer.rx_resent, ==, G_N_ELEMENTS (seen) / 2);

  /* from now on data goes on path 0 only, in order, each way */
  for (guint16 i = 0; i < 6; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 100 + i, BULK_PAYLOAD);
      tun_write (f->client_tun[1], packet, len);
    }
  tttd_engine_tun_readable (f->client);
  for (guint16 i = 0; i < 6; i++)
    {
      tun_read (f, f->server_tun[1], PATH_BITS (1), got, sizeof got);
      g_assert_cmpuint (packet_index (got), ==, 100 + i);
    }
  for (guint16 i = 0; i < 6; i++)
    {
      len = build_udp (packet, SERVER_ADDRESS, CLIENT_ADDRESS, 200 + i, BULK_PAYLOAD);
      tun_write (f->server_tun[1], packet, len);
    }
  tttd_engine_tun_readable (f->server);
  for (guint16 i = 0; i < 6; i++)
    {
      tun_read (f, f->client_tun[1], PATH_BITS (1), got, sizeof got);
      g_assert_cmpuint (packet_index (got), ==, 200 + i);
    }
  carry (f, PATH_BITS (1));
  assert_tun_empty (f->server_tun[1]);
  assert_tun_empty (f->client_tun[1]);
  g_assert_cmpuint (f->client_peer->stats.tx_no_link, ==, 0);
  g_assert_cmpuint (f->server_peer->stats.tx_no_link, ==, 0);
}

/* the pseudo-header sum of an IPv4/TCP packet, folded: a partial checksum */
static guint16
tcp_pseudo (const guint8 *packet, gsize len)
{
  guint32 sum = IPPROTO_TCP + (guint32) (len - 20);

  for (guint i = 12; i < 20; i += 2)
    sum += (guint32) (packet[i] << 8 | packet[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

/* a TSO packet read with a virtio_net_hdr crosses as segments with partial
 * checksums, marked so; the far end writes them with NEEDS_CSUM, or
 * finishes them itself where its TUN has no vnet header; to a peer that
 * did not announce partial checksums they go complete */
static void
test_csum_partial (Fixture *f, gconstpointer data)
{
  enum { MSS = 1000, PAYLOAD = 3 * MSS, LEN = 40 + PAYLOAD };
  static guint8 in[TTTD_VNET_HDR_LEN + LEN], got[TTTD_VNET_HDR_LEN + LEN], seg[2048];
  const TttdEngineStats *stats;
  guint64 gro_segments = 0, gro_packets = 0;
  guint8 *packet = in + TTTD_VNET_HDR_LEN;
  TttdVnetHdr hdr = {
    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
    .hdr_len = 40, .gso_size = MSS, .csum_start = 20, .csum_offset = 16,
  }, out;

  connect_peers (f);
  tttd_engine_set_vnet (f->client, TRUE);
  build_ipv4 (packet, CLIENT_ADDRESS, SERVER_ADDRESS, IPPROTO_TCP, 7, 20 + PAYLOAD);
  put16 (packet + 20, 50000);
  put16 (packet + 22, 5201);
  packet[32] = 5 << 4;
  packet[33] = 0x10; /* ACK */
  for (guint i = 0; i < PAYLOAD; i++)
    packet[40 + i] = (guint8) (i * 11 + 5);
  put16 (packet + 36, tcp_pseudo (packet, LEN));
  tttd_vnet_hdr_write (in, &hdr);
  /* 0: partial, a vnet header on the far TUN; 1: partial, none there;
   * 2: the far end did not announce partial checksums */
  for (guint round = 0; round < 3; round++)
    {
      gboolean vnet = round == 0;
      guint seen = 0;
      guint frames = 0;

      f->client_peer->csum_partial = round < 2;
      tttd_engine_set_vnet (f->server, vnet);
      tun_write (f->client_tun[1], in, sizeof in);
      tttd_engine_tun_readable (f->client);
      /* with a vnet header the far end may write segments of one receive
       * batch joined (GRO): each frame is cut again as the kernel would */
      while (seen != 7)
        {
          gsize n = tun_read (f, f->server_tun[1], 0, got, sizeof got);
          TttdGso cut;
          gssize seg_len;

          frames++;
          if (vnet)
            tttd_vnet_hdr_parse (got, &out);
          else
            out = (TttdVnetHdr){ 0 };
          g_assert_true (
            tttd_gso_init (&cut, vnet ? got + TTTD_VNET_HDR_LEN : got, vnet ? n - TTTD_VNET_HDR_LEN : n, &out));
          while ((seg_len = tttd_gso_next (&cut, seg, sizeof seg)) > 0)
            {
              gsize len = (gsize) seg_len;
              /* two paths: the segments may come in any order; the TCP
               * sequence number (from 0) says which one it is */
              guint32 at = (guint32) seg[24] << 24 | (guint32) seg[25] << 16 | (guint32) seg[26] << 8 | seg[27];

              g_assert_cmpuint (len, ==, 40 + MSS);
              g_assert_cmpuint (at % MSS, ==, 0);
              g_assert_cmpuint (at, <, PAYLOAD);
              g_assert_false (seen & (1u << (at / MSS)));
              seen |= 1u << (at / MSS);
              g_assert_cmpmem (seg + 40, MSS, packet + 40 + at, MSS);
              if (vnet)
                {
                  /* the kernel would finish it: do as it does */
                  g_assert_cmpuint (out.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
                  g_assert_cmpuint (out.csum_start, ==, 20);
                  g_assert_cmpuint (out.csum_offset, ==, 16);
                  g_assert_true (cut.partial);
                  g_assert_cmphex (seg[36] << 8 | seg[37], ==, tcp_pseudo (seg, len));
                  put16 (seg + 36, checksum (seg + 20, len - 20, 0));
                }
              /* a whole checksum verifies: the sum with the pseudo-header is 0 */
              g_assert_cmphex (checksum (seg + 20, len - 20, tcp_pseudo (seg, len)), ==, 0);
            }
          g_assert_cmpint (seg_len, ==, 0);
        }
      stats = tttd_engine_stats (f->server);
      g_assert_cmpuint (frames, ==,
                        3 - (stats->tun_gro_segments - gro_segments) + (stats->tun_gro_packets - gro_packets));
      gro_segments = stats->tun_gro_segments;
      gro_packets = stats->tun_gro_packets;
      g_assert_cmphex (seen, ==, 7);
      g_assert_cmpuint (f->server_peer->stats.rx_csum_partial, ==, round < 2 ? 3 * (round + 1) : 6);
      g_assert_cmpuint (f->client_peer->stats.tx_csum_partial, ==, round < 2 ? 3 * (round + 1) : 6);
    }
  assert_tun_empty (f->server_tun[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/engine/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("handshake", test_handshake);
  ADD ("data", test_data);
  ADD ("reorder", test_reorder);
  ADD ("lazy-session", test_lazy_session);
  ADD ("dead-path", test_dead_path);
  ADD ("csum-partial", test_csum_partial);
#undef ADD

  return g_test_run ();
}
