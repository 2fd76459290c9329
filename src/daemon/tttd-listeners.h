/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what changed in the daemon, for the integrations (D-Bus objects,
 * NetworkManager, systemd status): the roles tell one listener list, and
 * every listener hears it, without forwarding in between */

typedef struct _TttdClientLink TttdClientLink;
typedef struct _TttdPeer TttdPeer;

typedef struct {
  void (*link_added) (gpointer data, TttdClientLink *link);
  void (*link_removed) (gpointer data, TttdClientLink *link);
  void (*peer_added) (gpointer data, TttdPeer *peer);
  void (*peer_removed) (gpointer data, TttdPeer *peer);
  void (*peer_changed) (gpointer data, TttdPeer *peer);
  void (*state_changed) (gpointer data);
  /* around a reload: TRUE before, FALSE after (whether it worked or not) */
  void (*reloading) (gpointer data, gboolean begin);
} TttdEvents;

typedef struct _TttdListeners TttdListeners;

TttdListeners *tttd_listeners_new (void);
void tttd_listeners_free (TttdListeners *listeners);
void tttd_listeners_add (TttdListeners *listeners, const TttdEvents *events, gpointer data);
/* safe during a notification: a removed listener hears nothing more */
void tttd_listeners_remove (TttdListeners *listeners, gpointer data);

/* for TTTD_EMIT: a listener added during a notification hears the next */
guint tttd_listeners_begin (TttdListeners *listeners);
const TttdEvents *tttd_listeners_get (TttdListeners *listeners, guint i, gpointer *data);
void tttd_listeners_end (TttdListeners *listeners);

#define TTTD_EMIT(listeners, member, ...) \
  G_STMT_START \
  { \
    guint n_ = tttd_listeners_begin (listeners); \
    for (guint i_ = 0; i_ < n_; i_++) \
      { \
        gpointer data_; \
        const TttdEvents *events_ = tttd_listeners_get ((listeners), i_, &data_); \
        if (events_ != NULL && events_->member != NULL) \
          events_->member (data_, ##__VA_ARGS__); \
      } \
    tttd_listeners_end (listeners); \
  } \
  G_STMT_END

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdListeners, tttd_listeners_free)

G_END_DECLS
