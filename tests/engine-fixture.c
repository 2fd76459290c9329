/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the engine-test fixture: a client and a server engine wired back to back
 * (UDP on loopback for the links, socketpairs for the TUN devices), the
 * links carried by the test, packets built and read */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <sodium.h>

#include "engine-fixture.h"
#include "tttd-bytes.h"

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

TttdIdentity *
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

void
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

void
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

void
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

TttdEngine *
engine_of_socket (Fixture *f, guint s)
{
  return s < SERVER_0 ? f->client : f->server;
}

void
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
guint
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
void
carry (Fixture *f, guint32 cut)
{
  while (pump (f, cut, QUIET_MS) > 0)
    ;
}

/* the server side of path link: how many authentic datagrams came in on it */
guint64
server_rx_packets (Fixture *f, guint link)
{
  TttdPathInfo info;

  tttd_peer_path_info (f->server_peer, link, &info);
  return info.rx_packets;
}

/* ---- packets ---- */

guint16
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

/* an IPv4 header before l4_len bytes of protocol proto */
void
build_ipv4 (guint8 *out, const char *src, const char *dst, guint8 proto, guint16 id, gsize l4_len)
{
  memset (out, 0, 20);
  out[0] = 0x45;
  tttd_put16 (out + 2, (guint16) (20 + l4_len));
  tttd_put16 (out + 4, id);
  tttd_put16 (out + 6, 0x4000); /* don't fragment */
  out[8] = 64;
  out[9] = proto;
  g_assert_cmpint (inet_pton (AF_INET, src, out + 12), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, dst, out + 16), ==, 1);
  tttd_put16 (out + 10, checksum (out, 20, 0));
}

/* an IPv4/UDP packet whose payload names it by index; returns its length */
gsize
build_udp (guint8 *out, const char *src, const char *dst, guint16 index, gsize payload_len)
{
  guint8 *udp = out + 20;
  gsize l4_len = 8 + payload_len;
  guint32 pseudo = 0;

  build_ipv4 (out, src, dst, IPPROTO_UDP, index, l4_len);
  tttd_put16 (udp, 40000);
  tttd_put16 (udp + 2, 9); /* discard */
  tttd_put16 (udp + 4, (guint16) l4_len);
  tttd_put16 (udp + 6, 0);
  tttd_put16 (udp + 8, index);
  for (gsize i = 2; i < payload_len; i++)
    udp[8 + i] = (guint8) (i * 7 + index);
  /* the pseudo header: addresses, protocol, length */
  for (guint i = 12; i < 20; i += 2)
    pseudo += (guint32) (out[i] << 8 | out[i + 1]);
  pseudo += IPPROTO_UDP + (guint32) l4_len;
  tttd_put16 (udp + 6, checksum (udp, l4_len, pseudo));
  return 20 + l4_len;
}

/* an ICMP echo request; returns its length */
gsize
build_ping (guint8 *out, const char *src, const char *dst, guint16 seq)
{
  guint8 *icmp = out + 20;
  gsize l4_len = 8 + 56;

  build_ipv4 (out, src, dst, IPPROTO_ICMP, seq, l4_len);
  memset (icmp, 0, l4_len);
  icmp[0] = 8; /* echo request */
  tttd_put16 (icmp + 4, 0x7474);
  tttd_put16 (icmp + 6, seq);
  for (gsize i = 8; i < l4_len; i++)
    icmp[i] = (guint8) i;
  tttd_put16 (icmp + 2, checksum (icmp, l4_len, 0));
  return 20 + l4_len;
}

/* what build_udp put in the payload */
guint16
packet_index (const guint8 *packet)
{
  return (guint16) (packet[28] << 8 | packet[29]);
}

void
tun_write (int fd, const guint8 *packet, gsize len)
{
  g_assert_cmpint (write (fd, packet, len), ==, (gssize) len);
}

/* the next packet an engine wrote to its TUN end fd, carrying the links
 * (but those in cut) while it waits */
gsize
tun_read (Fixture *f, int fd, guint32 cut, guint8 *buf, gsize size)
{
  gssize n;

  CARRY_UNTIL (f, cut, (n = read (fd, buf, size)) >= 0 || errno != EAGAIN);
  g_assert_cmpint (n, >, 0);
  return (gsize) n;
}

void
assert_tun_empty (int fd)
{
  guint8 buf[2048];

  g_assert_cmpint (read (fd, buf, sizeof buf), ==, -1);
  g_assert_cmpint (errno, ==, EAGAIN);
}

/* ---- the handshake, and both paths brought up ---- */

void
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
void
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

/* each packet in, the same bytes out at the far end */
void
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
