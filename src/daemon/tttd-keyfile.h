/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* reads a base64 private key from a file only its owner can read */
gboolean tttd_keyfile_read (const char *path, guint8 key[32], GError **error);

G_END_DECLS
