/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include "tttd-timer.h"

typedef struct {
  GSource       source;
  TttdTimerFunc func;
  gpointer      user_data;
} TttdTimer;

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TttdTimer *timer = (TttdTimer *) source;
  gint64 next;

  g_source_set_ready_time (source, -1);
  next = timer->func (timer->user_data, g_source_get_time (source));
  if (next >= 0)
    tttd_timer_schedule (source, next);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

GSource *
tttd_timer_new (const char *name, TttdTimerFunc func, gpointer user_data)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (TttdTimer));
  TttdTimer *timer = (TttdTimer *) source;

  timer->func = func;
  timer->user_data = user_data;
  g_source_set_static_name (source, name);
  g_source_attach (source, NULL);
  return source;
}

void
tttd_timer_schedule (GSource *timer, gint64 at_us)
{
  gint64 current = g_source_get_ready_time (timer);

  if (current < 0 || at_us < current)
    g_source_set_ready_time (timer, at_us);
}

void
tttd_timer_destroy (GSource *timer)
{
  if (timer == NULL)
    return;
  g_source_destroy (timer);
  g_source_unref (timer);
}
