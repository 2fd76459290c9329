/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* structured logging: the journal gets TTTD_LINK=, TTTD_PEER= and
 * TTTD_EVENT= fields (journalctl TTTD_LINK=wwan0), a terminal plain text */

typedef enum {
  TTTD_LOG_NORMAL,  /* messages and warnings */
  TTTD_LOG_VERBOSE, /* and info */
  TTTD_LOG_DEBUG,   /* and debug */
} TttdLogVerbosity;

void tttd_log_setup (TttdLogVerbosity verbosity);

void tttd_log_full (GLogLevelFlags level, const char *link, const char *peer, const char *event, const char *format,
                    ...) G_GNUC_PRINTF (5, 6);

#define tttd_log_message(link, event, ...)     tttd_log_full (G_LOG_LEVEL_MESSAGE, (link), NULL, (event), __VA_ARGS__)
#define tttd_log_info(link, event, ...)        tttd_log_full (G_LOG_LEVEL_INFO, (link), NULL, (event), __VA_ARGS__)
#define tttd_log_warning(link, event, ...)     tttd_log_full (G_LOG_LEVEL_WARNING, (link), NULL, (event), __VA_ARGS__)
#define tttd_log_peer(level, peer, event, ...) tttd_log_full ((level), NULL, (peer), (event), __VA_ARGS__)
#define tttd_log_debug(...)                    tttd_log_full (G_LOG_LEVEL_DEBUG, NULL, NULL, NULL, __VA_ARGS__)

G_END_DECLS
