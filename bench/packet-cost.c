/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* packet-cost N: the core's work for N tunnelled 1400-byte packets, one
 * way and back: classify, schedule, seal, parse, open, reorder.  Run under
 * callgrind (bench/speed.sh): (instructions for N - instructions for 0) / N
 * is the cost of one packet, the same on every run and machine. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttd-crypto.h"
#include "tttd-ip.h"
#include "tttd-keyring.h"
#include "tttd-packet.h"
#include "tttd-reorder.h"
#include "tttd-sched.h"

#define PACKET 1400

static guint64 delivered;

static void
on_deliver (gpointer buf, guint len, gboolean held, gpointer user_data)
{
  delivered += len;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  static guint8 buf[TTTD_HEADER_LEN + TTTD_INNER_LEN + PACKET + TTTD_TAG_LEN];
  static TttdReorder reorder;
  TttdSessionKeys keys = { 0 };
  TttdKeypair *tx, *rx;
  TttdScheduler sched;
  guint8 *ip = buf + TTTD_HEADER_LEN + TTTD_INNER_LEN;

  if (!tttd_crypto_init (NULL))
    return 1;
  memset (keys.send, 1, 32);
  memset (keys.recv, 1, 32);
  /* the cipher this machine would choose */
  tx = tttd_keypair_new (&keys, tttd_cipher_choose (tttd_cipher_local_mask (), TTTD_CIPHER_MASK_ALL), 1, 2, TRUE, 0);
  rx = tttd_keypair_new (&keys, tttd_cipher_choose (tttd_cipher_local_mask (), TTTD_CIPHER_MASK_ALL), 2, 1, FALSE, 0);
  tttd_scheduler_init (&sched, TTTD_STRATEGY_ADAPTIVE);
  for (guint i = 0; i < 2; i++)
    {
      sched.links[i].present = sched.links[i].enabled = TRUE;
      sched.links[i].state = TTTD_LINK_UP;
      sched.links[i].weight = 10;
      sched.links[i].srtt_us = 10000 * (i + 1);
      sched.links[i].rate_Bps = 5000000;
    }
  tttd_reorder_init (&reorder, on_deliver, NULL);

  for (guint i = 0; i < n; i++)
    {
      TttdIpInfo info;
      TttdPacketInfo pi;
      TttdInner inner = { .kind = TTTD_KIND_DATA, .seq = i, .link_prev = i, .timestamp = i };
      TttdHeader header;
      TttdInner opened;
      guint32 mask;
      gsize total;

      /* an IPv4/TCP packet as the TUN device hands it over */
      memset (ip, 0, 40);
      ip[0] = 0x45;
      ip[2] = PACKET >> 8;
      ip[3] = PACKET & 0xff;
      ip[9] = 6;
      ip[12] = 198;
      ip[13] = 19;
      ip[14] = 0;
      ip[15] = 2;
      ip[16] = 198;
      ip[17] = 19;
      ip[18] = 0;
      ip[19] = 1;
      ip[32] = 0x50;
      ip[33] = 0x10;
      tttd_ip_parse (ip, PACKET, 0, &info);
      pi.flow_hash = info.flow_hash;
      pi.wire_len = PACKET + TTTD_OVERHEAD + TTTD_UDP4_OVERHEAD;
      pi.flags = info.latency_critical ? TTTD_PACKET_LATENCY_CRITICAL : 0;
      mask = tttd_scheduler_pick (&sched, &pi, (gint64) i * 200);
      tttd_scheduler_sent (&sched, (guint) __builtin_ctz (mask), pi.wire_len, (gint64) i * 200);
      inner.link = (guint16) __builtin_ctz (mask);
      tttd_inner_write (buf + TTTD_HEADER_LEN, &inner);
      total = tttd_keypair_seal (tx, G_MAXUINT64, buf, TTTD_INNER_LEN + PACKET);

      /* and at the far end */
      if (tttd_header_parse (buf, total, &header) != TTTD_PARSE_OK ||
          tttd_keypair_open (rx, buf, total, header.counter) != TTTD_OPEN_OK ||
          tttd_inner_parse (buf + TTTD_HEADER_LEN, total - TTTD_HEADER_LEN - TTTD_TAG_LEN, &opened) != TTTD_PARSE_OK)
        return 1;
      tttd_ip_parse (ip, PACKET, 0, &info);
      tttd_reorder_push (&reorder, opened.seq, opened.link, opened.link_prev, FALSE, buf, PACKET, (gint64) i * 200);
    }
  tttd_keypair_free (tx);
  tttd_keypair_free (rx);
  return delivered == (guint64) n * PACKET ? 0 : 1;
}
