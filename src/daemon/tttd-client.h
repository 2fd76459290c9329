/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-config.h"
#include "tttd-engine.h"
#include "tttd-handshake.h"
#include "tttd-listeners.h"
#include "tttd-netlink.h"

G_BEGIN_DECLS

typedef enum {
  TTTD_LINK_SOURCE_CONFIG,
  TTTD_LINK_SOURCE_NETWORKMANAGER,
  TTTD_LINK_SOURCE_DBUS,
} TttdLinkSource;

const char *tttd_link_source_to_string (TttdLinkSource source);

typedef struct _TttdClient TttdClient;

/* one interface the client bonds */
struct _TttdClientLink {
  TttdClient *client;
  guint id; /* the link id on the wire, and the slot */
  char *name;
  int ifindex;
  TttdLinkSource source;
  int fd; /* -1: not usable now (no address, no route) */
  TttdTxQueue queue;
  GSource *watch;
  TttdSockaddr local;
  guint mtu;
  guint weight;
  guint priority;
  gboolean metered;
  gboolean enabled;
  char *why_unusable; /* for the log and D-Bus */
  gboolean rebind_pending;
  /* the gateway NetworkManager reports; without one, the main table's */
  gboolean has_gateway;
  guint8 gateway_family;
  guint8 gateway[16];
  /* the per-link route and rule in place */
  gboolean routed;
  TttdRoute route;
  TttdRule rule;
};

/* tun_fd -1: open and configure the TUN device, routes and firewall; a
 * test's fd (a socketpair) leaves the system alone */
TttdClient *tttd_client_new (const TttdConfig *config, const guint8 private_key[32], TttdListeners *listeners,
                             int tun_fd, GError **error);
void tttd_client_free (TttdClient *client);
void tttd_client_set_config (TttdClient *client, const TttdConfig *config);
const char *tttd_client_tun_name (TttdClient *client);
TttdPeer *tttd_client_peer (TttdClient *client);
TttdEngine *tttd_client_engine (TttdClient *client);
gboolean tttd_client_connected (TttdClient *client);
/* this end's tunnel addresses: configured, or assigned by the server */
guint tttd_client_tunnel_addresses (TttdClient *client, const TttdPrefix **out);

/* links */
TttdClientLink *tttd_client_add_link (TttdClient *client, const char *ifname, TttdLinkSource source,
                                      const TttdLinkConfig *settings, GError **error);
gboolean tttd_client_remove_link (TttdClient *client, TttdClientLink *link);
/* the link's address or route changed: recreate its socket */
void tttd_client_rebind_link (TttdClient *client, TttdClientLink *link);
TttdClientLink *tttd_client_find_link (TttdClient *client, const char *ifname);
TttdClientLink *tttd_client_get_link (TttdClient *client, guint id);
void tttd_client_link_update (TttdClient *client, TttdClientLink *link);
/* the gateway NetworkManager knows for the link (it may have no default
 * route in the main table) */
void tttd_client_link_set_gateway (TttdClient *client, TttdClientLink *link, gboolean has_gateway, guint8 family,
                                   const guint8 gateway[16]);
void tttd_client_set_strategy (TttdClient *client, TttdStrategy strategy);
TttdLinkState tttd_client_link_state (TttdClient *client, TttdClientLink *link);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdClient, tttd_client_free)

G_END_DECLS
