/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the ring of the last packets sent, for resending what a dying link carried */
#include "config.h"

#include <string.h>

#include "tttd-resend.h"

void
tttd_resend_init (TttdResend *resend, guint n_slots, gsize slot_size)
{
  memset (resend, 0, sizeof *resend);
  resend->n_slots = MAX (n_slots, 1u);
  resend->slot_size = MIN (slot_size, (gsize) G_MAXUINT16);
}

void
tttd_resend_clear (TttdResend *resend)
{
  g_clear_pointer (&resend->entries, g_free);
  g_clear_pointer (&resend->data, g_free);
  g_clear_pointer (&resend->index, g_free);
  resend->next = 0;
}

void
tttd_resend_note (TttdResend *resend, gconstpointer owner, guint link, guint32 seq, guint32 flow_hash,
                  const guint8 *data, gsize len, gint64 now_us)
{
  TttdResendEntry *entry;

  if (len > resend->slot_size || owner == NULL)
    return;
  if (resend->entries == NULL)
    {
      resend->entries = g_new0 (TttdResendEntry, resend->n_slots);
      resend->data = g_malloc (resend->n_slots * resend->slot_size);
      /* twice the slots, a power of two: few sequences share an index */
      resend->index_mask = 1;
      while (resend->index_mask < 2 * resend->n_slots)
        resend->index_mask <<= 1;
      resend->index = g_new0 (guint32, resend->index_mask);
      resend->index_mask--;
    }
  entry = &resend->entries[resend->next];
  entry->owner = owner;
  entry->sent_us = now_us;
  entry->seq = seq;
  entry->flow_hash = flow_hash;
  entry->link = (guint16) link;
  entry->len = (guint16) len;
  entry->retransmitted = FALSE;
  resend->index[seq & resend->index_mask] = resend->next + 1;
  memcpy (resend->data + (gsize) resend->next * resend->slot_size, data, len);
  resend->next = (resend->next + 1) % resend->n_slots;
}

guint
tttd_resend_take (TttdResend *resend, gconstpointer owner, guint link, gint64 since_us, TttdResendFunc func,
                  gpointer user_data)
{
  guint taken = 0;

  if (resend->entries == NULL)
    return 0;
  /* from the oldest slot to the newest, so that they go out in order */
  for (guint i = 0; i < resend->n_slots; i++)
    {
      guint slot = (resend->next + i) % resend->n_slots;
      TttdResendEntry *entry = &resend->entries[slot];
      TttdResendEntry copy;

      if (entry->owner != owner || entry->link != link || entry->sent_us < since_us)
        continue;
      copy = *entry;
      entry->owner = NULL;
      func (&copy, resend->data + (gsize) slot * resend->slot_size, user_data);
      taken++;
    }
  return taken;
}

TttdResendEntry *
tttd_resend_lookup (TttdResend *resend, gconstpointer owner, guint32 seq, const guint8 **data)
{
  guint32 slot;
  TttdResendEntry *entry;

  if (resend->entries == NULL || owner == NULL || (slot = resend->index[seq & resend->index_mask]) == 0)
    return NULL;
  entry = &resend->entries[slot - 1];
  /* the slot may hold another packet now, of this peer or another */
  if (entry->owner != owner || entry->seq != seq)
    return NULL;
  *data = resend->data + (gsize) (slot - 1) * resend->slot_size;
  return entry;
}

void
tttd_resend_refuse (TttdResend *resend, gconstpointer owner, guint32 seq)
{
  const guint8 *data;
  TttdResendEntry *entry = tttd_resend_lookup (resend, owner, seq, &data);

  if (entry != NULL)
    entry->retransmitted = TRUE;
}

void
tttd_resend_forget (TttdResend *resend, gconstpointer owner)
{
  for (guint i = 0; resend->entries != NULL && i < resend->n_slots; i++)
    if (resend->entries[i].owner == owner)
      resend->entries[i].owner = NULL;
}
