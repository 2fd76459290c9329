/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttd-packet.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* room for whatever is written back: a header, an inner header, a probe */
G_STATIC_ASSERT (TTTD_HEADER_LEN <= 64 && TTTD_INNER_LEN <= 64 && TTTD_PROBE_LEN <= 64);

/* the parsers never read past the end, and what they accept writes back
 * to the same bytes */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  TttdHeader header;
  TttdInner inner;
  TttdProbe probe;
  guint8 out[64];

  if (tttd_header_parse (data, size, &header) == TTTD_PARSE_OK)
    {
      if (header.type == TTTD_MSG_TRANSPORT)
        {
          tttd_header_write (out, &header);
          if (memcmp (out, data, TTTD_HEADER_LEN) != 0)
            abort ();
        }
      else if (header.type != TTTD_MSG_INITIATION && header.type != TTTD_MSG_RESPONSE &&
               header.type != TTTD_MSG_COOKIE_REPLY)
        abort ();
      else if (header.type == TTTD_MSG_COOKIE_REPLY &&
               (size != TTTD_COOKIE_REPLY_LEN || header.receiver != tttd_get_le32 (data + 4)))
        abort ();
    }
  (void) tttd_parse_result_to_string (tttd_header_parse (data, size, &header));

  /* the inner header on its own, and where it sits in a transport message */
  for (gsize offset = 0; offset <= TTTD_HEADER_LEN && offset <= size; offset += TTTD_HEADER_LEN)
    if (tttd_inner_parse (data + offset, size - offset, &inner) == TTTD_PARSE_OK)
      {
        if (inner.kind >= TTTD_KIND_COUNT || (inner.flags & ~TTTD_FLAGS_KNOWN) != 0)
          abort ();
        tttd_inner_write (out, &inner);
        if (memcmp (out, data + offset, TTTD_INNER_LEN) != 0)
          abort ();
        if (inner.kind == TTTD_KIND_PROBE || inner.kind == TTTD_KIND_PROBE_REPLY)
          {
            if (tttd_probe_parse (data + offset + TTTD_INNER_LEN, size - offset - TTTD_INNER_LEN, &probe) !=
                TTTD_PARSE_OK)
              abort ();
          }
      }

  if (tttd_probe_parse (data, size, &probe) == TTTD_PARSE_OK)
    {
      tttd_probe_write (out, &probe);
      if (size != TTTD_PROBE_LEN || memcmp (out, data, TTTD_PROBE_LEN) != 0)
        abort ();
    }
  return 0;
}
