/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* fuzz target: the NACK body and FEC repairs from the far end */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttd-fec.h"
#include "tttd-nack.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
on_rebuilt (guint32 seq, const guint8 *data, gsize len, gboolean urgent, gpointer user_data)
{
  /* a rebuilt packet is never longer than what a repair can hold */
  if (len == 0 || len > TTTD_FEC_MAX_LEN)
    abort ();
  (void) data[len - 1];
}

/* a NACK that parses writes back to the same bytes; a repair, with packets
 * noted before and after it (the input's tail cut in pieces), never makes
 * the decoder read or write out of bounds */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  TttdNack nack;
  guint8 out[TTTD_NACK_HEADER_LEN + TTTD_NACK_MAX_RANGES * TTTD_NACK_RANGE_LEN];
  TttdFecDecoder dec;
  gsize repair_len, off;

  if (tttd_nack_parse (data, size, &nack) == TTTD_PARSE_OK)
    {
      if (tttd_nack_write (out, &nack) != size || memcmp (out, data, size) != 0)
        abort ();
      if (tttd_nack_count (&nack) > TTTD_NACK_MAX_RANGES * TTTD_NACK_MAX_COUNT)
        abort ();
    }

  if (size < 2)
    return 0;
  /* the first two bytes: how long the repair is, the rest feeds it and the packets */
  repair_len = MIN ((gsize) tttd_get_le16 (data), size - 2);
  tttd_fec_decoder_init (&dec);
  tttd_fec_decoder_repair (&dec, data + 2, repair_len, data[0] & 1, on_rebuilt, NULL);
  for (off = 2 + repair_len; off + 5 <= size;)
    {
      guint32 seq = data[off];
      gsize len = MIN ((gsize) data[off + 1] * 8, size - off - 2);
      tttd_fec_decoder_note (&dec, seq, data + off + 2, len, on_rebuilt, NULL);
      off += 2 + MAX (len, 1);
    }
  tttd_fec_decoder_repair (&dec, data + 2, repair_len, FALSE, on_rebuilt, NULL);
  tttd_fec_decoder_clear (&dec);
  return 0;
}
