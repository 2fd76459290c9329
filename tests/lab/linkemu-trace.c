/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */

/* linkemu-trace: the trace-driven bottleneck (Mahimahi's mm-link semantics),
 * scheduled outages and Gilbert-Elliott bursty loss of the lab's link emulator. */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "linkemu-trace.h"

#define MAX_TRACE_LINES (64u * 1024 * 1024)

LinkTrace *
link_trace_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (guint32));
  LinkTrace *trace;
  guint32 last = 0;
  gsize length = 0;
  guint number = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  /* line by line in place: g_strsplit() looks for each separator with
   * strstr(), whose sanitizer interceptor measures the whole rest of the
   * file every time (seconds for a 45,000-line trace under ASan) */
  for (char *line = contents, *next; line < contents + length; line = next)
    {
      char *newline = memchr (line, '\n', (gsize) (contents + length - line));
      char *end = NULL;
      guint64 value;

      number++;
      next = newline != NULL ? newline + 1 : contents + length;
      if (newline != NULL)
        *newline = '\0';
      line = g_strstrip (line);
      if (*line == '\0' || *line == '#')
        continue;
      errno = 0;
      value = g_ascii_strtoull (line, &end, 10);
      if (errno != 0 || end == line || *end != '\0' || value > G_MAXUINT32 || value < last)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: '%s' is not a time in ms at or after %u", path,
                       number, line, last);
          return NULL;
        }
      if (times->len >= MAX_TRACE_LINES)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: more than %u lines", path, number,
                       MAX_TRACE_LINES);
          return NULL;
        }
      last = (guint32) value;
      g_array_append_val (times, last);
    }
  if (times->len == 0 || last == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: a trace needs at least one line and a last time above 0 ms", path);
      return NULL;
    }
  trace = g_rc_box_new0 (LinkTrace);
  trace->path = g_strdup (path);
  trace->n_times = times->len;
  trace->period_ms = last;
  trace->times_ms = (guint32 *) (void *) g_array_free (g_steal_pointer (&times), FALSE);
  return trace;
}

LinkTrace *
link_trace_ref (LinkTrace *trace)
{
  return g_rc_box_acquire (trace);
}

static void
trace_free (gpointer data)
{
  LinkTrace *trace = data;

  g_free (trace->path);
  g_free (trace->times_ms);
}

void
link_trace_unref (LinkTrace *trace)
{
  g_rc_box_release_full (trace, trace_free);
}

double
link_trace_mean_bps (const LinkTrace *trace)
{
  return trace->n_times * LINK_TRACE_OPPORTUNITY_BYTES * 8.0 * 1000.0 / trace->period_ms;
}

gboolean
link_outage_at (const LinkOutage *outage, gint64 since_start_us)
{
  double first = outage->first_us >= 0.0 ? outage->first_us : outage->every_us;

  if (outage->every_us <= 0.0 || outage->for_us <= 0.0 || since_start_us < first)
    return FALSE;
  return fmod (since_start_us - first, outage->every_us) < outage->for_us;
}

static gint64
opportunity_us (const LinkBottleneck *self)
{
  guint64 trace_ms = self->cycle * self->trace->period_ms + self->trace->times_ms[self->index];

  return self->start_us + (gint64) (trace_ms - self->offset_ms) * 1000;
}

/* the clock starts over at the offset: a run meets the same stretch of trace */
void
link_bottleneck_restart (LinkBottleneck *self, gint64 now_us)
{
  guint lo = 0;
  guint hi;

  if (self->trace == NULL)
    return;
  hi = self->trace->n_times - 1;
  /* the first line at or after the offset (the last line is the period, so one is) */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->trace->times_ms[mid] < self->offset_ms)
        lo = mid + 1;
      else
        hi = mid;
    }
  self->start_us = now_us;
  self->cycle = 0;
  self->index = lo;
  self->next_us = opportunity_us (self);
}

