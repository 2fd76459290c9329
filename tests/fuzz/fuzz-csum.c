/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* fuzzes what the receiver does to a packet from the tunnel before it writes
 * it to TUN (the virtio_net_hdr it fills in, the checksum it finishes) */
#include "config.h"

#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "tttd-gso.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* the first byte: bits 0-1 the mark (complete, partial, unknown), bit 2
 * whether the TUN speaks virtio_net_hdr; then the decrypted packet. Nothing
 * is read or written out of bounds, and a NEEDS_CSUM header always points
 * at a checksum field inside the packet */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  guint8 vnet[TTTD_VNET_HDR_LEN];
  TttdRxCsum csum;
  TttdVnetHdr hdr;
  guint8 *packet;
  gsize len;

  if (size < 1)
    return 0;
  csum = (TttdRxCsum) ((data[0] & 3) % 3);
  len = size - 1;
  /* an exact heap copy, so that ASan sees an access past the end */
  packet = malloc (len > 0 ? len : 1);
  memcpy (packet, data + 1, len);
  if (tttd_rx_csum_prepare (packet, len, csum, (data[0] & 4) ? vnet : NULL) && (data[0] & 4))
    {
      tttd_vnet_hdr_parse (vnet, &hdr);
      if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
        abort ();
      if ((hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (gsize) hdr.csum_start + hdr.csum_offset + 2 > len)
        abort ();
      if (csum == TTTD_RX_CSUM_COMPLETE && hdr.flags != 0)
        abort ();
    }
  free (packet);
  return 0;
}
