/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-packet.h"

G_BEGIN_DECLS

/* forward error correction for the packets a round trip for a NACK would
 * reach too late (the redundant strategy, latency-critical packets of
 * adaptive): after a window of up to TTTD_FEC_MAX_WINDOW data packets the
 * sender sends one repair, the XOR of their lengths and their bytes (each
 * zero-padded to the longest), so that the receiver rebuilds any one of
 * them that did not come.  The window's size follows the measured loss
 * (tttd_fec_window); on a clean link there is none.
 *
 * A repair's body (after the inner header; see docs/protocol.md):
 *   0  4  first: the sequence number of the window's first packet
 *   4  4  mask: bit i set = first + i is in the window (bit 0 always)
 *   8  2  the XOR of the packets' lengths
 *  10  2  reserved, 0
 *  12  n  the XOR of the packets, n = the longest of them */

#define TTTD_FEC_MAX_WINDOW 16
#define TTTD_FEC_SPAN       32   /* a window covers sequences first .. first + 31 */
#define TTTD_FEC_MAX_LEN    1500 /* longer packets are not covered */
#define TTTD_FEC_RX_SLOTS   64   /* the receiver's copies of recent packets */
#define TTTD_FEC_PENDING    4    /* repairs waiting for more of their packets */

/* the most a window may wait for more packets before its repair goes */
#define TTTD_FEC_BUDGET_US 50000
/* the loss left after repair that the window size aims at, per direction
 * (a ping's round trip: twice that) */
#define TTTD_FEC_TARGET_LOSS 0.0003

typedef struct {
  guint n;
  guint32 first;
  guint32 mask;
  guint16 len_xor;
  guint16 max_len;
  gboolean urgent; /* it covers latency-critical packets */
  gint64 opened_us;
  guint8 *parity; /* TTTD_FEC_MAX_LEN bytes, when first needed */
} TttdFecEncoder;

/* an empty window (an encoder starts zeroed and reset) */
void tttd_fec_encoder_reset (TttdFecEncoder *enc);
void tttd_fec_encoder_clear (TttdFecEncoder *enc);
/* seq can join the open window (or opens one) */
gboolean tttd_fec_encoder_fits (const TttdFecEncoder *enc, guint32 seq);
void tttd_fec_encoder_add (TttdFecEncoder *enc, guint32 seq, const guint8 *data, gsize len, gboolean urgent,
                           gint64 now_us);
/* write the repair body into body (TTTD_REPAIR_HEADER_LEN + TTTD_FEC_MAX_LEN
 * bytes of room) and start a new window; returns the body's length, 0 when
 * the window was empty */
gsize tttd_fec_encoder_finish (TttdFecEncoder *enc, guint8 *body);

/* the window for a loss rate (0..1) that reaches a packet through its
 * copies: 0 = no FEC.  Below 0.2% loss on every link, none; otherwise as
 * many packets as keep the loss left after repair at
 * TTTD_FEC_TARGET_LOSS at most, 2 to 16.
 * percent > 0 forces a window of about 100/percent packets. */
guint tttd_fec_window (double link_loss_max, double packet_loss, guint percent);

typedef struct {
  gboolean valid;
  guint32 first;
  guint32 mask;
  guint16 len_xor;
  guint16 len;
  gboolean urgent;
  guint8 data[TTTD_FEC_MAX_LEN];
} TttdFecPending;

typedef struct {
  guint32 seq;
  guint16 len;
  gboolean valid;
} TttdFecRxEntry;

typedef struct {
  TttdFecRxEntry entries[TTTD_FEC_RX_SLOTS];
  guint8 *data;            /* TTTD_FEC_RX_SLOTS x TTTD_FEC_MAX_LEN, when first needed */
  TttdFecPending *pending; /* TTTD_FEC_PENDING of them, when first needed */
  guint pending_next;
  guint64 recovered;
  guint64 repairs;
} TttdFecDecoder;

/* a packet rebuilt from a repair */
typedef void (*TttdFecRecoveredFunc) (guint32 seq, const guint8 *data, gsize len, gboolean urgent, gpointer user_data);

void tttd_fec_decoder_init (TttdFecDecoder *dec);
void tttd_fec_decoder_clear (TttdFecDecoder *dec);
/* a data packet came: keep a copy, and try the repairs that wait for it */
void tttd_fec_decoder_note (TttdFecDecoder *dec, guint32 seq, const guint8 *data, gsize len, TttdFecRecoveredFunc func,
                            gpointer user_data);
/* a repair came (its body); FALSE: malformed */
gboolean tttd_fec_decoder_repair (TttdFecDecoder *dec, const guint8 *body, gsize len, gboolean urgent,
                                  TttdFecRecoveredFunc func, gpointer user_data);

G_END_DECLS
