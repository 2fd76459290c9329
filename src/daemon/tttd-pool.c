/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* reusable packet buffers of one size */
#include "config.h"

#include "tttd-pool.h"

void
tttd_pool_init (TttdPool *pool, gsize size, guint max)
{
  pool->size = size;
  pool->max = max;
  pool->allocated = 0;
  pool->free = g_ptr_array_sized_new (max);
}

void
tttd_pool_clear (TttdPool *pool)
{
  if (pool->free == NULL)
    return;
  g_ptr_array_set_free_func (pool->free, g_free);
  g_clear_pointer (&pool->free, g_ptr_array_unref);
}

gpointer
tttd_pool_get (TttdPool *pool)
{
  if (pool->free->len > 0)
    return g_ptr_array_steal_index_fast (pool->free, pool->free->len - 1);
  if (pool->allocated >= pool->max)
    return NULL;
  pool->allocated++;
  return g_malloc (pool->size);
}

void
tttd_pool_put (TttdPool *pool, gpointer buf)
{
  g_ptr_array_add (pool->free, buf);
}

guint
tttd_pool_in_use (const TttdPool *pool)
{
  return pool->allocated - pool->free->len;
}
