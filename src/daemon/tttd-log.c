/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* structured logging to the journal or stderr */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "tttd-log.h"
#include "tttd-names.h"

static TttdLogVerbosity verbosity = TTTD_LOG_NORMAL;

static gboolean
wanted (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    return TRUE;
  if (level & G_LOG_LEVEL_INFO)
    return verbosity >= TTTD_LOG_VERBOSE;
  return verbosity >= TTTD_LOG_DEBUG;
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree char *line = NULL;

  if (!wanted (level))
    return G_LOG_WRITER_HANDLED;
  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, g_log_writer_supports_color (fileno (stderr)));
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
tttd_log_setup (TttdLogVerbosity v)
{
  static gboolean done = FALSE;

  verbosity = v;
  if (!done)
    {
      g_log_set_writer_func (writer, NULL, NULL);
      done = TRUE;
    }
}

void
tttd_log_full (GLogLevelFlags level, const char *link, const char *peer, const char *event, const char *format, ...)
{
  g_autofree char *message = NULL;
  GLogField fields[6];
  gsize n = 0;
  va_list args;

  if (!wanted (level))
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fields[n++] = (GLogField){ "MESSAGE", message, -1 };
  fields[n++] = (GLogField){ "GLIB_DOMAIN", "tttd", -1 };
  fields[n++] = (GLogField){ "PRIORITY",
                             level & G_LOG_LEVEL_WARNING   ? "4"
                             : level & G_LOG_LEVEL_MESSAGE ? "5"
                             : level & G_LOG_LEVEL_INFO    ? "6"
                                                           : "7",
                             -1 };
  if (link != NULL)
    fields[n++] = (GLogField){ TTTD_FIELD_LINK, link, -1 };
  if (peer != NULL)
    fields[n++] = (GLogField){ TTTD_FIELD_PEER, peer, -1 };
  if (event != NULL)
    fields[n++] = (GLogField){ TTTD_FIELD_EVENT, event, -1 };
  g_log_structured_array (level, fields, n);
}
