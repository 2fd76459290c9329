/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"

G_BEGIN_DECLS

/* rtnetlink requests (libmnl), synchronous: the kernel answers at once */
typedef struct _TttdNetlink TttdNetlink;

TttdNetlink *tttd_netlink_new (GError **error);
void tttd_netlink_free (TttdNetlink *nl);

typedef struct {
  int ifindex;
  guint mtu;
  gboolean up;      /* administratively up */
  gboolean running; /* has carrier */
} TttdLinkInfo;

gboolean tttd_netlink_link_get (TttdNetlink *nl, const char *name, TttdLinkInfo *out, GError **error);
gboolean tttd_netlink_link_set (TttdNetlink *nl, int ifindex, guint mtu, gboolean up, GError **error);
gboolean tttd_netlink_addr_add (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error);
gboolean tttd_netlink_addr_add_no_route (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error);
gboolean tttd_netlink_addr_del (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error);
/* the interface's addresses, global scope first */
GArray *tttd_netlink_addr_list (TttdNetlink *nl, int ifindex, GError **error);

/* routes and rules: everything tttd installs carries this protocol number,
 * so that what it left behind (after a crash) can be found and removed */
#define TTTD_RTPROT 116

typedef struct {
  guint8 family;
  guint8 type; /* RTN_UNICAST (0 means it), RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_THROW */
  guint32 table;
  TttdPrefix dst; /* prefix 0: the default route */
  gboolean has_gateway;
  guint8 gateway[16];
  int oif; /* 0: none */
  guint32 metric;
} TttdRoute;

typedef struct {
  guint8 family;
  guint32 priority;
  guint32 table;
  guint32 fwmark;
  guint32 fwmask; /* 0: no fwmark match */
  gboolean invert;
  gint suppress_prefixlen; /* -1: none */
} TttdRule;

gboolean tttd_netlink_route_add (TttdNetlink *nl, const TttdRoute *route, GError **error);
gboolean tttd_netlink_route_del (TttdNetlink *nl, const TttdRoute *route, GError **error);
gboolean tttd_netlink_rule_add (TttdNetlink *nl, const TttdRule *rule, GError **error);
gboolean tttd_netlink_rule_del (TttdNetlink *nl, const TttdRule *rule, GError **error);
/* removes every route and rule with TTTD_RTPROT; returns how many */
guint tttd_netlink_flush_ours (TttdNetlink *nl, GError **error);
/* the gateway of the main table's default route through ifindex */
gboolean tttd_netlink_default_gateway (TttdNetlink *nl, guint8 family, int ifindex, guint8 gateway[16]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdNetlink, tttd_netlink_free)

G_END_DECLS

G_BEGIN_DECLS

/* rtnetlink notifications: an interface or one of its addresses changed */
typedef enum {
  TTTD_NETLINK_LINK_CHANGED,
  TTTD_NETLINK_LINK_REMOVED,
  TTTD_NETLINK_ADDRESS_CHANGED,
} TttdNetlinkEvent;

typedef void (*TttdNetlinkMonitorFunc) (TttdNetlinkEvent event, int ifindex, const char *ifname, gpointer user_data);
typedef struct _TttdNetlinkMonitor TttdNetlinkMonitor;

TttdNetlinkMonitor *tttd_netlink_monitor_new (TttdNetlinkMonitorFunc func, gpointer user_data, GError **error);
void tttd_netlink_monitor_free (TttdNetlinkMonitor *monitor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdNetlinkMonitor, tttd_netlink_monitor_free)

G_END_DECLS
