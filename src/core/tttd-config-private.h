/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include "tttd-config.h"

G_BEGIN_DECLS

/* the parser's record of each line, so that every error names its file,
 * line and key */
typedef struct {
  char *group;
  char *key;
  char *value; /* NULL for a group header */
  const char *file;
  guint line;
} Entry;

struct _TttdConfigParser {
  GPtrArray *entries;
  GPtrArray *files; /* owns the file names the entries point to */
  const char *file;
  guint line;
  char *group;
  guint group_line;
};

/* what no single key can check: required keys, the mode's own keys, peers
 * that clash; the error names the file and line at fault */
gboolean tttd_config_validate (TttdConfigParser *parser, TttdConfig *config, GError **error);

G_END_DECLS
