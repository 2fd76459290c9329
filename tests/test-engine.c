/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the engine end to end, on the fixture of engine-fixture.c: handshake,
 * data both ways, a session made lazily, reordering across two paths, a
 * path that dies, partial checksums, full pacers */
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
  tttd_put16 (packet + 20, 50000);
  tttd_put16 (packet + 22, 5201);
  packet[32] = 5 << 4;
  packet[33] = 0x10; /* ACK */
  for (guint i = 0; i < PAYLOAD; i++)
    packet[40 + i] = (guint8) (i * 11 + 5);
  tttd_put16 (packet + 36, tcp_pseudo (packet, LEN));
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
                  tttd_put16 (seg + 36, checksum (seg + 20, len - 20, 0));
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

/* both links' pacers full: a packet from TUN is dropped (TCP's signal to
 * slow down) before it has a sequence number, so the far end has no gap
 * to wait for and the next packet comes out at once; one link with room
 * takes what the other cannot */
static void
test_pacer_full (Fixture *f, gconstpointer data)
{
  TttdPeerCounters counters;
  guint8 packet[2048];
  gsize len;
  guint32 seq;
  guint64 full;
  guint delivered = 0;
  gint active;

  connect_peers (f);
  len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 0, BULK_PAYLOAD);
  send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
  for (guint link = 0; link < 2; link++)
    {
      /* paced at 1 Mbit/s, a second of backlog: far past what it holds */
      f->client_peer->paths[link].health.pacing_Bps = 125000;
      f->client_peer->sched->links[link].rate_Bps = 125000;
      f->client_peer->sched->links[link].backlog_until_us = g_get_monotonic_time () + G_USEC_PER_SEC;
    }
  seq = f->client_peer->tx_seq;
  full = f->client_peer->stats.tx_queue_full;
  len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 1, BULK_PAYLOAD);
  tun_write (f->client_tun[1], packet, len);
  tttd_engine_tun_readable (f->client);
  carry (f, 0);
  assert_tun_empty (f->server_tun[1]);
  g_assert_cmpuint (f->client_peer->stats.tx_queue_full, ==, full + 1);
  g_assert_cmpuint (f->client_peer->tx_seq, ==, seq);

  /* one link with room: round robin picks the full one every other
   * time, and the packet goes on the other */
  tttd_scheduler_set_strategy (f->client_peer->sched, TTTD_STRATEGY_BALANCE_RR);
  f->client_peer->paths[1].health.pacing_Bps = 0;
  f->client_peer->sched->links[1].rate_Bps = 0;
  for (guint16 i = 0; i < 4; i++)
    {
      guint64 rx = server_rx_packets (f, 1);
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 10 + i, BULK_PAYLOAD);
      send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
      g_assert_cmpuint (server_rx_packets (f, 1), ==, rx + 1);
    }
  g_assert_cmpuint (f->client_peer->stats.tx_queue_full, ==, full + 1);
  g_assert_cmpuint (f->client_peer->stats.tx_moved, ==, 2);
  g_assert_cmpuint (f->client_peer->tx_seq, ==, seq + 4);
  seq += 4;

  /* never onto a metered link: the one with room is metered, so what
   * round robin gives the full one is dropped, not moved */
  f->client_peer->sched->links[1].metered = TRUE;
  for (guint16 i = 0; i < 4; i++)
    {
      len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 20 + i, BULK_PAYLOAD);
      tun_write (f->client_tun[1], packet, len);
      tttd_engine_tun_readable (f->client);
      carry (f, 0);
      while (read (f->server_tun[1], packet, sizeof packet) > 0)
        delivered++;
    }
  g_assert_cmpuint (f->client_peer->stats.tx_moved, ==, 2);
  g_assert_cmpuint (f->client_peer->stats.tx_queue_full, >=, full + 3);
  g_assert_cmpuint (f->client_peer->tx_seq - seq, ==, 4 - (f->client_peer->stats.tx_queue_full - full - 1));
  g_assert_cmpuint (delivered, ==, f->client_peer->tx_seq - seq);
  seq = f->client_peer->tx_seq;
  full = f->client_peer->stats.tx_queue_full;
  f->client_peer->sched->links[1].metered = FALSE;

  /* nor onto the backup under active-backup: the active link is full */
  tttd_scheduler_set_strategy (f->client_peer->sched, TTTD_STRATEGY_ACTIVE_BACKUP);
  f->client_peer->paths[0].health.pacing_Bps = 0;
  f->client_peer->sched->links[0].rate_Bps = 0;
  len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 30, BULK_PAYLOAD);
  send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
  seq++;
  active = f->client_peer->sched->active;
  g_assert_cmpint (active, >=, 0);
  g_assert_cmpint (active, <, 2);
  f->client_peer->paths[active].health.pacing_Bps = 125000;
  f->client_peer->sched->links[active].rate_Bps = 125000;
  f->client_peer->sched->links[active].backlog_until_us = g_get_monotonic_time () + G_USEC_PER_SEC;
  len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 31, BULK_PAYLOAD);
  tun_write (f->client_tun[1], packet, len);
  tttd_engine_tun_readable (f->client);
  carry (f, 0);
  assert_tun_empty (f->server_tun[1]);
  g_assert_cmpuint (f->client_peer->stats.tx_moved, ==, 2);
  g_assert_cmpuint (f->client_peer->stats.tx_queue_full, ==, full + 1);
  g_assert_cmpuint (f->client_peer->tx_seq, ==, seq);

  /* room again: the next one is the next in sequence, not behind a gap */
  for (guint link = 0; link < 2; link++)
    {
      f->client_peer->paths[link].health.pacing_Bps = 0;
      f->client_peer->sched->links[link].rate_Bps = 0;
    }
  len = build_udp (packet, CLIENT_ADDRESS, SERVER_ADDRESS, 2, BULK_PAYLOAD);
  send_and_check (f, f->client, f->client_tun[1], f->server_tun[1], packet, len);
  g_assert_cmpuint (f->client_peer->tx_seq, ==, seq + 1);
  tttd_peer_get_counters (f->server_peer, &counters);
  g_assert_cmpuint (counters.reorder.lost, ==, 0);
  g_assert_cmpuint (counters.reorder.timeouts, ==, 0);
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
  ADD ("pacer-full", test_pacer_full);
#undef ADD

  return g_test_run ();
}
