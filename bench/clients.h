/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* clients: what the simulator's two files share: the simulated clients,
 * the run, and the reports printed of them */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-backoff.h"
#include "tttd-crypto.h"
#include "tttd-engine.h"
#include "tttd-handshake.h"
#include "tttd-keyring.h"
#include "tttd-names.h"
#include "tttd-packet.h"
#include "tttd-recover.h"

#define TICK_US 5000
/* as the client daemon (src/daemon/tttd-client.c, src/core/tttd-health.c) */
#define ACTIVE_PROBE_MS  50
#define QUIET_PROBE_MS   1000 /* quiet_interval_ms: a link idle 30 s */
#define DORMANT_PROBE_MS 5000 /* dormant_interval_ms: idle 2 minutes */
#define ACTIVE_US        G_USEC_PER_SEC
#define WIRE_OVERHEAD    TTTD_UDP4_OVERHEAD
#define RX_BATCH         64
#define MAX_SAMPLES      (1u << 20)
#define BUF_SIZE         2048

typedef enum {
  CLIENT_WAITING,   /* its first initiation is not due yet */
  CLIENT_HANDSHAKE, /* initiation sent, no response yet */
  CLIENT_KEYED,     /* keys, but the server has not answered a probe yet */
  CLIENT_UP,        /* the server answered with the new keys */
  CLIENT_CLOSED,
} ClientState;

typedef struct {
  guint id;
  int fd;
  ClientState state;
  TttdIdentity identity; /* plain memory: a simulator needs no locked pages */
  TttdHandshake hs;
  TttdKeypair *keypair;
  TttdKeypair *previous; /* still receives across a rekey */
  gboolean fresh;
  guint64 last_timestamp;
  guint attempts;
  gint64 start_us;
  gint64 first_init_us;
  gint64 next_init_us;
  gint64 next_probe_us;
  gint64 last_probe_us;
  gint64 last_data_us;
  guint32 last_rtt_us;
  guint8 tunnel[4];
  guint32 tx_seq;
  guint32 last_data_seq;
  gboolean sent_data;
  guint32 link_tx; /* the link's counters, as the probes report them */
  guint32 link_rx;
  guint32 link_rx_bytes;
  double credit;
  guint16 icmp_seq;
} Client;

typedef struct {
  /* options */
  char *server_text;
  char *server_key_text;
  char *keys_file;
  char *source_base;
  gint count;
  gdouble seconds;
  gdouble pps;
  gint size;
  gdouble handshake_rate;
  gdouble handshake_timeout;
  gdouble idle_seconds;
  gint probe_ms;
  gdouble quiet_seconds;
  gdouble dormant_seconds;
  guint slow_ms; /* probing at the quiet or dormant rate; 0: not */
  gint rekey_seconds;
  gint server_pid;
  gboolean rekey_phase;
  gdouble reload_seconds;

  TttdSockaddr server;
  guint8 server_key[32];
  Client *clients;
  guint n;
  int epoll_fd;
  gint64 t0;
  gboolean traffic;
  gboolean sampling; /* RTTs go to data_rtt and probe_rtt */
  gint64 first_init_us;
  gint64 all_keyed_us;
  gint64 all_up_us;
  gint64 last_tick_us;
  gint64 last_rx_us; /* any authentic datagram, any client */
  gint64 max_gap_us; /* the longest silence since the gap was reset */
  guint keyed;
  guint up;

  guint64 initiations;
  guint64 responses;
  guint64 bad_responses;
  guint64 rekeys;
  guint64 probes_sent;
  guint64 probe_replies;
  guint64 data_sent;
  guint64 data_received;
  guint64 data_bad;
  guint64 closes_received;
  guint64 rx_unknown_index;
  guint64 rx_auth_failed;
  guint64 rx_malformed;
  guint64 tx_errors;
  GArray *keyed_latency; /* guint32 us, first initiation to keys */
  GArray *up_latency;    /* guint32 us, first initiation to the first probe reply */
  GArray *data_rtt;      /* guint32 us */
  GArray *probe_rtt;     /* guint32 us, while traffic flows */
} Sim;

void die (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static inline double
elapsed_s (const Sim *sim, gint64 now)
{
  return (double) (now - sim->t0) / G_USEC_PER_SEC;
}

/* clients-report.c */
/* the server's memory, CPU time, UDP errors and counters, as key=value lines */
void sample_server (const Sim *sim, const char *prefix);
/* the traffic phase: what was sent, received, and the latencies */
void report (Sim *sim, double traffic_s, guint64 sent, guint64 received);
/* what the server's per-peer structures weigh */
void print_sizes (void);
/* n private keys to file, the server's [peer] groups to stdout */
void generate (guint n, const char *file);
