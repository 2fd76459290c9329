/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TttctlHttpRequest:
 * @TTTCTL_HTTP_METRICS: GET or HEAD of /metrics (any query string)
 * @TTTCTL_HTTP_INDEX: GET or HEAD of /
 * @TTTCTL_HTTP_NOT_FOUND: GET or HEAD of another path
 * @TTTCTL_HTTP_BAD_METHOD: a well-formed request with another method
 * @TTTCTL_HTTP_BAD: not an HTTP/1 request line
 *
 * What a scrape's request line asks for.
 */
typedef enum {
  TTTCTL_HTTP_METRICS,
  TTTCTL_HTTP_INDEX,
  TTTCTL_HTTP_NOT_FOUND,
  TTTCTL_HTTP_BAD_METHOD,
  TTTCTL_HTTP_BAD,
} TttctlHttpRequest;

/* HEAD holds the end of a request head (an empty line) */
gboolean tttctl_http_head_complete (const char *head, gsize len);
/* the request line at the start of HEAD; *is_head: it was a HEAD request */
TttctlHttpRequest tttctl_http_parse_request (const char *head, gsize len, gboolean *is_head);

/* the Prometheus text format 0.0.4: "# HELP" and "# TYPE" of a family,
 * then its samples, NAME{KEY="VALUE",...} VALUE, with the label pairs as
 * NULL-terminated (key, value) arguments; values are escaped, numbers
 * written the same in every locale, NaN as "NaN" */
void tttctl_exposition_family (GString *out, const char *name, const char *type, const char *help);
void tttctl_exposition_count (GString *out, const char *name, guint64 value, ...) G_GNUC_NULL_TERMINATED;
void tttctl_exposition_gauge (GString *out, const char *name, double value, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
