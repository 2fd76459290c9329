/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* XOR forward error correction over windows of data packets: encoder, decoder, window size */
#include "config.h"

#include <string.h>

#include "tttd-fec.h"

G_STATIC_ASSERT (TTTD_FEC_SPAN <= 32);
G_STATIC_ASSERT ((TTTD_FEC_RX_SLOTS & (TTTD_FEC_RX_SLOTS - 1)) == 0);

static void
xor_into (guint8 *dst, const guint8 *src, gsize len)
{
  gsize i = 0;

  /* word at a time: the compiler vectorises this */
  for (; i + 8 <= len; i += 8)
    {
      guint64 a, b;
      memcpy (&a, dst + i, 8);
      memcpy (&b, src + i, 8);
      a ^= b;
      memcpy (dst + i, &a, 8);
    }
  for (; i < len; i++)
    dst[i] ^= src[i];
}

void
tttd_fec_encoder_clear (TttdFecEncoder *enc)
{
  g_clear_pointer (&enc->parity, g_free);
  tttd_fec_encoder_reset (enc);
}

void
tttd_fec_encoder_reset (TttdFecEncoder *enc)
{
  enc->n = 0;
  enc->mask = 0;
  enc->len_xor = 0;
  enc->max_len = 0;
  enc->urgent = FALSE;
}

gboolean
tttd_fec_encoder_fits (const TttdFecEncoder *enc, guint32 seq)
{
  return enc->n == 0 || (seq - enc->first < TTTD_FEC_SPAN && !((enc->mask >> (seq - enc->first)) & 1));
}

void
tttd_fec_encoder_add (TttdFecEncoder *enc, guint32 seq, const guint8 *data, gsize len, gboolean urgent, gint64 now_us)
{
  g_return_if_fail (len <= TTTD_FEC_MAX_LEN && tttd_fec_encoder_fits (enc, seq));
  if (enc->parity == NULL)
    enc->parity = g_malloc (TTTD_FEC_MAX_LEN);
  if (enc->n == 0)
    {
      enc->first = seq;
      enc->opened_us = now_us;
    }
  /* the parity beyond max_len is stale: zero what this packet extends */
  if (len > enc->max_len)
    {
      memset (enc->parity + enc->max_len, 0, len - enc->max_len);
      enc->max_len = (guint16) len;
    }
  xor_into (enc->parity, data, len);
  enc->len_xor ^= (guint16) len;
  enc->mask |= 1u << (seq - enc->first);
  enc->urgent |= urgent;
  enc->n++;
}

gsize
tttd_fec_encoder_finish (TttdFecEncoder *enc, guint8 *body)
{
  gsize len;

  if (enc->n == 0)
    return 0;
  tttd_put_le32 (body, enc->first);
  tttd_put_le32 (body + 4, enc->mask);
  tttd_put_le16 (body + 8, enc->len_xor);
  tttd_put_le16 (body + 10, 0);
  memcpy (body + TTTD_REPAIR_HEADER_LEN, enc->parity, enc->max_len);
  len = TTTD_REPAIR_HEADER_LEN + enc->max_len;
  tttd_fec_encoder_reset (enc);
  return len;
}

/* the loss left after a window of k with one repair, the repair reaching
 * the receiver as a packet does: a packet is lost for good when it and
 * either the repair or another of the window's packets are lost */
static double
residual (double p, guint k)
{
  double none_other = 1.0;

  for (guint i = 0; i < k; i++)
    none_other *= 1.0 - p; /* k - 1 other packets and the repair */
  return p * (1.0 - none_other);
}

guint
tttd_fec_window (double link_loss_max, double packet_loss, guint percent)
{
  if (percent > 0)
    return CLAMP ((100 + percent / 2) / percent, 2u, (guint) TTTD_FEC_MAX_WINDOW);
  if (link_loss_max < 0.002 || packet_loss <= 0)
    return 0;
  for (guint k = TTTD_FEC_MAX_WINDOW; k > 2; k--)
    if (residual (packet_loss, k) <= TTTD_FEC_TARGET_LOSS)
      return k;
  return 2;
}

void
tttd_fec_decoder_init (TttdFecDecoder *dec)
{
  memset (dec, 0, sizeof *dec);
}

void
tttd_fec_decoder_clear (TttdFecDecoder *dec)
{
  g_clear_pointer (&dec->data, g_free);
  g_clear_pointer (&dec->pending, g_free);
  memset (dec->entries, 0, sizeof dec->entries);
}

