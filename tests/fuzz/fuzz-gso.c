/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttd-gso.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* whatever a TUN read hands over (a virtio_net_hdr, then a packet): the
 * cutter never reads or writes out of bounds, never loops, and every
 * segment fits the MTU-sized buffer it is given or is refused */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static guint8 out[1500];
  TttdVnetHdr hdr;
  TttdGso gso;
  guint8 *packet;
  gsize len;
  gssize n;
  guint segments = 0;

  if (size < TTTD_VNET_HDR_LEN)
    return 0;
  tttd_vnet_hdr_parse (data, &hdr);
  len = size - TTTD_VNET_HDR_LEN;
  /* an exact heap copy, so that ASan sees a read past the end */
  packet = malloc (len > 0 ? len : 1);
  memcpy (packet, data + TTTD_VNET_HDR_LEN, len);
  if (tttd_gso_init (&gso, packet, len, &hdr))
    while ((n = tttd_gso_next (&gso, out, sizeof out)) > 0)
      {
        if ((gsize) n > sizeof out)
          abort ();
        if (++segments > 65536)
          abort ();
      }
  free (packet);
  return 0;
}
