/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* a counter as it is published (D-Bus Counters, tttctl, metrics): its name
 * and where it is in the struct that holds it, so that one table beside
 * each stats struct serves every reader */
typedef struct {
  const char *name;
  gsize offset;
} TttdCounter;

#define TTTD_COUNTER(name, type, field) \
  { \
    (name), G_STRUCT_OFFSET (type, field) \
  }

static inline guint64
tttd_counter_get (gconstpointer stats, const TttdCounter *counter)
{
  guint64 value;

  memcpy (&value, (const char *) stats + counter->offset, sizeof value);
  return value;
}

G_END_DECLS
