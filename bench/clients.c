/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* clients: N tttd clients in one process, against one real server, for
 * bench/scale.sh.  Each has its own UDP socket, does a real Noise IK
 * handshake with the client's retry and backoff, probes as the client does
 * (the first probe confirms the keys to the server; the next keep its path
 * up), then optionally sends ICMP echo requests from its tunnel address to
 * the server's and counts the replies.  One epoll loop, non-blocking
 * sockets, no thread per client.
 *
 * The server allows 5 handshakes/s (burst 10) per source address: with
 * --source-base, client i sends from ADDR + i and all may start at once;
 * from one address, pace them with --handshake-rate 4 or so.
 *
 * Phases: all connect; --idle-seconds of probes only; --quiet-seconds of
 * probes at tttd's quiet rate (once a link has been idle 30 s);
 * --dormant-seconds at its dormant rate (idle 2 minutes); --rekey (all at
 * once); --seconds of traffic; --reload-seconds of the same traffic while
 * the server reloads (SIGHUP); all close.  With --server-pid, the server's
 * memory, CPU time and counters are sampled between phases.
 *
 *   clients --generate N FILE     N private keys to FILE, [peer] groups to stdout
 *   clients --sizes               what the server's per-peer structures weigh
 *   clients --server ADDR:PORT --server-key BASE64 --keys FILE [--count N]
 *           [--source-base ADDR] [--seconds S --pps P] ...
 *
 * Results go to stdout as key=value lines, progress to stderr. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients.h"

