/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* tttd's own nftables table (libnftables): MSS clamping for the tunnel,
 * the server's masquerading, the client's kill switch.  The table is named
 * after the tunnel device, replaced whole and atomically, and removed on
 * stop; a start removes what a killed tttd left. */
typedef struct _TttdFirewall TttdFirewall;

typedef struct {
  guint mtu;             /* the tunnel MTU: TCP MSS clamped to fit it */
  gboolean masquerade;   /* server: forward and masquerade what comes from the tunnel, to the
                            * Internet only: not to other clients, private or local ranges */
  GArray *forward_to;    /* TttdPrefix: with masquerade, destinations allowed all the same */
  gboolean kill_switch;  /* client: nothing leaves but through the tunnel or as tttd's own */
  GArray *kill_prefixes; /* TttdPrefix: the kill switch guards only these (NULL: all) */
} TttdFirewallSpec;

TttdFirewall *tttd_firewall_new (const char *tun_name, GError **error);
gboolean tttd_firewall_apply (TttdFirewall *firewall, const TttdFirewallSpec *spec, GError **error);
void tttd_firewall_free (TttdFirewall *firewall); /* removes the table */
const char *tttd_firewall_table (TttdFirewall *firewall);
/* removes the table a tttd on this device left; table gets its name (NULL:
 * there was none) */
gboolean tttd_firewall_remove_stale (const char *tun_name, char **table, GError **error);

/* a sysctl under /proc/sys: old gets the previous value (if not NULL) */
gboolean tttd_sysctl_set (const char *path, const char *value, char **old, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdFirewall, tttd_firewall_free)

G_END_DECLS
