/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the daemon's listener list: every listener hears, removal mid-notification is safe */
#include "config.h"

#include "tttd-listeners.h"

typedef struct {
  TttdListeners *listeners;
  guint heard;
  gboolean remove_self;
  gpointer remove_other;
} Listener;

static void
on_state_changed (gpointer data)
{
  Listener *l = data;

  l->heard++;
  if (l->remove_self)
    tttd_listeners_remove (l->listeners, l);
  if (l->remove_other != NULL)
    tttd_listeners_remove (l->listeners, l->remove_other);
}

static const TttdEvents events = { .state_changed = on_state_changed };

static void
test_every_listener (void)
{
  g_autoptr (TttdListeners) listeners = tttd_listeners_new ();
  Listener a = { listeners }, b = { listeners };

  tttd_listeners_add (listeners, &events, &a);
  tttd_listeners_add (listeners, &events, &b);
  TTTD_EMIT (listeners, state_changed);
  TTTD_EMIT (listeners, state_changed);
  g_assert_cmpuint (a.heard, ==, 2);
  g_assert_cmpuint (b.heard, ==, 2);
  /* a member nobody set is skipped */
  TTTD_EMIT (listeners, reloading, TRUE);
  tttd_listeners_remove (listeners, &a);
  TTTD_EMIT (listeners, state_changed);
  g_assert_cmpuint (a.heard, ==, 2);
  g_assert_cmpuint (b.heard, ==, 3);
}

static void
test_remove_during_notification (void)
{
  g_autoptr (TttdListeners) listeners = tttd_listeners_new ();
  Listener a = { listeners }, b = { listeners }, c = { listeners };

  /* a removes itself, b removes c, which comes after it: c hears nothing */
  a.remove_self = TRUE;
  b.remove_other = &c;
  tttd_listeners_add (listeners, &events, &a);
  tttd_listeners_add (listeners, &events, &b);
  tttd_listeners_add (listeners, &events, &c);
  TTTD_EMIT (listeners, state_changed);
  g_assert_cmpuint (a.heard, ==, 1);
  g_assert_cmpuint (b.heard, ==, 1);
  g_assert_cmpuint (c.heard, ==, 0);
  TTTD_EMIT (listeners, state_changed);
  g_assert_cmpuint (a.heard, ==, 1);
  g_assert_cmpuint (b.heard, ==, 2);
  g_assert_cmpuint (c.heard, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/listeners/every-listener", test_every_listener);
  g_test_add_func ("/tttd/listeners/remove-during-notification", test_remove_during_notification);
  return g_test_run ();
}
