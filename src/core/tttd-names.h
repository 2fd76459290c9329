/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

/* D-Bus names, fixed by the product interface (the XML files in dbus/ are their reference) */
#define TTTD_DBUS_NAME          "org.tuntuntun.Tttd1"
#define TTTD_DBUS_PATH          "/org/tuntuntun/Tttd1"
#define TTTD_DBUS_LINK_PATH     TTTD_DBUS_PATH "/Link"
#define TTTD_DBUS_PEER_PATH     TTTD_DBUS_PATH "/Peer"
#define TTTD_DBUS_MANAGER_IFACE "org.tuntuntun.Tttd1.Manager"
#define TTTD_DBUS_LINK_IFACE    "org.tuntuntun.Tttd1.Link"
#define TTTD_DBUS_PEER_IFACE    "org.tuntuntun.Tttd1.Peer"
#define TTTD_DBUS_ERROR_PREFIX  "org.tuntuntun.Tttd1.Error"
#define TTTD_DBUS_API_VERSION   1

/* environment */
#define TTTD_ENV_RUNTIME_DIR "TTTD_RUNTIME_DIR"

/* journal fields */
#define TTTD_FIELD_LINK  "TTTD_LINK"
#define TTTD_FIELD_PEER  "TTTD_PEER"
#define TTTD_FIELD_EVENT "TTTD_EVENT"

/* protocol defaults */
#define TTTD_DEFAULT_PORT 5800

/* routing: every link socket carries TTTD_FWMARK | (link id + 1), and a rule
 * sends that mark to the link's own table (TTTD_TABLE_LINK + id), so a link
 * leaves through its device and gateway whatever the main table says */
#define TTTD_FWMARK             0x74740000u
#define TTTD_FWMARK_MASK        0xffff0000u
#define TTTD_TABLE_LINK         29812u
#define TTTD_RULE_PRIORITY_LINK 29812u

/* the tunnel's table and rules (route-all and routes=), as wg-quick does:
 * everything but tttd's own marked sockets looks up the tunnel table, and
 * the main table still wins for its more specific routes (the LAN) */
#define TTTD_TABLE_TUNNEL           29811u
#define TTTD_RULE_PRIORITY_SUPPRESS 29809u
#define TTTD_RULE_PRIORITY_TUNNEL   29810u