void
die (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("clients: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  exit (1);
}

/* ---------------------------------------------------------------- packets */

static guint16
ip_checksum (const guint8 *data, gsize len)
{
  guint32 sum = 0;

  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) (data[i] << 8 | data[i + 1]);
  if (len & 1)
    sum += (guint32) data[len - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static void
put_be16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

/* an ICMP echo request of size bytes (IP header included) from the
 * client's tunnel address to the server's; the first 8 bytes of its data
 * are the send time, for the RTT */
static void
write_echo (const Sim *sim, Client *c, guint8 *ip, gsize size, gint64 now)
{
  static const guint8 server_tun[4] = { 198, 19, 0, 1 };
  guint8 *icmp = ip + 20;

  memset (ip, 0, size);
  ip[0] = 0x45;
  put_be16 (ip + 2, (guint16) size);
  put_be16 (ip + 4, c->icmp_seq);
  ip[8] = 64;
  ip[9] = 1;
  memcpy (ip + 12, c->tunnel, 4);
  memcpy (ip + 16, server_tun, 4);
  put_be16 (ip + 10, ip_checksum (ip, 20));
  icmp[0] = 8;
  put_be16 (icmp + 4, (guint16) c->id);
  put_be16 (icmp + 6, c->icmp_seq++);
  tttd_put_le64 (icmp + 8, (guint64) now);
  put_be16 (icmp + 2, ip_checksum (icmp, size - 20));
}

static void
transmit (Sim *sim, Client *c, guint8 *buf, const TttdInner *inner, gsize payload_len)
{
  gsize total;

  tttd_inner_write (buf + TTTD_HEADER_LEN, inner);
  total = tttd_keypair_seal (c->keypair, G_MAXUINT64, buf, TTTD_INNER_LEN + payload_len);
  c->link_tx++;
  if (send (c->fd, buf, total, MSG_DONTWAIT) != (gssize) total)
    sim->tx_errors++;
}

static guint
probe_interval_ms (const Sim *sim, const Client *c, gint64 now)
{
  if (c->last_data_us != 0 && now - c->last_data_us < ACTIVE_US)
    return MIN ((guint) sim->probe_ms, ACTIVE_PROBE_MS);
  if (sim->slow_ms != 0)
    return MAX ((guint) sim->probe_ms, sim->slow_ms);
  return (guint) sim->probe_ms;
}

static void
send_probe (Sim *sim, Client *c, gint64 now)
{
  guint8 buf[TTTD_HEADROOM + TTTD_PROBE_LEN + TTTD_TAG_LEN];
  guint interval = probe_interval_ms (sim, c, now);
  TttdProbe probe = {
    .echo = c->last_rtt_us,
    .tx_packets = c->link_tx + 1,
    .rx_packets = c->link_rx,
    .rx_bytes = c->link_rx_bytes,
  };
  TttdInner inner = {
    .kind = TTTD_KIND_PROBE,
    .seq = c->tx_seq,                               /* every data sequence before it is sent */
    .link_prev = interval,                          /* when the next one comes */
    .timestamp = (guint32) g_get_monotonic_time (), /* not the tick's: for the RTT */
  };

  tttd_probe_write (buf + TTTD_HEADROOM, &probe);
  transmit (sim, c, buf, &inner, TTTD_PROBE_LEN);
  sim->probes_sent++;
  c->last_probe_us = now;
  c->next_probe_us = now + (gint64) interval * 1000;
}

static void
send_echo (Sim *sim, Client *c, gint64 now)
{
  guint8 buf[BUF_SIZE];
  TttdInner inner = {
    .kind = TTTD_KIND_DATA,
    .seq = c->tx_seq,
    .link_prev = c->sent_data ? c->last_data_seq : c->tx_seq,
    .timestamp = (guint32) now,
  };

  /* the time now, not the tick's: the send itself is part of the RTT */
  write_echo (sim, c, buf + TTTD_HEADROOM, (gsize) sim->size, g_get_monotonic_time ());
  transmit (sim, c, buf, &inner, (gsize) sim->size);
  c->last_data_seq = c->tx_seq++;
  c->sent_data = TRUE;
  c->last_data_us = now;
  sim->data_sent++;
  /* a link that carries data is probed at the active rate, counted from
   * the last probe (as tttd_health_next_probe), which keeps the clients
   * out of step */
  c->next_probe_us = MIN (c->next_probe_us, c->last_probe_us + ACTIVE_PROBE_MS * 1000);
}

static void
send_close (Sim *sim, Client *c)
{
  guint8 buf[TTTD_HEADROOM + TTTD_TAG_LEN];
  TttdInner inner = { .kind = TTTD_KIND_CLOSE, .seq = c->tx_seq };

  if (c->keypair == NULL)
    return;
  transmit (sim, c, buf, &inner, 0);
  c->state = CLIENT_CLOSED;
}

/* ---------------------------------------------------------------- handshake */

static void
send_initiation (Sim *sim, Client *c, gint64 now)
{
  guint8 msg[TTTD_INITIATION_LEN];
  TttdInitPayload payload = { 0 };
  guint32 index;

  c->last_timestamp = MAX ((guint64) g_get_real_time (), c->last_timestamp + 1);
  payload.timestamp_us = c->last_timestamp;
  payload.link = 0;
  payload.ciphers = tttd_cipher_local_mask ();
  payload.flags = c->fresh ? TTTD_HANDSHAKE_FRESH : 0;
  do
    index = randombytes_random ();
  while (index == 0);
  if (tttd_handshake_create_initiation (&c->hs, &c->identity, sim->server_key, index, &payload, now, msg) !=
      TTTD_HANDSHAKE_OK)
    die ("the server's public key is not usable");
  if (send (c->fd, msg, sizeof msg, MSG_DONTWAIT) != (gssize) sizeof msg)
    sim->tx_errors++;
  if (c->first_init_us == 0)
    c->first_init_us = now;
  if (sim->first_init_us == 0)
    sim->first_init_us = now;
  c->attempts++;
  sim->initiations++;
  c->next_init_us = now + tttd_backoff_retry_after (c->attempts, randombytes_random ());
}

static void
receive_response (Sim *sim, Client *c, const guint8 *msg, gsize len, gint64 now)
{
  TttdResponsePayload response;
  TttdSessionKeys keys;

  if (tttd_handshake_consume_response (&c->hs, &c->identity, msg, len, &response, &keys) != TTTD_HANDSHAKE_OK ||
      (tttd_cipher_local_mask () & (1u << response.cipher)) == 0 || response.n_addresses == 0 ||
      response.addresses[0].family != AF_INET)
    {
      sim->bad_responses++;
      return;
    }
  g_clear_pointer (&c->previous, tttd_keypair_free);
  c->previous = c->keypair;
  c->keypair = tttd_keypair_new (&keys, response.cipher, c->hs.local_index, c->hs.remote_index, TRUE, now);
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (&c->hs);
  memcpy (c->tunnel, response.addresses[0].addr, 4);
  sim->responses++;
  c->attempts = 0;
  if ((response.flags & TTTD_HANDSHAKE_FRESH) || c->fresh)
    {
      /* a new tunnel: sequence numbers start over */
      c->tx_seq = 0;
      c->sent_data = FALSE;
    }
  c->fresh = FALSE;
  if (c->state == CLIENT_HANDSHAKE)
    {
      guint32 us = (guint32) MIN (now - c->first_init_us, G_MAXUINT32);
      c->state = CLIENT_KEYED;
      g_array_append_val (sim->keyed_latency, us);
      if (++sim->keyed == sim->n)
        sim->all_keyed_us = now;
    }
  else
    sim->rekeys++;
  /* the first message with the new keys confirms them to the server; the
   * next probes come at a random phase, as independent clients' would */
  send_probe (sim, c, now);
  c->next_probe_us = now + (gint64) randombytes_uniform ((guint32) sim->probe_ms * 1000);
}

/* ---------------------------------------------------------------- transport */

static void
receive_echo_reply (Sim *sim, Client *c, const guint8 *ip, gsize len, gint64 now)
{
  const guint8 *icmp = ip + 20;
  guint32 rtt;

  if (len < 36 || ip[0] != 0x45 || ip[9] != 1 || icmp[0] != 0 || memcmp (ip + 16, c->tunnel, 4) != 0 ||
      (guint) (icmp[4] << 8 | icmp[5]) != (c->id & 0xffff))
    {
      sim->data_bad++;
      return;
    }
  sim->data_received++;
  rtt = (guint32) MIN (now - (gint64) tttd_get_le64 (icmp + 8), G_MAXUINT32);
  if (sim->sampling && sim->data_rtt->len < MAX_SAMPLES)
    g_array_append_val (sim->data_rtt, rtt);
}

static void
receive_transport (Sim *sim, Client *c, guint8 *buf, gsize len, const TttdHeader *header, gint64 now)
{
  TttdKeypair *keypair = NULL;
  TttdInner inner;
  TttdProbe probe;
  gsize plain_len;

  if (c->keypair != NULL && c->keypair->local_index == header->receiver)
    keypair = c->keypair;
  else if (c->previous != NULL && c->previous->local_index == header->receiver)
    keypair = c->previous;
  if (keypair == NULL)
    {
      sim->rx_unknown_index++;
      return;
    }
  if (tttd_keypair_open (keypair, buf, len, header->counter) != TTTD_OPEN_OK)
    {
      sim->rx_auth_failed++;
      return;
    }
  plain_len = len - TTTD_HEADER_LEN - TTTD_TAG_LEN;
  if (tttd_inner_parse (buf + TTTD_HEADER_LEN, plain_len, &inner) != TTTD_PARSE_OK)
    {
      sim->rx_malformed++;
      return;
    }
  c->link_rx++;
  c->link_rx_bytes += (guint32) (len + WIRE_OVERHEAD);
  if (sim->last_rx_us != 0)
    sim->max_gap_us = MAX (sim->max_gap_us, now - sim->last_rx_us);
  sim->last_rx_us = now;
  switch (inner.kind)
    {
    case TTTD_KIND_PROBE_REPLY:
      sim->probe_replies++;
      if (tttd_probe_parse (buf + TTTD_HEADROOM, TTTD_PROBE_LEN, &probe) == TTTD_PARSE_OK)
        {
          c->last_rtt_us = MAX ((guint32) now - probe.echo, 1u);
          if (sim->sampling && sim->probe_rtt->len < MAX_SAMPLES)
            g_array_append_val (sim->probe_rtt, c->last_rtt_us);
        }
      if (c->state == CLIENT_KEYED)
        {
          guint32 us = (guint32) MIN (now - c->first_init_us, G_MAXUINT32);
          c->state = CLIENT_UP;
          g_array_append_val (sim->up_latency, us);
          if (++sim->up == sim->n)
            sim->all_up_us = now;
        }
      break;
    case TTTD_KIND_DATA: receive_echo_reply (sim, c, buf + TTTD_HEADROOM, plain_len - TTTD_INNER_LEN, now); break;
    case TTTD_KIND_CLOSE: sim->closes_received++; break;
    default: break;
    }
}

static void
on_readable (Sim *sim, Client *c)
{
  guint8 buf[BUF_SIZE];
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < RX_BATCH; i++)
    {
      gssize n = recv (c->fd, buf, sizeof buf, MSG_DONTWAIT);
      TttdHeader header;

      if (n < 0)
        break;
      if (tttd_header_parse (buf, (gsize) n, &header) != TTTD_PARSE_OK)
        sim->rx_malformed++;
      else if (header.type == TTTD_MSG_RESPONSE)
        receive_response (sim, c, buf, (gsize) n, now);
      else if (header.type == TTTD_MSG_TRANSPORT)
        receive_transport (sim, c, buf, (gsize) n, &header, now);
      else
        sim->rx_malformed++;
    }
}

/* ---------------------------------------------------------------- the loop */

static void
tick (Sim *sim, gint64 now, double dt_s)
{
  for (guint i = 0; i < sim->n; i++)
    {
      Client *c = &sim->clients[i];

      if (c->state == CLIENT_CLOSED)
        continue;
      if (c->state == CLIENT_WAITING && now >= c->start_us)
        {
          c->state = CLIENT_HANDSHAKE;
          send_initiation (sim, c, now);
        }
      else if (c->hs.pending && now >= c->next_init_us)
        send_initiation (sim, c, now);
      if (c->keypair == NULL)
        continue;
      if (sim->rekey_seconds > 0 && !c->hs.pending &&
          now - c->keypair->created_us >= (gint64) sim->rekey_seconds * G_USEC_PER_SEC)
        send_initiation (sim, c, now);
      if (sim->traffic && c->state == CLIENT_UP)
        {
          c->credit = MIN (c->credit + sim->pps * dt_s, 64.0);
          for (; c->credit >= 1.0; c->credit -= 1.0)
            send_echo (sim, c, now);
        }
      if (now >= c->next_probe_us)
        send_probe (sim, c, now);
    }
}

/* run the loop until deadline, or until done says so */
static void
run_until (Sim *sim, gint64 deadline, gboolean (*done) (const Sim *sim))
{
  struct epoll_event events[256];
  gint64 next_tick = g_get_monotonic_time ();

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      int n, timeout_ms;

      if (now >= deadline || (done != NULL && done (sim)))
        return;
      if (now >= next_tick)
        {
          /* across calls too: data is owed for the time in between */
          tick (sim, now, sim->last_tick_us != 0 ? (double) (now - sim->last_tick_us) / G_USEC_PER_SEC : 0);
          sim->last_tick_us = now;
          next_tick = now + TICK_US;
        }
      timeout_ms = (int) ((MIN (next_tick, deadline) - now + 999) / 1000);
      n = epoll_wait (sim->epoll_fd, events, G_N_ELEMENTS (events), MAX (timeout_ms, 0));
      if (n < 0 && errno != EINTR)
        die ("epoll_wait: %s", g_strerror (errno));
      for (int i = 0; i < n; i++)
        on_readable (sim, events[i].data.ptr);
    }
}

