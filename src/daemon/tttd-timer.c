/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* a main-loop source with a microsecond deadline that moves without waking the loop */
#include "config.h"

#include <glib-unix.h>

#include "tttd-timer.h"

/* the deadline is a plain field that prepare() reads before every poll:
 * moving it costs nothing, where g_source_set_ready_time() would wake the
 * loop (an eventfd write and one more poll) every time the packet path
 * moves it */
typedef struct {
  GSource source;
  TttdTimerFunc func;
  gpointer user_data;
  gint64 deadline_us; /* -1: none */
} TttdTimer;

static gboolean
timer_prepare (GSource *source, gint *timeout)
{
  TttdTimer *timer = (TttdTimer *) source;
  gint64 now;

  if (timer->deadline_us < 0)
    {
      *timeout = -1;
      return FALSE;
    }
  now = g_source_get_time (source);
  if (timer->deadline_us <= now)
    {
      *timeout = 0;
      return TRUE;
    }
  /* poll takes milliseconds: round up, never wake early */
  *timeout = (gint) MIN ((timer->deadline_us - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
timer_check (GSource *source)
{
  TttdTimer *timer = (TttdTimer *) source;

  return timer->deadline_us >= 0 && timer->deadline_us <= g_source_get_time (source);
}

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TttdTimer *timer = (TttdTimer *) source;
  gint64 next;

  timer->deadline_us = -1;
  next = timer->func (timer->user_data, g_source_get_time (source));
  if (next >= 0)
    tttd_timer_schedule (source, next);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
  .prepare = timer_prepare,
  .check = timer_check,
  .dispatch = timer_dispatch,
};

GSource *
tttd_timer_new (const char *name, TttdTimerFunc func, gpointer user_data)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (TttdTimer));
  TttdTimer *timer = (TttdTimer *) source;

  timer->func = func;
  timer->user_data = user_data;
  timer->deadline_us = -1;
  g_source_set_static_name (source, name);
  g_source_attach (source, NULL);
  return source;
}

void
tttd_timer_schedule (GSource *source, gint64 at_us)
{
  TttdTimer *timer = (TttdTimer *) source;

  /* only the loop's own thread calls this, so no wakeup is needed: the
   * next prepare() sees it */
  if (timer->deadline_us < 0 || at_us < timer->deadline_us)
    timer->deadline_us = at_us;
}

void
tttd_timer_destroy (GSource *timer)
{
  if (timer == NULL)
    return;
  g_source_destroy (timer);
  g_source_unref (timer);
}

typedef struct {
  TttdWatchFunc func;
  gpointer user_data;
} Watch;

static gboolean
on_watch (gint fd, GIOCondition condition, gpointer user_data)
{
  Watch *watch = user_data;

  watch->func (watch->user_data);
  return G_SOURCE_CONTINUE;
}

GSource *
tttd_watch_new (int fd, const char *name, TttdWatchFunc func, gpointer user_data)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN);
  Watch *watch = g_new (Watch, 1);

  watch->func = func;
  watch->user_data = user_data;
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_watch, watch, g_free);
  /* GLib takes a source's descriptors out of the poll set while it
   * dispatches, unless it may recurse; that change wakes the loop (an
   * eventfd write, a read and one more poll) after every batch. The
   * callbacks never run the loop themselves */
  g_source_set_can_recurse (source, TRUE);
  g_source_set_static_name (source, name);
  g_source_attach (source, NULL);
  return source;
}
