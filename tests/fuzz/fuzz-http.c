/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* libFuzzer target: whatever a scraper sends as its request head, and whatever a label or help text holds, in tttctl metrics. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttctl-exposition.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint
count_char (const GString *s, char c)
{
  guint n = 0;

  for (gsize i = 0; i < s->len; i++)
    n += s->str[i] == c;
  return n;
}

/* the request line is read within the bytes given, never past them; a
 * label value or help text, whatever it holds, stays on its one line and
 * inside its quotes */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *text = NULL;
  char *head;
  gboolean is_head;
  TttctlHttpRequest kind;

  /* an exact heap copy, so that ASan sees a read past the end */
  head = malloc (size > 0 ? size : 1);
  memcpy (head, data, size);
  (void) tttctl_http_head_complete (head, size);
  kind = tttctl_http_parse_request (head, size, &is_head);
  if (kind > TTTCTL_HTTP_BAD || (is_head && kind == TTTCTL_HTTP_BAD_METHOD))
    abort ();
  free (head);

  text = g_strndup ((const char *) data, size);
  tttctl_exposition_family (out, "tttd_fuzz", "gauge", text);
  if (count_char (out, '\n') != 2)
    abort ();
  g_string_truncate (out, 0);
  tttctl_exposition_gauge (out, "tttd_fuzz", 1, "label", text, NULL);
  if (count_char (out, '\n') != 1 || out->str[out->len - 1] != '\n')
    abort ();
  /* an unescaped quote would end the value early: only the two we wrote */
  for (gsize i = 0, quotes = 0; i < out->len; i++)
    if (out->str[i] == '"')
      {
        gsize slashes = 0;
        for (gsize j = i; j > 0 && out->str[j - 1] == '\\'; j--)
          slashes++;
        if (slashes % 2 == 0 && ++quotes > 2)
          abort ();
      }
  return 0;
}