static gboolean
all_up (const Sim *sim)
{
  return sim->up == sim->n;
}

static gboolean
all_rekeyed (const Sim *sim)
{
  return sim->rekeys >= sim->up;
}

/* ---------------------------------------------------------------- setup */

static void
load_keys (Sim *sim)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  guint have = 0;

  if (!g_file_get_contents (sim->keys_file, &text, NULL, &error))
    die ("%s", error->message);
  lines = g_strsplit (text, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    have += *g_strstrip (lines[i]) != '\0';
  if (sim->count <= 0)
    sim->count = (gint) have;
  if (have < (guint) sim->count || sim->count == 0)
    die ("%s holds %u keys, %d wanted", sim->keys_file, have, sim->count);
  sim->n = (guint) sim->count;
  sim->clients = g_new0 (Client, sim->n);
  for (guint i = 0, k = 0; k < sim->n && lines[i] != NULL; i++)
    {
      Client *c = &sim->clients[k];
      if (*lines[i] == '\0')
        continue;
      if (!tttd_key_from_base64 (lines[i], c->identity.private_key, &error) ||
          !tttd_key_public (c->identity.private_key, c->identity.public_key))
        die ("%s: key %u: %s", sim->keys_file, k + 1, error ? error->message : "not usable");
      tttd_mac1_key (c->identity.public_key, c->identity.mac1_key);
      c->id = k++;
      c->fd = -1;
      c->fresh = TRUE;
    }
}

