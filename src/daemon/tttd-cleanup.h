/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what a tttd that did not stop cleanly (SIGKILL, a crash, the watchdog)
 * left in the system: its nftables table (MSS clamp, masquerading, the kill
 * switch) and the routes and rules of its protocol number; its TUN device
 * the kernel removes with the process. tttd --cleanup (the unit's
 * ExecStopPost=) calls this after every stop, so that a stopped service
 * never leaves the machine without network. summary gets what was
 * removed, for the journal (NULL: nothing was left). */
gboolean tttd_cleanup (const char *tun_name, char **summary, GError **error);

G_END_DECLS
