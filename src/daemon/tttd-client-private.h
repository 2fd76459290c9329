/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include "tttd-client.h"
#include "tttd-cookie.h"
#include "tttd-failover.h"
#include "tttd-handshake.h"
#include "tttd-netlink.h"
#include "tttd-routing.h"

G_BEGIN_DECLS

struct _TttdClient {
  const TttdConfig *config;
  TttdIdentity *identity;
  TttdNetlink *netlink;
  TttdNetlinkMonitor *monitor;
  int tun_fd;
  gboolean system;       /* FALSE: a test's TUN, touch nothing else */
  gboolean tun_offloads; /* the kernel hands us TSO packets */
  char *tun_name;
  int tun_ifindex;
  GSource *tun_watch;
  TttdEngine *engine;
  TttdPeer *peer;
  TttdRouting *routing;
  guint mtu;
  GSource *timer;
  guint rebind_id;
  TttdClientLink *links[TTTD_SCHED_MAX_LINKS];
  TttdListeners *listeners; /* the daemon's: what changed */

  /* the handshake in progress */
  gint64 handshake_sent_us;
  guint handshake_attempts;
  guint handshake_link;
  guint64 last_timestamp;
  guint64 bad_responses;
  gboolean dead;           /* the server stopped answering */
  gint64 no_link_since_us; /* no link at all since (0: there is one) */
  TttdCookieJar cookies;   /* the server's latest cookie (mac2) */
  TttdFailover failover;   /* which of the server= endpoints we use */

  /* tunnel addresses the server assigned */
  TttdPrefix assigned[TTTD_RESPONSE_ADDRESSES];
  guint n_assigned;
};

void tttd_client_unbind_link (TttdClient *client, TttdClientLink *link);
void tttd_client_link_free (TttdClientLink *link);
/* the engine's link_of_queue: the link whose socket queue this is */
gint tttd_client_link_of_queue (gpointer data, TttdTxQueue *queue);
void tttd_client_update_mtu (TttdClient *client);
/* the endpoint in use changed: every link's path goes to it, same sockets */
void tttd_client_move_endpoint (TttdClient *client, guint from);
void tttd_client_on_netlink (TttdNetlinkEvent event, int ifindex, const char *ifname, gpointer user_data);

G_END_DECLS
