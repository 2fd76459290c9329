/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the private key and the session keys live in this process's memory: no
 * core dump may carry them, and no other process of the same user may
 * ptrace or read /proc/PID/mem (PR_SET_DUMPABLE 0, RLIMIT_CORE 0) */
gboolean tttd_harden_process (GError **error);

G_END_DECLS
