/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* a session's keypairs: seal and open, confirmation, rekey and reject limits */
#include "config.h"

#include <string.h>

#include "tttd-keyring.h"
#include "tttd-packet.h"

/* as WireGuard: sessions are used for at most REJECT_AFTER; the initiator
 * starts a new handshake well before */
#define REKEY_AFTER_MESSAGES  (G_GUINT64_CONSTANT (1) << 48)
#define REJECT_AFTER_MESSAGES (G_MAXUINT64 - (G_GUINT64_CONSTANT (1) << 13))
#define REJECT_GRACE_US       (60 * G_USEC_PER_SEC)

TttdKeypair *
tttd_keypair_new (const TttdSessionKeys *keys, TttdCipher cipher, guint32 local_index, guint32 remote_index,
                  gboolean initiator, gint64 now_us)
{
  /* plain heap, not sodium_malloc: its guard pages cost four mappings
   * per key pair, and a server with thousands of clients would run out of
   * them (vm.max_map_count); the unit keeps tttd out of swap
   * (MemorySwapMax=0) and the keys are wiped when freed */
  TttdKeypair *keypair = g_aligned_alloc0 (1, sizeof *keypair, 64);

  tttd_aead_key_init (&keypair->send, cipher, keys->send);
  tttd_aead_key_init (&keypair->recv, cipher, keys->recv);
  tttd_replay_init (&keypair->replay);
  keypair->local_index = local_index;
  keypair->remote_index = remote_index;
  keypair->created_us = now_us;
  keypair->initiator = initiator;
  return keypair;
}

void
tttd_keypair_free (TttdKeypair *keypair)
{
  if (keypair == NULL)
    return;
  sodium_memzero (keypair, sizeof *keypair);
  g_aligned_free (keypair);
}

gsize
tttd_keypair_seal (TttdKeypair *keypair, guint64 reject_after_messages, guint8 *buf, gsize plain_len)
{
  TttdHeader header = {
    .type = TTTD_MSG_TRANSPORT,
    .receiver = keypair->remote_index,
  };

  if (keypair->send_counter >= reject_after_messages)
    return 0;
  header.counter = keypair->send_counter++;
  tttd_header_write (buf, &header);
  tttd_aead_seal (&keypair->send, header.counter, buf, TTTD_HEADER_LEN, buf + TTTD_HEADER_LEN, plain_len,
                  buf + TTTD_HEADER_LEN + plain_len);
  return TTTD_HEADER_LEN + plain_len + TTTD_TAG_LEN;
}

TttdOpenResult
tttd_keypair_open (TttdKeypair *keypair, guint8 *buf, gsize len, guint64 counter)
{
  gsize text_len;

  if (len < TTTD_HEADER_LEN + TTTD_TAG_LEN)
    return TTTD_OPEN_AUTH;
  /* a cheap check first; the window itself moves only for authentic data */
  if (!tttd_replay_check (&keypair->replay, counter))
    return TTTD_OPEN_REPLAY;
  text_len = len - TTTD_HEADER_LEN - TTTD_TAG_LEN;
  if (!tttd_aead_open (&keypair->recv, counter, buf, TTTD_HEADER_LEN, buf + TTTD_HEADER_LEN, text_len,
                       buf + TTTD_HEADER_LEN + text_len))
    return TTTD_OPEN_AUTH;
  if (!tttd_replay_update (&keypair->replay, counter))
    return TTTD_OPEN_REPLAY;
  return TTTD_OPEN_OK;
}

void
tttd_keyring_init (TttdKeyring *ring, gint64 rekey_after_us, TttdRetireFunc retire, gpointer retire_data)
{
  memset (ring, 0, sizeof *ring);
  ring->rekey_after_us = rekey_after_us;
  ring->reject_after_us = rekey_after_us + REJECT_GRACE_US;
  ring->rekey_after_messages = REKEY_AFTER_MESSAGES;
  ring->reject_after_messages = REJECT_AFTER_MESSAGES;
  ring->retire = retire;
  ring->retire_data = retire_data;
}

static void
retire (TttdKeyring *ring, TttdKeypair **slot)
{
  if (*slot == NULL)
    return;
  if (ring->retire != NULL)
    ring->retire ((*slot)->local_index, ring->retire_data);
  g_clear_pointer (slot, tttd_keypair_free);
}

void
tttd_keyring_clear (TttdKeyring *ring)
{
  retire (ring, &ring->previous);
  retire (ring, &ring->current);
  retire (ring, &ring->next);
}

void
tttd_keyring_install (TttdKeyring *ring, TttdKeypair *keypair)
{
  if (keypair->initiator)
    {
      /* the response confirmed the keys: use them at once */
      retire (ring, &ring->previous);
      ring->previous = ring->current;
      ring->current = keypair;
    }
  else
    {
      /* wait for the initiator's first message before sending with them */
      retire (ring, &ring->next);
      ring->next = keypair;
    }
}

TttdKeypair *
tttd_keyring_find (TttdKeyring *ring, guint32 local_index)
{
  if (ring->current != NULL && ring->current->local_index == local_index)
    return ring->current;
  if (ring->next != NULL && ring->next->local_index == local_index)
    return ring->next;
  if (ring->previous != NULL && ring->previous->local_index == local_index)
    return ring->previous;
  return NULL;
}

void
tttd_keyring_confirm (TttdKeyring *ring, TttdKeypair *keypair)
{
  if (keypair != ring->next)
    return;
  retire (ring, &ring->previous);
  ring->previous = ring->current;
  ring->current = g_steal_pointer (&ring->next);
}

static gboolean
usable (const TttdKeyring *ring, const TttdKeypair *keypair, gint64 now_us)
{
  return keypair != NULL && now_us - keypair->created_us < ring->reject_after_us &&
         keypair->send_counter < ring->reject_after_messages;
}

TttdKeypair *
tttd_keyring_sender (TttdKeyring *ring, gint64 now_us)
{
  return usable (ring, ring->current, now_us) ? ring->current : NULL;
}

gboolean
tttd_keyring_needs_rekey (const TttdKeyring *ring, gint64 now_us)
{
  const TttdKeypair *current = ring->current;

  if (current == NULL)
    return TRUE;
  return now_us - current->created_us >= ring->rekey_after_us || current->send_counter >= ring->rekey_after_messages;
}

TttdOpenResult
tttd_keyring_open (const TttdKeyring *ring, TttdKeypair *keypair, guint8 *buf, gsize len, guint64 counter,
                   gint64 now_us)
{
  if (now_us - keypair->created_us >= ring->reject_after_us)
    return TTTD_OPEN_EXPIRED;
  return tttd_keypair_open (keypair, buf, len, counter);
}

gint64
tttd_keyring_expire (TttdKeyring *ring, gint64 now_us)
{
  TttdKeypair **slots[] = { &ring->previous, &ring->current, &ring->next };
  gint64 next = G_MAXINT64;

  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      if (*slots[i] != NULL && now_us - (*slots[i])->created_us >= ring->reject_after_us)
        retire (ring, slots[i]);
      if (*slots[i] != NULL)
        next = MIN (next, (*slots[i])->created_us + ring->reject_after_us);
    }
  return next;
}
