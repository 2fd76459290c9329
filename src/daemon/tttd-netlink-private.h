/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <libmnl/libmnl.h>

#include "tttd-netlink.h"

G_BEGIN_DECLS

/* large enough for a dump of many addresses or routes at once */
#define NETLINK_BUFFER 32768

struct _TttdNetlink {
  struct mnl_socket *sock;
  guint32 portid;
  guint32 seq;
  char buf[NETLINK_BUFFER];
};

gboolean tttd_netlink_errno_error (GError **error, int errsv, const char *what);
struct nlmsghdr *tttd_netlink_request (TttdNetlink *nl, guint16 type, guint16 flags);
gboolean tttd_netlink_transact (TttdNetlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, gpointer data, const char *what,
                                GError **error);

G_END_DECLS
