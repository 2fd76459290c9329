/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-config.h"
#include "tttd-netlink.h"

G_BEGIN_DECLS

/* what a client sends through the tunnel: all of it (route-all) or some
 * prefixes (routes=), DNS for it (dns=), the kill switch and MSS clamping.
 * Everything it installs carries tttd's marks and goes on free. */
typedef struct _TttdRouting TttdRouting;

TttdRouting *tttd_routing_new (TttdNetlink *netlink, const TttdConfig *config, const char *tun_name, int tun_ifindex,
                               GError **error);
/* (re)apply for this tunnel MTU */
gboolean tttd_routing_apply (TttdRouting *routing, guint mtu, GError **error);
void tttd_routing_free (TttdRouting *routing);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdRouting, tttd_routing_free)

G_END_DECLS