static void
open_sockets (Sim *sim)
{
  struct rlimit limit;
  TttdSockaddr base = { 0 };
  guint32 base_host = 0;

  /* one fd per client */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < sim->n + 64)
    {
      limit.rlim_cur = MIN ((rlim_t) sim->n + 64, limit.rlim_max);
      (void) setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (sim->source_base != NULL)
    {
      g_autoptr (GError) error = NULL;
      if (!tttd_sockaddr_parse (sim->source_base, 0, &base, &error) || base.sa.sa_family != AF_INET)
        die ("--source-base: an IPv4 address: %s", error ? error->message : sim->source_base);
      base_host = g_ntohl (base.in4.sin_addr.s_addr);
    }
  sim->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (sim->epoll_fd < 0)
    die ("epoll_create1: %s", g_strerror (errno));
  for (guint i = 0; i < sim->n; i++)
    {
      Client *c = &sim->clients[i];
      struct epoll_event event = { .events = EPOLLIN, .data.ptr = c };

      c->fd = socket (sim->server.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c->fd < 0)
        die ("socket %u: %s", i, g_strerror (errno));
      if (sim->source_base != NULL)
        {
          TttdSockaddr local = base;
          local.in4.sin_addr.s_addr = g_htonl (base_host + i);
          if (bind (c->fd, &local.sa, sizeof local.in4) < 0)
            die ("bind client %u: %s (is the address on an interface?)", i, g_strerror (errno));
        }
      if (connect (c->fd, &sim->server.sa, tttd_sockaddr_len (&sim->server)) < 0)
        die ("connect: %s", g_strerror (errno));
      if (epoll_ctl (sim->epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0)
        die ("epoll_ctl: %s", g_strerror (errno));
    }
}

int
main (int argc, char **argv)
{
  Sim sim = {
    .size = 84,
    .handshake_timeout = 60,
    .probe_ms = 200,
    .rekey_seconds = 120,
  };
  gint generate_n = 0;
  gboolean sizes = FALSE;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &sim.server_text, "The server's UDP endpoint", "ADDR:PORT" },
    { "server-key", 0, 0, G_OPTION_ARG_STRING, &sim.server_key_text, "The server's public key", "BASE64" },
    { "keys", 0, 0, G_OPTION_ARG_FILENAME, &sim.keys_file, "The clients' private keys, one a line", "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &sim.count, "Clients (default: every key in FILE)", "N" },
    { "source-base", 0, 0, G_OPTION_ARG_STRING, &sim.source_base,
      "Client i sends from ADDR + i (the server allows 5 handshakes/s per address)", "ADDR" },
    { "handshake-rate", 0, 0, G_OPTION_ARG_DOUBLE, &sim.handshake_rate,
      "First initiations per second (default: all at once)", "R" },
    { "handshake-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &sim.handshake_timeout,
      "Give up on the sessions not up after this (default 60)", "S" },
    { "idle-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &sim.idle_seconds, "Once all are up, only probe for this long", "S" },
    { "quiet-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &sim.quiet_seconds,
      "Then probe at tttd's quiet rate (a link idle 30 s) for this long", "S" },
    { "dormant-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &sim.dormant_seconds,
      "Then at its dormant rate (idle 2 minutes) for this long", "S" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &sim.seconds, "Then send data for this long", "S" },
    { "pps", 0, 0, G_OPTION_ARG_DOUBLE, &sim.pps, "ICMP echo requests per second per client", "P" },
    { "size", 0, 0, G_OPTION_ARG_INT, &sim.size, "Their size, IP header included (default 84)", "BYTES" },
    { "probe-ms", 0, 0, G_OPTION_ARG_INT, &sim.probe_ms, "Idle probe interval (default 200, as tttd)", "MS" },
    { "rekey-seconds", 0, 0, G_OPTION_ARG_INT, &sim.rekey_seconds, "Rekey after (default 120, as tttd)", "S" },
    { "rekey", 0, 0, G_OPTION_ARG_NONE, &sim.rekey_phase,
      "After the idle phase, every client rekeys at once (the server keeps the previous keys)", NULL },
    { "reload-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &sim.reload_seconds,
      "After the traffic, keep it up this long and send the server SIGHUP (a reload) 1 s in", "S" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &sim.server_pid, "Sample this process's memory and CPU time at each phase",
      "PID" },
    { "generate", 0, 0, G_OPTION_ARG_INT, &generate_n, "Write N keys to FILE, print [peer] groups", "N" },
    { "sizes", 0, 0, G_OPTION_ARG_NONE, &sizes, "Print the sizes of the server's per-peer structures", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[FILE] - simulate many tttd clients");
  g_autoptr (GError) error = NULL;
  gint64 now, traffic_start = 0, traffic_end = 0;
  guint64 traffic_sent = 0, traffic_received = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("%s", error->message);
  if (!tttd_crypto_init (&error))
    die ("%s", error->message);
  if (sizes)
    {
      print_sizes ();
      return 0;
    }
  if (generate_n > 0)
    {
      if (argc != 2)
        die ("--generate N FILE");
      generate ((guint) generate_n, argv[1]);
      return 0;
    }
  if (sim.server_text == NULL || sim.server_key_text == NULL || sim.keys_file == NULL)
    die ("--server, --server-key and --keys are needed (see --help)");
  if (!tttd_sockaddr_parse (sim.server_text, TTTD_DEFAULT_PORT, &sim.server, &error) ||
      !tttd_key_from_base64 (sim.server_key_text, sim.server_key, &error))
    die ("%s", error->message);
  if (sim.size < 36 || sim.size > 1400)
    die ("--size: 36 to 1400 bytes");
  if (sim.probe_ms < 20)
    die ("--probe-ms: 20 at least");
  load_keys (&sim);
  open_sockets (&sim);
  sim.keyed_latency = g_array_sized_new (FALSE, FALSE, sizeof (guint32), sim.n);
  sim.up_latency = g_array_sized_new (FALSE, FALSE, sizeof (guint32), sim.n);
  sim.data_rtt = g_array_new (FALSE, FALSE, sizeof (guint32));
  sim.probe_rtt = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* phase 1: every client connects */
  sim.t0 = now = g_get_monotonic_time ();
  sample_server (&sim, "before");
  for (guint i = 0; i < sim.n; i++)
    sim.clients[i].start_us = now + (sim.handshake_rate > 0 ? (gint64) (i * G_USEC_PER_SEC / sim.handshake_rate) : 0);
  g_printerr ("clients: %u clients connecting to %s\n", sim.n, sim.server_text);
  run_until (&sim, now + (gint64) (sim.handshake_timeout * G_USEC_PER_SEC), all_up);
  sample_server (&sim, "up");
  g_printerr ("clients: %u/%u sessions up after %.2f s\n", sim.up, sim.n, elapsed_s (&sim, g_get_monotonic_time ()));

  /* phase 2: idle sessions, probes only */
  if (sim.idle_seconds > 0)
    {
      run_until (&sim, g_get_monotonic_time () + (gint64) (sim.idle_seconds * G_USEC_PER_SEC), NULL);
      sample_server (&sim, "idle");
    }

  /* phase 2b: the same sessions, idle 30 s or more as tttd sees it:
   * probes at the quiet rate (after one quiet interval to settle in) */
  if (sim.quiet_seconds > 0)
    {
      sim.slow_ms = QUIET_PROBE_MS;
      run_until (&sim, g_get_monotonic_time () + (gint64) QUIET_PROBE_MS * 1500, NULL);
      sample_server (&sim, "quiet_start");
      run_until (&sim, g_get_monotonic_time () + (gint64) (sim.quiet_seconds * G_USEC_PER_SEC), NULL);
      sample_server (&sim, "quiet");
    }
  /* phase 2c: idle 2 minutes or more: the dormant rate */
  if (sim.dormant_seconds > 0)
    {
      sim.slow_ms = DORMANT_PROBE_MS;
      run_until (&sim, g_get_monotonic_time () + (gint64) DORMANT_PROBE_MS * 1100, NULL);
      sample_server (&sim, "dormant_start");
      run_until (&sim, g_get_monotonic_time () + (gint64) (sim.dormant_seconds * G_USEC_PER_SEC), NULL);
      sample_server (&sim, "dormant");
    }
  sim.slow_ms = 0;

  /* phase 3: a rekey, as every client does each rekey interval: the
   * server then holds the previous keys too */
  if (sim.rekey_phase)
    {
      now = g_get_monotonic_time ();
      sim.rekeys = 0;
      for (guint i = 0; i < sim.n; i++)
        if (sim.clients[i].state == CLIENT_UP && !sim.clients[i].hs.pending)
          send_initiation (&sim, &sim.clients[i], now);
      run_until (&sim, now + (gint64) (sim.handshake_timeout * G_USEC_PER_SEC), all_rekeyed);
      printf ("rekey_s=%.3f\n", (double) (g_get_monotonic_time () - now) / G_USEC_PER_SEC);
      sample_server (&sim, "rekeyed");
      g_printerr ("clients: %" G_GUINT64_FORMAT " rekeyed\n", sim.rekeys);
    }

  /* phase 4: traffic; the server is sampled halfway and at the end */
  if (sim.seconds > 0 && sim.pps > 0)
    {
      gint64 half = (gint64) (sim.seconds * G_USEC_PER_SEC / 2);
      g_printerr ("clients: %.0f echo requests/s each for %.0f s\n", sim.pps, sim.seconds);
      /* each client at its own phase: no bursts of N packets at once */
      for (guint i = 0; i < sim.n; i++)
        sim.clients[i].credit = randombytes_uniform (1000000) / 1e6;
      sim.traffic = sim.sampling = TRUE;
      traffic_start = g_get_monotonic_time ();
      sample_server (&sim, "traffic_start");
      run_until (&sim, traffic_start + half, NULL);
      sample_server (&sim, "traffic");
      run_until (&sim, traffic_start + 2 * half, NULL);
      sim.traffic = FALSE;
      traffic_end = g_get_monotonic_time ();
      sample_server (&sim, "traffic_end");
      /* the replies still in flight */
      run_until (&sim, traffic_end + G_USEC_PER_SEC / 2, NULL);
      sim.sampling = FALSE;
      traffic_sent = sim.data_sent;
      traffic_received = sim.data_received;
    }

  /* phase 5: the same traffic while the server reloads its configuration
   * (SIGHUP): the longest time no datagram came back is its stall */
  if (sim.reload_seconds > 0 && sim.server_pid > 0 && sim.pps > 0)
    {
      guint64 sent = sim.data_sent, received = sim.data_received;
      gint64 start = g_get_monotonic_time (), signalled;

      sim.traffic = TRUE;
      run_until (&sim, start + G_USEC_PER_SEC, NULL);
      sample_server (&sim, "reload_start");
      sim.max_gap_us = 0;
      signalled = g_get_monotonic_time ();
      if (kill (sim.server_pid, SIGHUP) < 0)
        die ("cannot signal %d: %s", sim.server_pid, g_strerror (errno));
      run_until (&sim, signalled + (gint64) (sim.reload_seconds * G_USEC_PER_SEC), NULL);
      sim.traffic = FALSE;
      sample_server (&sim, "reload_end");
      run_until (&sim, g_get_monotonic_time () + G_USEC_PER_SEC / 2, NULL);
      /* still silent: the stall outlasted the phase */
      sim.max_gap_us = MAX (sim.max_gap_us, g_get_monotonic_time () - sim.last_rx_us);
      printf ("reload_gap_ms=%.1f\nreload_data_sent=%" G_GUINT64_FORMAT "\nreload_data_received=%" G_GUINT64_FORMAT
              "\n",
              sim.max_gap_us / 1000.0, sim.data_sent - sent, sim.data_received - received);
    }

  /* phase 6: every client says goodbye; the server frees the sessions */
  for (guint i = 0; i < sim.n; i++)
    send_close (&sim, &sim.clients[i]);
  g_usleep (G_USEC_PER_SEC);
  sample_server (&sim, "closed");

  report (&sim, (double) (traffic_end - traffic_start) / G_USEC_PER_SEC, traffic_sent, traffic_received);
  for (guint i = 0; i < sim.n; i++)
    {
      close (sim.clients[i].fd);
      g_clear_pointer (&sim.clients[i].keypair, tttd_keypair_free);
      g_clear_pointer (&sim.clients[i].previous, tttd_keypair_free);
      tttd_handshake_clear (&sim.clients[i].hs);
      sodium_memzero (&sim.clients[i].identity, sizeof sim.clients[i].identity);
    }
  g_free (sim.clients);
  g_array_unref (sim.keyed_latency);
  g_array_unref (sim.up_latency);
  g_array_unref (sim.data_rtt);
  g_array_unref (sim.probe_rtt);
  close (sim.epoll_fd);
  return sim.up == sim.n ? 0 : 1;
}
