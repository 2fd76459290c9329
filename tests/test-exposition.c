/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit tests of tttctl's metrics text (escaping, numbers) and of its reading of a scrape's request line. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tttctl-exposition.h"

typedef struct {
  GString *out;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->out = g_string_new (NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_string_free (f->out, TRUE);
}

static void
test_family (Fixture *f, gconstpointer data)
{
  tttctl_exposition_family (f->out, "tttd_x_total", "counter", "a \\ b\nc \"d\"");
  /* HELP escapes backslash and newline, not quotes */
  g_assert_cmpstr (f->out->str, ==, "# HELP tttd_x_total a \\\\ b\\nc \"d\"\n# TYPE tttd_x_total counter\n");
}

static void
test_labels (Fixture *f, gconstpointer data)
{
  tttctl_exposition_count (f->out, "tttd_a_total", 7, NULL);
  tttctl_exposition_count (f->out, "tttd_b_total", G_MAXUINT64, "interface", "wan0", NULL);
  tttctl_exposition_gauge (f->out, "tttd_c", 1, "peer", "a\"b\\c\nd", "state", "up", NULL);
  g_assert_cmpstr (f->out->str, ==,
                   "tttd_a_total 7\n"
                   "tttd_b_total{interface=\"wan0\"} 18446744073709551615\n"
                   "tttd_c{peer=\"a\\\"b\\\\c\\nd\",state=\"up\"} 1\n");
}

static void
test_numbers (Fixture *f, gconstpointer data)
{
  tttctl_exposition_gauge (f->out, "g", 0.0104, NULL);
  tttctl_exposition_gauge (f->out, "g", NAN, NULL);
  tttctl_exposition_gauge (f->out, "g", INFINITY, NULL);
  tttctl_exposition_gauge (f->out, "g", -INFINITY, NULL);
  tttctl_exposition_gauge (f->out, "g", 0, NULL);
  tttctl_exposition_gauge (f->out, "g", 1e-6, NULL);
  tttctl_exposition_gauge (f->out, "g", 0.1 + 0.2, NULL);
  /* short where that reads back the same, all 17 digits where not */
  g_assert_cmpstr (f->out->str, ==, "g 0.0104\ng NaN\ng +Inf\ng -Inf\ng 0\ng 1e-06\ng 0.30000000000000004\n");
}

static void
test_request (void)
{
  static const struct {
    const char *head;
    TttctlHttpRequest kind;
    gboolean is_head;
  } cases[] = {
    { "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", TTTCTL_HTTP_METRICS, FALSE },
    { "GET /metrics?name[]=up HTTP/1.0\n\n", TTTCTL_HTTP_METRICS, FALSE },
    { "HEAD /metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_METRICS, TRUE },
    { "GET / HTTP/1.1\r\n\r\n", TTTCTL_HTTP_INDEX, FALSE },
    { "GET /metricsx HTTP/1.1\r\n\r\n", TTTCTL_HTTP_NOT_FOUND, FALSE },
    { "GET /metrics/ HTTP/1.1\r\n\r\n", TTTCTL_HTTP_NOT_FOUND, FALSE },
    { "POST /metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_BAD_METHOD, FALSE },
    { "get /metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_BAD_METHOD, FALSE },
    { "GET /metrics HTTP/2\r\n\r\n", TTTCTL_HTTP_BAD, FALSE },
    { "GET  /metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_BAD, FALSE },
    { "GET /metrics\r\n\r\n", TTTCTL_HTTP_BAD, FALSE },
    { "GET metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_BAD, FALSE },
    { " /metrics HTTP/1.1\r\n\r\n", TTTCTL_HTTP_BAD, FALSE },
    { "GET /metrics HTTP/1.1", TTTCTL_HTTP_BAD, FALSE },
    { "", TTTCTL_HTTP_BAD, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean is_head = !cases[i].is_head;
      g_test_message ("%s", cases[i].head);
      g_assert_cmpint (tttctl_http_parse_request (cases[i].head, strlen (cases[i].head), &is_head), ==, cases[i].kind);
      if (cases[i].kind != TTTCTL_HTTP_BAD)
        g_assert_cmpint (is_head, ==, cases[i].is_head);
    }
}

static void
test_request_nul (void)
{
  /* a NUL inside the request line is not a shorter, valid line */
  static const char head[] = "GET /metrics\0x HTTP/1.1\r\n\r\n";
  gboolean is_head;

  g_assert_cmpint (tttctl_http_parse_request (head, sizeof head - 1, &is_head), ==, TTTCTL_HTTP_BAD);
}

static void
test_head_complete (void)
{
  g_assert_true (tttctl_http_head_complete ("GET / HTTP/1.1\r\n\r\n", 18));
  g_assert_true (tttctl_http_head_complete ("GET / HTTP/1.1\n\n", 16));
  g_assert_false (tttctl_http_head_complete ("GET / HTTP/1.1\r\nHost: x\r\n", 25));
  g_assert_false (tttctl_http_head_complete ("", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/tttctl/exposition/family", Fixture, NULL, fixture_set_up, test_family, fixture_tear_down);
  g_test_add ("/tttctl/exposition/labels", Fixture, NULL, fixture_set_up, test_labels, fixture_tear_down);
  g_test_add ("/tttctl/exposition/numbers", Fixture, NULL, fixture_set_up, test_numbers, fixture_tear_down);
  g_test_add_func ("/tttctl/http/request", test_request);
  g_test_add_func ("/tttctl/http/request-nul", test_request_nul);
  g_test_add_func ("/tttctl/http/head-complete", test_head_complete);
  return g_test_run ();
}
