/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "tttd-gro.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The input is a TUN read (a virtio_net_hdr, then a packet). tttd-gso cuts
 * it into the segments a sender would send; they go through GRO in order as
 * the frames the receive path writes (NEEDS_CSUM at TCP's field), and what
 * GRO writes, its joined packets cut again, must be those very segments,
 * byte for byte. Then
 * the input itself, whatever it is, goes through GRO twice: it comes out
 * twice, as it went in, and nothing is ever larger than GRO's limit. */

#define MAX_SEGMENTS 256
#define SEGMENT_MAX  2048

typedef struct {
  guint8 (*segs)[SEGMENT_MAX];
  gsize lens[MAX_SEGMENTS];
  guint n;
  gboolean overflow;
} List;

static List in_list, out_list;
/* the second part's input: written as it came, or joined */
static const guint8 *raw;
static gsize raw_len;
static guint raw_written;
static guint8 in_segs[MAX_SEGMENTS][SEGMENT_MAX], out_segs[MAX_SEGMENTS][SEGMENT_MAX];

/* cuts a frame into list; FALSE when tttd-gso refuses it */
static gboolean
cut (const guint8 *frame, gsize len, List *list)
{
  TttdVnetHdr hdr;
  TttdGso gso;
  gssize n = 0;

  if (len < TTTD_VNET_HDR_LEN)
    return FALSE;
  tttd_vnet_hdr_parse (frame, &hdr);
  if (!tttd_gso_init (&gso, frame + TTTD_VNET_HDR_LEN, len - TTTD_VNET_HDR_LEN, &hdr))
    return FALSE;
  while (list->n < MAX_SEGMENTS && (n = tttd_gso_next (&gso, list->segs[list->n], SEGMENT_MAX)) > 0)
    list->lens[list->n++] = (gsize) n;
  if (list->n == MAX_SEGMENTS || n < 0)
    list->overflow = TRUE;
  return TRUE;
}

static void
on_write (const guint8 *frame, gsize len, gpointer data)
{
  gboolean *check = data;

  if (len > TTTD_VNET_HDR_LEN + TTTD_GRO_MAX_PACKET)
    abort ();
  if (*check)
    {
      TttdVnetHdr hdr;

      /* a joined packet is cut again; one written as it came is itself */
      tttd_vnet_hdr_parse (frame, &hdr);
      if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
        {
          if (!cut (frame, len, &out_list))
            abort ();
        }
      else if (out_list.n < MAX_SEGMENTS && len - TTTD_VNET_HDR_LEN <= SEGMENT_MAX)
        {
          memcpy (out_list.segs[out_list.n], frame + TTTD_VNET_HDR_LEN, len - TTTD_VNET_HDR_LEN);
          out_list.lens[out_list.n++] = len - TTTD_VNET_HDR_LEN;
        }
      else
        out_list.overflow = TRUE;
    }
  else
    {
      /* the input twice: the second one never continues the first (the
       * same sequence number), so both come out as they went in */
      if (len != raw_len || memcmp (frame, raw, len) != 0)
        abort ();
      raw_written++;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  TttdVnetHdr hdr;
  TttdGro gro;
  gboolean check = TRUE;
  guint8 *copy;

  if (size < TTTD_VNET_HDR_LEN || size > TTTD_VNET_HDR_LEN + TTTD_GRO_MAX_PACKET)
    return 0;
  in_list = (List){ .segs = in_segs };
  out_list = (List){ .segs = out_segs };
  tttd_gro_init (&gro, on_write, &check);
  tttd_vnet_hdr_parse (data, &hdr);
  if ((hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE &&
      cut (data, size, &in_list) && !in_list.overflow)
    {
      static guint8 frame[TTTD_VNET_HDR_LEN + SEGMENT_MAX];

      for (guint i = 0; i < in_list.n; i++)
        {
          guint l3 = (in_list.segs[i][0] >> 4) == 4 ? (in_list.segs[i][0] & 0x0f) * 4u : 40;
          TttdVnetHdr seg_hdr = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = (guint16) l3, .csum_offset = 16 };

          tttd_vnet_hdr_write (frame, &seg_hdr);
          memcpy (frame + TTTD_VNET_HDR_LEN, in_list.segs[i], in_list.lens[i]);
          tttd_gro_push (&gro, frame, TTTD_VNET_HDR_LEN + in_list.lens[i]);
        }
      tttd_gro_flush (&gro);
      if (!out_list.overflow)
        {
          if (out_list.n != in_list.n)
            abort ();
          for (guint i = 0; i < in_list.n; i++)
            if (out_list.lens[i] != in_list.lens[i] || memcmp (out_list.segs[i], in_list.segs[i], in_list.lens[i]) != 0)
              abort ();
        }
    }
  /* the input as one frame, twice (the second may join the first), from
   * an exact heap copy, so that ASan sees a read past the end */
  check = FALSE;
  copy = malloc (size);
  memcpy (copy, data, size);
  raw = copy;
  raw_len = size;
  raw_written = 0;
  tttd_gro_push (&gro, copy, size);
  tttd_gro_push (&gro, copy, size);
  tttd_gro_flush (&gro);
  if (raw_written != 2)
    abort ();
  free (copy);
  tttd_gro_clear (&gro);
  return 0;
}
