/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* packet buffers of one size, reused: the packet path allocates nothing
 * once the pool has grown to what the traffic needs (up to max) */
typedef struct {
  gsize size;
  guint max;
  guint allocated;
  GPtrArray *free;
} TttdPool;

void tttd_pool_init (TttdPool *pool, gsize size, guint max);
void tttd_pool_clear (TttdPool *pool);
/* NULL when max buffers are out */
gpointer tttd_pool_get (TttdPool *pool);
void tttd_pool_put (TttdPool *pool, gpointer buf);
guint tttd_pool_in_use (const TttdPool *pool);

G_END_DECLS
