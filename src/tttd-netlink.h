/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"

G_BEGIN_DECLS

/* rtnetlink requests (libmnl), synchronous: the kernel answers at once */
typedef struct _TttdNetlink TttdNetlink;

TttdNetlink *tttd_netlink_new (GError **error);
void         tttd_netlink_free (TttdNetlink *nl);

typedef struct {
  int      ifindex;
  guint    mtu;
  gboolean up;          /* administratively up */
  gboolean running;     /* has carrier */
} TttdLinkInfo;

gboolean tttd_netlink_link_get (TttdNetlink *nl, const char *name, TttdLinkInfo *out, GError **error);
gboolean tttd_netlink_link_set (TttdNetlink *nl, int ifindex, guint mtu, gboolean up, GError **error);
gboolean tttd_netlink_addr_add (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error);
gboolean tttd_netlink_addr_del (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error);
/* the interface's addresses, global scope first */
GArray  *tttd_netlink_addr_list (TttdNetlink *nl, int ifindex, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdNetlink, tttd_netlink_free)

G_END_DECLS

G_BEGIN_DECLS

/* rtnetlink notifications: an interface or one of its addresses changed */
typedef enum {
  TTTD_NETLINK_LINK_CHANGED,
  TTTD_NETLINK_LINK_REMOVED,
  TTTD_NETLINK_ADDRESS_CHANGED,
} TttdNetlinkEvent;

typedef void (*TttdNetlinkMonitorFunc) (TttdNetlinkEvent event, int ifindex, const char *ifname,
                                        gpointer user_data);
typedef struct _TttdNetlinkMonitor TttdNetlinkMonitor;

TttdNetlinkMonitor *tttd_netlink_monitor_new (TttdNetlinkMonitorFunc func, gpointer user_data, GError **error);
void                tttd_netlink_monitor_free (TttdNetlinkMonitor *monitor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdNetlinkMonitor, tttd_netlink_monitor_free)

G_END_DECLS
