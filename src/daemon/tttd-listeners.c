/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the daemon's listener list, safe against changes during a notification */
#include "config.h"

#include "tttd-listeners.h"

typedef struct {
  const TttdEvents *events; /* NULL: removed during a notification */
  gpointer data;
} Listener;

struct _TttdListeners {
  GArray *list;
  guint depth;      /* notifications under way */
  gboolean removed; /* entries to drop when they end */
};

TttdListeners *
tttd_listeners_new (void)
{
  TttdListeners *listeners = g_new0 (TttdListeners, 1);

  listeners->list = g_array_new (FALSE, TRUE, sizeof (Listener));
  return listeners;
}

void
tttd_listeners_free (TttdListeners *listeners)
{
  if (listeners == NULL)
    return;
  g_array_unref (listeners->list);
  g_free (listeners);
}

void
tttd_listeners_add (TttdListeners *listeners, const TttdEvents *events, gpointer data)
{
  Listener listener = { events, data };

  g_array_append_val (listeners->list, listener);
}

static void
compact (TttdListeners *listeners)
{
  for (guint i = listeners->list->len; i-- > 0;)
    if (g_array_index (listeners->list, Listener, i).events == NULL)
      g_array_remove_index (listeners->list, i);
  listeners->removed = FALSE;
}

void
tttd_listeners_remove (TttdListeners *listeners, gpointer data)
{
  for (guint i = 0; i < listeners->list->len; i++)
    {
      Listener *l = &g_array_index (listeners->list, Listener, i);
      if (l->data == data)
        l->events = NULL;
    }
  listeners->removed = TRUE;
  if (listeners->depth == 0)
    compact (listeners);
}

guint
tttd_listeners_begin (TttdListeners *listeners)
{
  listeners->depth++;
  return listeners->list->len;
}

const TttdEvents *
tttd_listeners_get (TttdListeners *listeners, guint i, gpointer *data)
{
  Listener *l = &g_array_index (listeners->list, Listener, i);

  *data = l->data;
  return l->events;
}

void
tttd_listeners_end (TttdListeners *listeners)
{
  g_return_if_fail (listeners->depth > 0);
  if (--listeners->depth == 0 && listeners->removed)
    compact (listeners);
}
