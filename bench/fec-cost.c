/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* fec-cost [N]: what FEC costs per 1400-byte packet, encoding (into a
 * window) and rebuilding one lost packet of a window, timed with the
 * monotonic clock over N windows for each window size, and the share of a
 * packet's sealing (ChaCha20-Poly1305) that is */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tttd-crypto.h"
#include "tttd-fec.h"
#include "tttd-keyring.h"
#include "tttd-packet.h"

#define PACKET 1400

static guint64 rebuilt;

static void
on_rebuilt (guint32 seq, const guint8 *data, gsize len, gboolean urgent, gpointer user_data)
{
  rebuilt += len;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 20000;
  static guint8 pkt[TTTD_FEC_MAX_WINDOW][PACKET];
  static guint8 repair[TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN];
  static guint8 buf[TTTD_HEADER_LEN + TTTD_INNER_LEN + PACKET + TTTD_TAG_LEN];
  static TttdFecEncoder enc;
  static TttdFecDecoder dec;
  TttdSessionKeys keys = { 0 };
  TttdKeypair *tx;
  gint64 t0, t1;
  guint32 seq = 0;

  if (!tttd_crypto_init (NULL))
    return 1;
  for (guint i = 0; i < TTTD_FEC_MAX_WINDOW; i++)
    for (guint j = 0; j < PACKET; j++)
      pkt[i][j] = (guint8) (i * 31 + j);
  memset (keys.send, 0x42, 32);
  memset (keys.recv, 0x42, 32);
  tx = tttd_keypair_new (&keys, TTTD_CIPHER_CHACHA20_POLY1305, 1, 2, TRUE, 0);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      memcpy (buf + TTTD_HEADER_LEN + TTTD_INNER_LEN, pkt[i % TTTD_FEC_MAX_WINDOW], PACKET);
      tttd_keypair_seal (tx, G_MAXUINT64, buf, TTTD_INNER_LEN + PACKET);
    }
  t1 = g_get_monotonic_time ();
  printf ("seal (ChaCha20-Poly1305), %u bytes: %.0f ns per packet\n", PACKET, (double) (t1 - t0) * 1000 / n);

  for (guint k = 2; k <= TTTD_FEC_MAX_WINDOW; k *= 2)
    {
      double enc_ns, dec_ns;

      t0 = g_get_monotonic_time ();
      for (guint w = 0; w < n; w++)
        {
          for (guint i = 0; i < k; i++)
            tttd_fec_encoder_add (&enc, seq + i, pkt[i], PACKET, FALSE, 0);
          tttd_fec_encoder_finish (&enc, repair);
          seq += k;
        }
      t1 = g_get_monotonic_time ();
      enc_ns = (double) (t1 - t0) * 1000 / ((double) n * k);

      /* the receiver keeps k - 1 packets and rebuilds the last from the repair */
      tttd_fec_decoder_init (&dec);
      t0 = g_get_monotonic_time ();
      for (guint w = 0; w < n; w++)
        {
          for (guint i = 0; i < k; i++)
            tttd_fec_encoder_add (&enc, seq + i, pkt[i], PACKET, FALSE, 0);
          tttd_fec_encoder_finish (&enc, repair);
          for (guint i = 0; i + 1 < k; i++)
            tttd_fec_decoder_note (&dec, seq + i, pkt[i], PACKET, on_rebuilt, NULL);
          tttd_fec_decoder_repair (&dec, repair, TTTD_REPAIR_HEADER_LEN + PACKET, FALSE, on_rebuilt, NULL);
          seq += k;
        }
      t1 = g_get_monotonic_time ();
      dec_ns = (double) (t1 - t0) * 1000 / ((double) n * k) - enc_ns;
      tttd_fec_decoder_clear (&dec);
      printf ("window %2u: encode %.0f ns per packet; receive side (copy each, rebuild one) %.0f ns per packet\n", k,
              enc_ns, dec_ns);
    }
  tttd_fec_encoder_clear (&enc);
  tttd_keypair_free (tx);
  return rebuilt == 0;
}
