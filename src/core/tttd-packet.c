/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the wire format: headers, inner header and probe body, parsed and written */
#include "config.h"

#include "tttd-packet.h"

const char *
tttd_parse_result_to_string (TttdParseResult result)
{
  switch (result)
    {
    case TTTD_PARSE_OK: return "ok";
    case TTTD_PARSE_SHORT: return "too short";
    case TTTD_PARSE_VERSION: return "unknown version";
    case TTTD_PARSE_TYPE: return "unknown message type";
    case TTTD_PARSE_RESERVED: return "reserved bits set";
    case TTTD_PARSE_LENGTH: return "wrong length for its type";
    case TTTD_PARSE_KIND: return "unknown inner kind";
    case TTTD_PARSE_FLAGS: return "unknown flags";
    default: return "unknown";
    }
}

/* bytes 0..3 are common to every message: version, type, two reserved
 * bytes; what follows depends on the type */
TttdParseResult
tttd_header_parse (const guint8 *buf, gsize len, TttdHeader *out)
{
  if (len < 4)
    return TTTD_PARSE_SHORT;
  if (buf[0] != TTTD_PROTOCOL_VERSION)
    return TTTD_PARSE_VERSION;
  if (buf[2] != 0 || buf[3] != 0)
    return TTTD_PARSE_RESERVED;
  out->type = buf[1];
  out->receiver = 0;
  out->counter = 0;
  switch (buf[1])
    {
    case TTTD_MSG_INITIATION: return len == TTTD_INITIATION_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH;
    case TTTD_MSG_RESPONSE:
      if (len != TTTD_RESPONSE_LEN)
        return TTTD_PARSE_LENGTH;
      out->receiver = tttd_get_le32 (buf + 8);
      return TTTD_PARSE_OK;
    case TTTD_MSG_COOKIE_REPLY:
      if (len != TTTD_COOKIE_REPLY_LEN)
        return TTTD_PARSE_LENGTH;
      out->receiver = tttd_get_le32 (buf + 4);
      return TTTD_PARSE_OK;
    case TTTD_MSG_TRANSPORT:
      /* header, inner header and tag at least */
      if (len < TTTD_OVERHEAD)
        return TTTD_PARSE_SHORT;
      out->receiver = tttd_get_le32 (buf + 4);
      out->counter = tttd_get_le64 (buf + 8);
      return TTTD_PARSE_OK;
    default: return TTTD_PARSE_TYPE;
    }
}

void
tttd_header_write (guint8 *buf, const TttdHeader *header)
{
  buf[0] = TTTD_PROTOCOL_VERSION;
  buf[1] = header->type;
  buf[2] = 0;
  buf[3] = 0;
  tttd_put_le32 (buf + 4, header->receiver);
  tttd_put_le64 (buf + 8, header->counter);
}

TttdParseResult
tttd_inner_parse (const guint8 *buf, gsize len, TttdInner *out)
{
  if (len < TTTD_INNER_LEN)
    return TTTD_PARSE_SHORT;
  out->kind = buf[0];
  out->flags = buf[1];
  out->link = tttd_get_le16 (buf + 2);
  out->seq = tttd_get_le32 (buf + 4);
  out->link_prev = tttd_get_le32 (buf + 8);
  out->timestamp = tttd_get_le32 (buf + 12);
  if (out->kind >= TTTD_KIND_COUNT)
    return TTTD_PARSE_KIND;
  if ((out->flags & ~TTTD_FLAGS_KNOWN) != 0)
    return TTTD_PARSE_FLAGS;
  switch (out->kind)
    {
    case TTTD_KIND_DATA:
      /* an IP header at least */
      return len >= TTTD_INNER_LEN + 20 ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH;
    case TTTD_KIND_PROBE:
    case TTTD_KIND_PROBE_REPLY: return len == TTTD_INNER_LEN + TTTD_PROBE_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH;
    case TTTD_KIND_CLOSE: return len == TTTD_INNER_LEN ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH;
    case TTTD_KIND_NACK:
      /* its own header and 1 to 32 ranges; tttd_nack_parse checks the rest */
      return len >= TTTD_INNER_LEN + TTTD_NACK_HEADER_LEN + TTTD_NACK_RANGE_LEN &&
                 len <= TTTD_INNER_LEN + TTTD_NACK_HEADER_LEN + TTTD_NACK_MAX_RANGES * TTTD_NACK_RANGE_LEN &&
                 (len - TTTD_INNER_LEN - TTTD_NACK_HEADER_LEN) % TTTD_NACK_RANGE_LEN == 0
               ? TTTD_PARSE_OK
               : TTTD_PARSE_LENGTH;
    case TTTD_KIND_REPAIR:
      /* its header and the XOR of at least an IP header */
      return len >= TTTD_INNER_LEN + TTTD_REPAIR_HEADER_LEN + 20 ? TTTD_PARSE_OK : TTTD_PARSE_LENGTH;
    default: return TTTD_PARSE_KIND;
    }
}

void
tttd_inner_write (guint8 *buf, const TttdInner *inner)
{
  buf[0] = inner->kind;
  buf[1] = inner->flags;
  tttd_put_le16 (buf + 2, inner->link);
  tttd_put_le32 (buf + 4, inner->seq);
  tttd_put_le32 (buf + 8, inner->link_prev);
  tttd_put_le32 (buf + 12, inner->timestamp);
}

TttdParseResult
tttd_probe_parse (const guint8 *buf, gsize len, TttdProbe *out)
{
  if (len != TTTD_PROBE_LEN)
    return TTTD_PARSE_LENGTH;
  out->echo = tttd_get_le32 (buf);
  out->tx_packets = tttd_get_le32 (buf + 4);
  out->rx_packets = tttd_get_le32 (buf + 8);
  out->rx_bytes = tttd_get_le32 (buf + 12);
  out->down_links = tttd_get_le32 (buf + 16);
  out->rx_queue_us = tttd_get_le32 (buf + 20);
  return TTTD_PARSE_OK;
}

void
tttd_probe_write (guint8 *buf, const TttdProbe *probe)
{
  tttd_put_le32 (buf, probe->echo);
  tttd_put_le32 (buf + 4, probe->tx_packets);
  tttd_put_le32 (buf + 8, probe->rx_packets);
  tttd_put_le32 (buf + 12, probe->rx_bytes);
  tttd_put_le32 (buf + 16, probe->down_links);
  tttd_put_le32 (buf + 20, probe->rx_queue_us);
}
