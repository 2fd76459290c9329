/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* wire format v2, described byte by byte in docs/protocol.md; every
 * multi-byte integer is little-endian (v2: the initiation has mac2, and a
 * server under load answers with a cookie reply) */

#define TTTD_PROTOCOL_VERSION 2

typedef enum {
  TTTD_MSG_INITIATION = 1,
  TTTD_MSG_RESPONSE = 2,
  TTTD_MSG_TRANSPORT = 3,
  TTTD_MSG_COOKIE_REPLY = 4,
} TttdMessageType;

/* the cleartext header of a transport message: it is also the AEAD's
 * associated data */
#define TTTD_HEADER_LEN 16
#define TTTD_TAG_LEN    16
/* the sealed inner header */
#define TTTD_INNER_LEN 16
#define TTTD_OVERHEAD  (TTTD_HEADER_LEN + TTTD_INNER_LEN + TTTD_TAG_LEN)
/* room before a tunnelled packet for the headers, so it is sealed in place */
#define TTTD_HEADROOM (TTTD_HEADER_LEN + TTTD_INNER_LEN)
/* IP + UDP headers of the transport */
#define TTTD_UDP4_OVERHEAD (20 + 8)
#define TTTD_UDP6_OVERHEAD (40 + 8)
#define TTTD_MAX_DATAGRAM  65535
#define TTTD_MAX_PAYLOAD   (TTTD_MAX_DATAGRAM - TTTD_UDP6_OVERHEAD - TTTD_OVERHEAD)

/* handshake messages */
#define TTTD_KEY_LEN                32
#define TTTD_MAC_LEN                16
#define TTTD_INIT_PAYLOAD_LEN       16
#define TTTD_INITIATION_MAC1_OFFSET (4 + 4 + 32 + (32 + 16) + (TTTD_INIT_PAYLOAD_LEN + 16))
#define TTTD_INITIATION_MAC2_OFFSET (TTTD_INITIATION_MAC1_OFFSET + TTTD_MAC_LEN)
#define TTTD_INITIATION_LEN         (TTTD_INITIATION_MAC2_OFFSET + TTTD_MAC_LEN)
#define TTTD_RESPONSE_ADDRESSES     2
#define TTTD_RESPONSE_PAYLOAD_LEN   (4 + TTTD_RESPONSE_ADDRESSES * 18)
#define TTTD_RESPONSE_LEN           (4 + 4 + 4 + 32 + (TTTD_RESPONSE_PAYLOAD_LEN + 16) + TTTD_MAC_LEN)
/* header, receiver index, XChaCha20 nonce, sealed cookie */
#define TTTD_COOKIE_REPLY_LEN (4 + 4 + 24 + 16 + 16)

typedef enum {
  TTTD_KIND_DATA = 0,  /* a tunnelled IP packet */
  TTTD_KIND_PROBE = 1, /* health probe: answer at once with a reply */
  TTTD_KIND_PROBE_REPLY = 2,
  TTTD_KIND_CLOSE = 3,  /* the sender ends the session */
  TTTD_KIND_NACK = 4,   /* the receiver asks for lost data packets again */
  TTTD_KIND_REPAIR = 5, /* FEC: the XOR of a window of data packets */
  TTTD_KIND_COUNT,
} TttdKind;

#define TTTD_FLAG_COPY         (1u << 0) /* one of several copies (redundant) */
#define TTTD_FLAG_RESENT       (1u << 1) /* resent after its first link failed */
#define TTTD_FLAG_LINK_DOWN    (1u << 2) /* probe: the sender hears nothing on this link */
#define TTTD_FLAG_URGENT       (1u << 3) /* data: latency-critical, deliver at once, out of order */
#define TTTD_FLAG_RETRANSMIT   (1u << 4) /* data: sent again because the far end asked (NACK) */
#define TTTD_FLAG_CSUM_PARTIAL (1u << 5) /* data: the L4 checksum field holds the pseudo-header sum only */
#define TTTD_FLAGS_KNOWN \
  (TTTD_FLAG_COPY | TTTD_FLAG_RESENT | TTTD_FLAG_LINK_DOWN | TTTD_FLAG_URGENT | TTTD_FLAG_RETRANSMIT | \
   TTTD_FLAG_CSUM_PARTIAL)

/* the bodies of a NACK and a repair: their own headers, then ranges or
 * the XOR of the packets (tttd-nack.h, tttd-fec.h) */
#define TTTD_NACK_HEADER_LEN   4
#define TTTD_NACK_RANGE_LEN    8
#define TTTD_NACK_MAX_RANGES   32
#define TTTD_REPAIR_HEADER_LEN 12

typedef struct {
  guint8 type;
  guint32 receiver;
  guint64 counter;
} TttdHeader;

typedef struct {
  guint8 kind;
  guint8 flags;
  guint16 link;
  guint32 seq;       /* data: tunnel sequence; probes and close: the next data
                       * sequence (everything before it is on the wire) */
  guint32 link_prev; /* data: seq of the previous data sent on this link */
  guint32 timestamp; /* sender's clock, microseconds, wrapping */
} TttdInner;

/* the body of a probe or probe reply */
#define TTTD_PROBE_LEN 24
typedef struct {
  guint32 echo;        /* probe: the sender's latest RTT sample of this link (us);
                            * reply: the probe's timestamp, echoed */
  guint32 tx_packets;  /* packets the sender sent on this link, this one
                            * included (probe and reply alike) */
  guint32 rx_packets;  /* packets the sender got on this link */
  guint32 rx_bytes;    /* bytes of those, on the wire: IP and UDP headers
                            * included */
  guint32 down_links;  /* the links the sender found dead by its own probes
                            * (bit N: link N), so that the far end stops using
                            * them at once instead of when it notices itself */
  guint32 rx_queue_us; /* the queue the sender sees on this link towards it,
                            * from one-way delays: the far end's sending queue */
} TttdProbe;

typedef enum {
  TTTD_PARSE_OK,
  TTTD_PARSE_SHORT,
  TTTD_PARSE_VERSION,
  TTTD_PARSE_TYPE,
  TTTD_PARSE_RESERVED,
  TTTD_PARSE_LENGTH,
  TTTD_PARSE_KIND,
  TTTD_PARSE_FLAGS,
} TttdParseResult;

const char *tttd_parse_result_to_string (TttdParseResult result);

/* the outer header of any message */
TttdParseResult tttd_header_parse (const guint8 *buf, gsize len, TttdHeader *out);
void tttd_header_write (guint8 *buf, const TttdHeader *header);

TttdParseResult tttd_inner_parse (const guint8 *buf, gsize len, TttdInner *out);
void tttd_inner_write (guint8 *buf, const TttdInner *inner);

TttdParseResult tttd_probe_parse (const guint8 *buf, gsize len, TttdProbe *out);
void tttd_probe_write (guint8 *buf, const TttdProbe *probe);

static inline void
tttd_put_le16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

static inline void
tttd_put_le32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static inline void
tttd_put_le64 (guint8 *p, guint64 v)
{
  tttd_put_le32 (p, (guint32) v);
  tttd_put_le32 (p + 4, (guint32) (v >> 32));
}

static inline guint16
tttd_get_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
tttd_get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
tttd_get_le64 (const guint8 *p)
{
  return (guint64) tttd_get_le32 (p) | ((guint64) tttd_get_le32 (p + 4) << 32);
}

G_END_DECLS
