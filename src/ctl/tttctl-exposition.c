/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The pure half of tttctl metrics: the Prometheus text format's escaping and numbers, and the reading of a scrape's request line. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "tttctl-exposition.h"

static void
append_escaped (GString *out, const char *text, gboolean quote)
{
  for (const char *p = text ? text : ""; *p; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '"' && quote)
        g_string_append (out, "\\\"");
      else
        g_string_append_c (out, *p);
    }
}

void
tttctl_exposition_family (GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf (out, "# HELP %s ", name);
  append_escaped (out, help, FALSE);
  g_string_append_printf (out, "\n# TYPE %s %s\n", name, type);
}

static void
sample_start (GString *out, const char *name, va_list pairs)
{
  const char *key;
  gboolean first = TRUE;

  g_string_append (out, name);
  while ((key = va_arg (pairs, const char *)) != NULL)
    {
      const char *value = va_arg (pairs, const char *);
      g_string_append (out, first ? "{" : ",");
      g_string_append_printf (out, "%s=\"", key);
      append_escaped (out, value, TRUE);
      g_string_append_c (out, '"');
      first = FALSE;
    }
  if (!first)
    g_string_append_c (out, '}');
}

void
tttctl_exposition_count (GString *out, const char *name, guint64 value, ...)
{
  va_list pairs;

  va_start (pairs, value);
  sample_start (out, name, pairs);
  va_end (pairs);
  g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", value);
}

void
tttctl_exposition_gauge (GString *out, const char *name, double value, ...)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  va_list pairs;

  va_start (pairs, value);
  sample_start (out, name, pairs);
  va_end (pairs);
  /* locale-independent: a German LC_NUMERIC must not write "0,5" */
  if (isnan (value))
    g_strlcpy (text, "NaN", sizeof text);
  else if (isinf (value))
    g_strlcpy (text, value > 0 ? "+Inf" : "-Inf", sizeof text);
  else
    {
      /* the short form when it reads back the same: 1e-06, not 9.99...e-07 */
      g_ascii_formatd (text, sizeof text, "%.15g", value);
      if (g_ascii_strtod (text, NULL) != value)
        g_ascii_dtostr (text, sizeof text, value);
    }
  g_string_append_printf (out, " %s\n", text);
}

gboolean
tttctl_http_head_complete (const char *head, gsize len)
{
  return g_strstr_len (head, len, "\r\n\r\n") != NULL || g_strstr_len (head, len, "\n\n") != NULL;
}

/* "GET /metrics?x HTTP/1.1": exactly three fields, one space apart */
TttctlHttpRequest
tttctl_http_parse_request (const char *head, gsize len, gboolean *is_head)
{
  const char *end = memchr (head, '\n', len);
  g_autofree char *line = NULL;
  g_auto (GStrv) parts = NULL;
  gsize line_len;

  *is_head = FALSE;
  if (end == NULL)
    return TTTCTL_HTTP_BAD;
  line_len = (gsize) (end - head);
  if (line_len > 0 && head[line_len - 1] == '\r')
    line_len--;
  if (memchr (head, '\0', line_len) != NULL)
    return TTTCTL_HTTP_BAD;
  line = g_strndup (head, line_len);
  parts = g_strsplit (line, " ", 0);
  if (g_strv_length (parts) != 3 || !g_str_has_prefix (parts[2], "HTTP/1.") || parts[1][0] != '/' ||
      parts[0][0] == '\0')
    return TTTCTL_HTTP_BAD;
  *is_head = g_strcmp0 (parts[0], "HEAD") == 0;
  if (!*is_head && g_strcmp0 (parts[0], "GET") != 0)
    return TTTCTL_HTTP_BAD_METHOD;
  parts[1][strcspn (parts[1], "?#")] = '\0';
  if (g_strcmp0 (parts[1], "/metrics") == 0)
    return TTTCTL_HTTP_METRICS;
  if (g_strcmp0 (parts[1], "/") == 0)
    return TTTCTL_HTTP_INDEX;
  return TTTCTL_HTTP_NOT_FOUND;
}