static const guint8 *
find (const TttdFecDecoder *dec, guint32 seq, guint16 *len)
{
  const TttdFecRxEntry *e = &dec->entries[seq % TTTD_FEC_RX_SLOTS];

  if (!e->valid || e->seq != seq || dec->data == NULL)
    return NULL;
  *len = e->len;
  return dec->data + (gsize) (seq % TTTD_FEC_RX_SLOTS) * TTTD_FEC_MAX_LEN;
}

/* exactly one of the repair's packets is missing: rebuild it (the
 * repair is used up either way when it returns TRUE) */
static gboolean
try_repair (TttdFecDecoder *dec, TttdFecPending *rep, TttdFecRecoveredFunc func, gpointer user_data)
{
  guint32 missing = 0;
  guint n_missing = 0;
  guint16 len;
  guint8 out[TTTD_FEC_MAX_LEN];

  for (guint32 m = rep->mask; m != 0; m &= m - 1)
    {
      guint32 seq = rep->first + (guint32) __builtin_ctz (m);
      if (find (dec, seq, &len) == NULL)
        {
          missing = seq;
          if (++n_missing > 1)
            return FALSE;
        }
    }
  rep->valid = FALSE;
  if (n_missing == 0)
    return TRUE;
  memcpy (out, rep->data, rep->len);
  len = rep->len_xor;
  for (guint32 m = rep->mask; m != 0; m &= m - 1)
    {
      guint32 seq = rep->first + (guint32) __builtin_ctz (m);
      guint16 l;
      const guint8 *data = find (dec, seq, &l);
      if (data == NULL)
        continue;
      if (l > rep->len)
        return TRUE; /* inconsistent: longer than the repair says */
      xor_into (out, data, l);
      len ^= l;
    }
  if (len == 0 || len > rep->len)
    return TRUE;
  dec->recovered++;
  func (missing, out, len, rep->urgent, user_data);
  return TRUE;
}

void
tttd_fec_decoder_note (TttdFecDecoder *dec, guint32 seq, const guint8 *data, gsize len, TttdFecRecoveredFunc func,
                       gpointer user_data)
{
  TttdFecRxEntry *e = &dec->entries[seq % TTTD_FEC_RX_SLOTS];

  if (len > TTTD_FEC_MAX_LEN || len == 0)
    return;
  if (dec->data == NULL)
    dec->data = g_malloc ((gsize) TTTD_FEC_RX_SLOTS * TTTD_FEC_MAX_LEN);
  e->seq = seq;
  e->len = (guint16) len;
  e->valid = TRUE;
  memcpy (dec->data + (gsize) (seq % TTTD_FEC_RX_SLOTS) * TTTD_FEC_MAX_LEN, data, len);
  for (guint i = 0; dec->pending != NULL && i < TTTD_FEC_PENDING; i++)
    {
      TttdFecPending *rep = &dec->pending[i];
      if (rep->valid && seq - rep->first < TTTD_FEC_SPAN && ((rep->mask >> (seq - rep->first)) & 1))
        try_repair (dec, rep, func, user_data);
    }
}

gboolean
tttd_fec_decoder_repair (TttdFecDecoder *dec, const guint8 *body, gsize len, gboolean urgent, TttdFecRecoveredFunc func,
                         gpointer user_data)
{
  TttdFecPending *rep;
  guint32 mask;

  if (len < TTTD_REPAIR_HEADER_LEN + 20 || len > TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN)
    return FALSE;
  mask = tttd_get_le32 (body + 4);
  if (!(mask & 1) || tttd_get_le16 (body + 10) != 0)
    return FALSE;
  dec->repairs++;
  if (dec->data == NULL)
    dec->data = g_malloc0 ((gsize) TTTD_FEC_RX_SLOTS * TTTD_FEC_MAX_LEN);
  if (dec->pending == NULL)
    dec->pending = g_new0 (TttdFecPending, TTTD_FEC_PENDING);
  /* the oldest waiting repair makes room */
  rep = &dec->pending[dec->pending_next];
  dec->pending_next = (dec->pending_next + 1) % TTTD_FEC_PENDING;
  rep->valid = TRUE;
  rep->first = tttd_get_le32 (body);
  rep->mask = mask;
  rep->len_xor = tttd_get_le16 (body + 8);
  rep->len = (guint16) (len - TTTD_REPAIR_HEADER_LEN);
  rep->urgent = urgent;
  memcpy (rep->data, body + TTTD_REPAIR_HEADER_LEN, rep->len);
  try_repair (dec, rep, func, user_data);
  return TRUE;
}
