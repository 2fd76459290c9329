/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <string.h>

#include "tttd-fec.h"

/* XOR repairs: every loss pattern of a window, in every arrival order
 * that matters, rebuilds exactly the one packet missing or nothing */

typedef struct {
  guint32 seq;
  gsize len;
  guint8 data[TTTD_FEC_MAX_LEN];
  gboolean urgent;
  guint count;
} Rebuilt;

static void
on_rebuilt (guint32 seq, const guint8 *data, gsize len, gboolean urgent, gpointer user_data)
{
  Rebuilt *r = user_data;

  r->seq = seq;
  r->len = len;
  r->urgent = urgent;
  memcpy (r->data, data, len);
  r->count++;
}

/* packet i of a window: a length and bytes that tell it apart */
static gsize
make_packet (GRand *rand, guint8 *buf, guint32 seq)
{
  gsize len = (gsize) g_rand_int_range (rand, 20, TTTD_FEC_MAX_LEN + 1);

  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_rand_int (rand);
  buf[0] = (guint8) seq;
  return len;
}

static void
check_window (GRand *rand, guint k, guint32 first, guint stride)
{
  guint8 pkts[TTTD_FEC_MAX_WINDOW][TTTD_FEC_MAX_LEN];
  gsize lens[TTTD_FEC_MAX_WINDOW];
  guint32 seqs[TTTD_FEC_MAX_WINDOW];
  guint8 repair[TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN];
  TttdFecEncoder enc = { 0 };
  gsize repair_len;

  tttd_fec_encoder_reset (&enc);
  for (guint i = 0; i < k; i++)
    {
      seqs[i] = first + i * stride;
      lens[i] = make_packet (rand, pkts[i], seqs[i]);
      g_assert_true (tttd_fec_encoder_fits (&enc, seqs[i]));
      tttd_fec_encoder_add (&enc, seqs[i], pkts[i], lens[i], i == 0, 1000);
    }
  repair_len = tttd_fec_encoder_finish (&enc, repair);
  g_assert_cmpuint (repair_len, >, TTTD_REPAIR_HEADER_LEN);
  g_assert_cmpuint (enc.n, ==, 0);
  tttd_fec_encoder_clear (&enc);

  /* every subset of the window lost, the repair first or last */
  for (guint32 lost = 0; lost < (1u << k); lost++)
    for (guint order = 0; order < 2; order++)
      {
        TttdFecDecoder dec;
        Rebuilt r = { 0 };
        guint n_lost = (guint) __builtin_popcount (lost);

        tttd_fec_decoder_init (&dec);
        if (order == 0)
          g_assert_true (tttd_fec_decoder_repair (&dec, repair, repair_len, TRUE, on_rebuilt, &r));
        for (guint i = 0; i < k; i++)
          if (!((lost >> i) & 1))
            tttd_fec_decoder_note (&dec, seqs[i], pkts[i], lens[i], on_rebuilt, &r);
        if (order == 1)
          g_assert_true (tttd_fec_decoder_repair (&dec, repair, repair_len, TRUE, on_rebuilt, &r));
        /* a repair that comes first rebuilds the last packet missing as
         * soon as the others are there: with nothing lost, the last to
         * arrive (it comes later as a duplicate) */
        if (n_lost == 1 || (n_lost == 0 && order == 0))
          {
            guint i = n_lost == 1 ? (guint) __builtin_ctz (lost) : k - 1;
            g_assert_cmpuint (r.count, ==, 1);
            g_assert_cmpuint (r.seq, ==, seqs[i]);
            g_assert_cmpmem (r.data, r.len, pkts[i], lens[i]);
            g_assert_true (r.urgent);
          }
        else
          g_assert_cmpuint (r.count, ==, 0);
        tttd_fec_decoder_clear (&dec);
      }
}

static void
test_every_pattern (void)
{
  GRand *rand = g_rand_new_with_seed (1515);

  /* every window size up to 10 exhaustively, the larger ones too */
  for (guint k = 1; k <= 10; k++)
    {
      check_window (rand, k, 100, 1);
      check_window (rand, k, G_MAXUINT32 - 3, 1); /* across the wrap */
      check_window (rand, k, 7, 3);               /* sequences with gaps (adaptive) */
    }
  check_window (rand, TTTD_FEC_MAX_WINDOW, 5000, 2);
  g_rand_free (rand);
}

