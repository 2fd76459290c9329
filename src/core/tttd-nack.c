/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* fast retransmission's pure parts: the NACK body, the sender's budget and the times */
#include "config.h"

#include "tttd-nack.h"

gboolean
tttd_nack_add (TttdNack *nack, guint32 seq)
{
  if (nack->n_ranges > 0)
    {
      TttdNackRange *last = &nack->ranges[nack->n_ranges - 1];
      if (seq - last->first == last->count && last->count < TTTD_NACK_MAX_COUNT)
        {
          last->count++;
          return TRUE;
        }
      if (seq - last->first < last->count)
        return TRUE; /* asked for already */
    }
  if (nack->n_ranges == TTTD_NACK_MAX_RANGES)
    return FALSE;
  nack->ranges[nack->n_ranges].first = seq;
  nack->ranges[nack->n_ranges].count = 1;
  nack->n_ranges++;
  return TRUE;
}

gsize
tttd_nack_write (guint8 *buf, const TttdNack *nack)
{
  guint8 *p = buf + TTTD_NACK_HEADER_LEN;

  buf[0] = (guint8) nack->n_ranges;
  buf[1] = buf[2] = buf[3] = 0;
  for (guint i = 0; i < nack->n_ranges; i++, p += TTTD_NACK_RANGE_LEN)
    {
      tttd_put_le32 (p, nack->ranges[i].first);
      tttd_put_le16 (p + 4, nack->ranges[i].count);
      tttd_put_le16 (p + 6, 0);
    }
  return (gsize) (p - buf);
}

TttdParseResult
tttd_nack_parse (const guint8 *buf, gsize len, TttdNack *out)
{
  const guint8 *p = buf + TTTD_NACK_HEADER_LEN;
  guint n;

  if (len < TTTD_NACK_HEADER_LEN + TTTD_NACK_RANGE_LEN)
    return TTTD_PARSE_SHORT;
  n = buf[0];
  if (n == 0 || n > TTTD_NACK_MAX_RANGES || len != TTTD_NACK_HEADER_LEN + (gsize) n * TTTD_NACK_RANGE_LEN)
    return TTTD_PARSE_LENGTH;
  if (buf[1] != 0 || buf[2] != 0 || buf[3] != 0)
    return TTTD_PARSE_RESERVED;
  for (guint i = 0; i < n; i++, p += TTTD_NACK_RANGE_LEN)
    {
      guint16 count = tttd_get_le16 (p + 4);
      if (count == 0 || count > TTTD_NACK_MAX_COUNT)
        return TTTD_PARSE_LENGTH;
      if (tttd_get_le16 (p + 6) != 0)
        return TTTD_PARSE_RESERVED;
      out->ranges[i].first = tttd_get_le32 (p);
      out->ranges[i].count = count;
    }
  out->n_ranges = n;
  return TTTD_PARSE_OK;
}

guint
tttd_nack_count (const TttdNack *nack)
{
  guint n = 0;

  for (guint i = 0; i < nack->n_ranges; i++)
    n += nack->ranges[i].count;
  return n;
}

#define BURST_CREDIT (TTTD_RETRANSMIT_BURST * 100u)

void
tttd_retransmit_budget_init (TttdRetransmitBudget *budget)
{
  /* a fresh session may lose its first packets too */
  budget->credit = BURST_CREDIT / 4;
}

void
tttd_retransmit_budget_sent (TttdRetransmitBudget *budget)
{
  budget->credit = MIN (budget->credit + TTTD_RETRANSMIT_SHARE_PCT, BURST_CREDIT);
}

gboolean
tttd_retransmit_budget_take (TttdRetransmitBudget *budget)
{
  if (budget->credit < 100)
    return FALSE;
  budget->credit -= 100;
  return TRUE;
}

void
tttd_recovery_times (const guint64 *srtt_us, guint n, gboolean retransmit, TttdRecoveryTimes *out)
{
  guint64 lo = G_MAXUINT64, hi = 0;
  gint64 wait, hold;

  for (guint i = 0; i < n; i++)
    if (srtt_us[i] != 0)
      {
        lo = MIN (lo, srtt_us[i]);
        hi = MAX (hi, srtt_us[i]);
      }
  if (hi == 0)
    {
      /* no RTT yet: what the reorder buffer always did */
      out->nack_wait_us = 0;
      out->hold_us = TTTD_HOLD_DEFAULT_US;
      out->max_age_us = 2 * TTTD_HOLD_DEFAULT_US;
      out->lag_us = TTTD_HOLD_DEFAULT_US / 2;
      return;
    }
  /* the NACK goes on the fastest link and the packet comes back on it
   * (or on one nearly as fast): one RTT of it, with a margin for jitter
   * and the far end's batching */
  wait = (gint64) lo + MAX ((gint64) lo / 2, 10000);
  wait = CLAMP (wait, 10000, TTTD_NACK_WAIT_MAX_US);
  /* a gap waits for the slowest link's packets (they lag by the RTT
   * difference, and by what they waited in the sender's pacer) and, when
   * asked for, for the retransmission.  It is the fallback only: a gap is
   * known lost when a later packet on its link names it, or when every
   * link has shown something sent after it */
  hold = (gint64) (hi - lo) + TTTD_PACE_MAX_US + (retransmit ? wait : 0) + 10000;
  out->hold_us = retransmit ? CLAMP (hold, TTTD_HOLD_MIN_US, TTTD_HOLD_MAX_US) : TTTD_HOLD_DEFAULT_US;
  out->nack_wait_us = retransmit ? MIN (wait, out->hold_us) : 0;
  /* a request comes at most a one-way trip of the slowest link and the
   * hold time after the packet went: older copies are not sent again */
  out->max_age_us = MIN ((gint64) hi + out->hold_us, 2 * TTTD_HOLD_MAX_US);
  /* the one-way delays differ by less than the RTTs do */
  out->lag_us = MIN ((gint64) (hi - lo) + 10000, out->hold_us);
}

gboolean
tttd_retransmit_in_time (const TttdRecoveryTimes *times, gint64 sent_us, gint64 now_us)
{
  return now_us >= sent_us && now_us - sent_us <= times->max_age_us;
}
