/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* opens (creates) a TUN device without packet information; the device goes
 * away when the fd is closed.  name_out gets the kernel's name for it.
 * With offloads, every read and write starts with a virtio_net_hdr and a
 * read may bring a TCP packet of up to 64 KiB for tttd to cut (TSO);
 * *offloads says whether the kernel took them. */
int tttd_tun_open (const char *name, gboolean want_offloads, gboolean *offloads, char **name_out, GError **error);

G_END_DECLS