static void
test_encoder_window (void)
{
  TttdFecEncoder enc = { 0 };
  guint8 pkt[64] = { 1 };

  tttd_fec_encoder_reset (&enc);
  g_assert_true (tttd_fec_encoder_fits (&enc, 12345));
  tttd_fec_encoder_add (&enc, 10, pkt, sizeof pkt, FALSE, 0);
  /* not twice, not before, not 32 or more after the first */
  g_assert_false (tttd_fec_encoder_fits (&enc, 10));
  g_assert_false (tttd_fec_encoder_fits (&enc, 9));
  g_assert_false (tttd_fec_encoder_fits (&enc, 10 + TTTD_FEC_SPAN));
  g_assert_true (tttd_fec_encoder_fits (&enc, 10 + TTTD_FEC_SPAN - 1));
  g_assert_cmpuint (tttd_fec_encoder_finish (&enc, (guint8[TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN]){ 0 }), ==,
                    TTTD_REPAIR_HEADER_LEN + sizeof pkt);
  g_assert_cmpuint (tttd_fec_encoder_finish (&enc, (guint8[TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN]){ 0 }), ==, 0);
  tttd_fec_encoder_clear (&enc);
}

static void
test_bad_repair (void)
{
  TttdFecDecoder dec;
  Rebuilt r = { 0 };
  guint8 body[TTTD_REPAIR_HEADER_LEN + 40] = { 0 };

  tttd_fec_decoder_init (&dec);
  /* too short, bit 0 of the mask clear, reserved bytes set */
  g_assert_false (tttd_fec_decoder_repair (&dec, body, TTTD_REPAIR_HEADER_LEN + 19, FALSE, on_rebuilt, &r));
  g_assert_false (tttd_fec_decoder_repair (&dec, body, sizeof body, FALSE, on_rebuilt, &r));
  tttd_put_le32 (body + 4, 3);
  body[10] = 1;
  g_assert_false (tttd_fec_decoder_repair (&dec, body, sizeof body, FALSE, on_rebuilt, &r));
  body[10] = 0;
  /* a length that the parity cannot hold: nothing rebuilt */
  tttd_put_le16 (body + 8, 1400);
  g_assert_true (tttd_fec_decoder_repair (&dec, body, sizeof body, FALSE, on_rebuilt, &r));
  tttd_fec_decoder_note (&dec, 1, body, 30, on_rebuilt, &r);
  g_assert_cmpuint (r.count, ==, 0);
  tttd_fec_decoder_clear (&dec);
}

static void
test_window_size (void)
{
  /* clean links: none */
  g_assert_cmpuint (tttd_fec_window (0.0, 0.0, 0), ==, 0);
  g_assert_cmpuint (tttd_fec_window (0.0019, 0.0019, 0), ==, 0);
  /* 10% on each of two links, a packet sent on both: 1% reaches neither;
   * a window of 3 leaves about 0.03% (4 would leave 0.04%) */
  g_assert_cmpuint (tttd_fec_window (0.10, 0.01, 0), ==, 3);
  /* heavy loss: the shortest window */
  g_assert_cmpuint (tttd_fec_window (0.30, 0.09, 0), ==, 2);
  /* light loss: a longer window */
  g_assert_cmpuint (tttd_fec_window (0.01, 0.0001, 0), ==, TTTD_FEC_MAX_WINDOW);
  g_assert_cmpuint (tttd_fec_window (0.07, 0.005, 0), ==, 12);
  /* a fixed share */
  g_assert_cmpuint (tttd_fec_window (0.0, 0.0, 50), ==, 2);
  g_assert_cmpuint (tttd_fec_window (0.0, 0.0, 25), ==, 4);
  g_assert_cmpuint (tttd_fec_window (0.0, 0.0, 1), ==, TTTD_FEC_MAX_WINDOW);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/fec/every-pattern", test_every_pattern);
  g_test_add_func ("/tttd/fec/encoder-window", test_encoder_window);
  g_test_add_func ("/tttd/fec/bad-repair", test_bad_repair);
  g_test_add_func ("/tttd/fec/window-size", test_window_size);
  return g_test_run ();
}
