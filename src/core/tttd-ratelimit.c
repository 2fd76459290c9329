/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* token buckets for handshakes, per source and in total, in a bounded table */
#include "config.h"

#include <string.h>

#include "tttd-ratelimit.h"

typedef struct {
  double tokens;
  gint64 updated_us;
} Bucket;

struct _TttdRateLimit {
  double rate;
  double burst;
  double total_rate;
  double total_burst;
  guint max_sources;
  Bucket total;
  GHashTable *sources; /* SourceKey -> Bucket */
};

TttdRateLimit *
tttd_rate_limit_new (double per_source_rate, double per_source_burst, double total_rate, double total_burst,
                     guint max_sources)
{
  TttdRateLimit *limit = g_new0 (TttdRateLimit, 1);

  limit->rate = per_source_rate;
  limit->burst = per_source_burst;
  limit->total_rate = total_rate;
  limit->total_burst = total_burst;
  limit->max_sources = max_sources;
  limit->total.tokens = total_burst;
  limit->sources = g_hash_table_new_full (tttd_addr_key_hash, tttd_addr_key_equal, g_free, g_free);
  return limit;
}

void
tttd_rate_limit_free (TttdRateLimit *limit)
{
  if (limit == NULL)
    return;
  g_hash_table_unref (limit->sources);
  g_free (limit);
}

static void
refill (Bucket *bucket, double rate, double burst, gint64 now_us)
{
  if (bucket->updated_us != 0)
    bucket->tokens = MIN (burst, bucket->tokens + rate * (double) (now_us - bucket->updated_us) / G_USEC_PER_SEC);
  bucket->updated_us = now_us;
}

gboolean
tttd_rate_limit_allow (TttdRateLimit *limit, const TttdSockaddr *source, gint64 now_us)
{
  TttdAddrKey key;
  Bucket *bucket;

  /* sources are keyed by address only: a port is free to pick; and an
   * IPv6 host has a /64 to pick addresses from */
  tttd_addr_key_from_sockaddr (&key, source);
  if (key.family == AF_INET6)
    memset (key.addr + 8, 0, 8);

  refill (&limit->total, limit->total_rate, limit->total_burst, now_us);
  if (limit->total.tokens < 1.0)
    return FALSE;
  bucket = g_hash_table_lookup (limit->sources, &key);
  if (bucket == NULL)
    {
      /* a full table (many spoofed sources) leaves only the total limit */
      if (g_hash_table_size (limit->sources) >= limit->max_sources)
        {
          tttd_rate_limit_expire (limit, now_us);
          if (g_hash_table_size (limit->sources) >= limit->max_sources)
            {
              limit->total.tokens -= 1.0;
              return TRUE;
            }
        }
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = limit->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (limit->sources, g_memdup2 (&key, sizeof key), bucket);
    }
  refill (bucket, limit->rate, limit->burst, now_us);
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  limit->total.tokens -= 1.0;
  return TRUE;
}

static gboolean
bucket_full (gpointer key, gpointer value, gpointer user_data)
{
  TttdRateLimit *limit = ((gpointer *) user_data)[0];
  gint64 now_us = *(gint64 *) ((gpointer *) user_data)[1];
  Bucket *bucket = value;

  refill (bucket, limit->rate, limit->burst, now_us);
  return bucket->tokens >= limit->burst;
}

void
tttd_rate_limit_expire (TttdRateLimit *limit, gint64 now_us)
{
  gpointer data[2] = { limit, &now_us };

  g_hash_table_foreach_remove (limit->sources, bucket_full, data);
}

guint
tttd_rate_limit_sources (TttdRateLimit *limit)
{
  return g_hash_table_size (limit->sources);
}
