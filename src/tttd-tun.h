/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* opens (creates) a TUN device without packet information; the device goes
 * away when the fd is closed.  name_out gets the kernel's name for it. */
int tttd_tun_open (const char *name, char **name_out, GError **error);

G_END_DECLS
