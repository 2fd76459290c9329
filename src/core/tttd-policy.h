/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-config.h"

G_BEGIN_DECLS

/* which NetworkManager devices become links: a pure decision on a plain
 * copy of what NetworkManager says, so it is tested without it */

typedef enum {
  TTTD_NET_KIND_ETHERNET,
  TTTD_NET_KIND_WIFI,
  TTTD_NET_KIND_MODEM, /* ModemManager: the IP interface is not the control port */
  TTTD_NET_KIND_BLUETOOTH,
  TTTD_NET_KIND_VIRTUAL,  /* bridges, bonds, VLANs, veth: bonded if they match */
  TTTD_NET_KIND_TUNNEL,   /* VPNs, TUN, WireGuard, IP tunnels: never */
  TTTD_NET_KIND_LOOPBACK, /* never */
  TTTD_NET_KIND_OTHER,
} TttdNetKind;

typedef enum {
  TTTD_NET_METERED_UNKNOWN,
  TTTD_NET_METERED_YES,
  TTTD_NET_METERED_NO,
  TTTD_NET_METERED_GUESS_YES,
  TTTD_NET_METERED_GUESS_NO,
} TttdNetMetered;

/* NetworkManager's device states that matter here (NMDeviceState values) */
#define TTTD_NET_STATE_ACTIVATED 100

typedef struct {
  const char *iface;    /* the device's interface (a modem's control port) */
  const char *ip_iface; /* where IP runs; NULL: iface */
  TttdNetKind kind;
  guint state;  /* NMDeviceState */
  guint n_ipv4; /* global addresses */
  guint n_ipv6;
  TttdNetMetered metered;
  gboolean has_gateway;
  guint8 gateway_family;
  guint8 gateway[16];
} TttdNetSnapshot;

typedef struct {
  gboolean bond;
  const char *ifname; /* the interface to bond (points into the snapshot) */
  gboolean metered;
  const char *reason; /* why not, for the log */
} TttdAction;

TttdAction tttd_policy_decide (const TttdNetSnapshot *snap, const TttdConfig *config, const char *tun_name);

G_END_DECLS
