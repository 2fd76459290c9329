/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the last packets sent, as plaintext, so that what was in flight on a link
 * that just died can go again on the others: the far end then fills its
 * holes within one RTT of a live link, where TCP would need a timeout or a
 * window of duplicate ACKs (and cuts its rate).
 *
 * One ring per engine, whatever the number of peers: its memory is bounded
 * (slots x slot size, allocated when first used) and it covers the last
 * few tens of milliseconds at the rates where that matters.
 *
 * The same ring serves fast retransmission: a packet the far end asks for
 * again is found by its sequence number in O(1) (an index of slots by
 * sequence, checked against the slot's owner and sequence), and goes again
 * at most once. */

#define TTTD_RESEND_SLOTS 2048

typedef struct {
  gconstpointer owner; /* the peer; NULL: free */
  gint64 sent_us;
  guint32 seq;
  guint32 flow_hash;
  guint16 link;
  guint16 len;
  gboolean retransmitted; /* sent again on request already */
} TttdResendEntry;

typedef struct {
  TttdResendEntry *entries; /* NULL until the first note */
  guint8 *data;
  gsize slot_size;
  guint n_slots;
  guint next;
  guint32 *index; /* sequence & index_mask -> slot + 1, 0: none */
  guint32 index_mask;
} TttdResend;

/* a packet to send again: its sequence, flow and plaintext */
typedef void (*TttdResendFunc) (const TttdResendEntry *entry, const guint8 *data, gpointer user_data);

void tttd_resend_init (TttdResend *resend, guint n_slots, gsize slot_size);
void tttd_resend_clear (TttdResend *resend);
/* remember a packet sent on link; a longer one than a slot is not kept */
void tttd_resend_note (TttdResend *resend, gconstpointer owner, guint link, guint32 seq, guint32 flow_hash,
                       const guint8 *data, gsize len, gint64 now_us);
/* hand over, oldest first, what owner sent on link since since_us, once:
 * each entry is freed as it is handed over; returns how many */
guint tttd_resend_take (TttdResend *resend, gconstpointer owner, guint link, gint64 since_us, TttdResendFunc func,
                        gpointer user_data);
/* the owner's packet seq, if the ring still has it (NULL: not); *data
 * points at its plaintext.  The entry may be changed (retransmitted). */
TttdResendEntry *tttd_resend_lookup (TttdResend *resend, gconstpointer owner, guint32 seq, const guint8 **data);
/* the owner's packet seq was not sent after all (dropped on purpose):
 * a request for it is refused */
void tttd_resend_refuse (TttdResend *resend, gconstpointer owner, guint32 seq);
/* the owner's sequence numbers mean nothing any more (new session, freed) */
void tttd_resend_forget (TttdResend *resend, gconstpointer owner);

G_END_DECLS