void
link_bottleneck_set (LinkBottleneck *self, LinkTrace *trace, guint32 offset_ms, double scale, gint64 now_us)
{
  if (trace != self->trace)
    {
      if (trace != NULL)
        link_trace_ref (trace);
      g_clear_pointer (&self->trace, link_trace_unref);
      self->trace = trace;
    }
  self->scale = scale;
  if (trace != NULL)
    {
      self->offset_ms = offset_ms % trace->period_ms;
      link_bottleneck_restart (self, now_us);
    }
}

static void
advance (LinkBottleneck *self)
{
  if (++self->index == self->trace->n_times)
    {
      self->index = 0;
      self->cycle++;
    }
  self->next_us = opportunity_us (self);
}

/* every opportunity up to now: the queue drains by bytes, a frame leaves
 * with the opportunity that carries its last byte, and what an opportunity
 * cannot use is lost */
void
link_bottleneck_serve (LinkBottleneck *self, const LinkOutage *outage, gint64 now_us, LinkReleaseFunc release,
                       gpointer user_data)
{
  gint64 period_us;

  if (self->trace == NULL)
    return;
  period_us = (gint64) self->trace->period_ms * 1000;
  while (self->next_us <= now_us)
    {
      gsize budget;

      if (g_queue_is_empty (&self->queue))
        {
          /* idle: whole periods pass at once */
          gint64 idle_periods = (now_us - self->next_us) / period_us;

          if (idle_periods > 0)
            {
              self->cycle += (guint64) idle_periods;
              self->opportunities_lost += (guint64) idle_periods * self->trace->n_times;
              self->next_us = opportunity_us (self);
              continue;
            }
          self->opportunities_lost++;
          advance (self);
          continue;
        }
      if (outage != NULL && link_outage_at (outage, self->next_us - self->start_us))
        {
          self->opportunities_lost++;
          advance (self);
          continue;
        }
      self->opportunities_used++;
      budget = (gsize) (LINK_TRACE_OPPORTUNITY_BYTES * self->scale + 0.5);
      while (budget > 0 && !g_queue_is_empty (&self->queue))
        {
          LinkFrame *head = g_queue_peek_head (&self->queue);
          gsize size =
            head->length > LINK_TRACE_FRAME_OVERHEAD ? head->length - LINK_TRACE_FRAME_OVERHEAD : head->length;
          gsize left = size - self->head_sent;

          if (left > budget)
            {
              self->head_sent += budget;
              break;
            }
          budget -= left;
          self->head_sent = 0;
          self->queued_bytes -= head->length;
          release (g_queue_pop_head (&self->queue), self->next_us, user_data);
        }
      advance (self);
    }
}

void
link_bottleneck_clear (LinkBottleneck *self)
{
  g_queue_clear_full (&self->queue, g_free);
  self->queued_bytes = 0;
  self->head_sent = 0;
  g_clear_pointer (&self->trace, link_trace_unref);
}

gboolean
link_gilbert_from_mean (double loss, double burst, double *p, double *r, GError **error)
{
  if (loss < 0.0 || loss >= 1.0 || burst < 1.0 || loss * (1.0 / burst) / (1.0 - loss) > 1.0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "gilbert: a mean loss of %g%% in bursts of %g packets is impossible "
                   "(loss below 100%%, bursts of at least 1 and at least loss/(1-loss))",
                   loss * 100.0, burst);
      return FALSE;
    }
  *r = 1.0 / burst;
  *p = loss * *r / (1.0 - loss);
  return TRUE;
}

/* one packet: the state moves first, then a packet in the bad state is lost */
gboolean
link_gilbert_step (gboolean *bad, double p, double r, GRand *rand)
{
  if (p <= 0.0)
    *bad = FALSE;
  else if (*bad)
    *bad = g_rand_double (rand) >= r;
  else
    *bad = g_rand_double (rand) < p;
  return *bad;
}
