/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */

#pragma once

#include <glib.h>

/* a frame on its way through the emulator */
typedef struct {
  gint64 departure_us;
  guint64 seq;
  gsize length;
  guint8 data[];
} LinkFrame;

/* Mahimahi's mm-link unit: each trace line lets this many bytes leave */
#define LINK_TRACE_OPPORTUNITY_BYTES 1504
/* opportunities count IP bytes, as Mahimahi's TUN packets do, not the Ethernet header */
#define LINK_TRACE_FRAME_OVERHEAD 14

/* a capacity trace: one delivery opportunity per line, times in ms */
typedef struct {
  char *path;
  guint32 *times_ms; /* non-decreasing */
  guint n_times;
  guint32 period_ms; /* the last line's time: the trace repeats */
} LinkTrace;

LinkTrace *link_trace_load (const char *path, GError **error);
LinkTrace *link_trace_ref (LinkTrace *trace);
void link_trace_unref (LinkTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LinkTrace, link_trace_unref)
double link_trace_mean_bps (const LinkTrace *trace);

/* outages: no capacity for for_us every every_us, the first at first_us
 * after the trace clock started (0 every_us: none) */
typedef struct {
  double every_us;
  double for_us;
  double first_us; /* < 0: one period in */
} LinkOutage;

gboolean link_outage_at (const LinkOutage *outage, gint64 since_start_us);

/* the bottleneck in front of a trace-driven link: a drop-tail byte queue
 * drained by the trace's opportunities */
typedef void (*LinkReleaseFunc) (LinkFrame *frame, gint64 at_us, gpointer user_data);

typedef struct {
  LinkTrace *trace;  /* owned; NULL: no trace */
  guint32 offset_ms; /* where in the trace the clock starts */
  double scale;      /* bytes per opportunity times this */
  gint64 start_us;   /* monotonic time of trace time offset_ms */
  guint64 cycle;
  guint index;
  gint64 next_us; /* the next opportunity */
  GQueue queue;   /* LinkFrame *, oldest first */
  gsize queued_bytes;
  gsize head_sent; /* bytes of the head frame already sent */
  guint64 opportunities_used;
  guint64 opportunities_lost; /* nothing to send, or an outage */
} LinkBottleneck;

void link_bottleneck_set (LinkBottleneck *self, LinkTrace *trace, guint32 offset_ms, double scale, gint64 now_us);
void link_bottleneck_restart (LinkBottleneck *self, gint64 now_us);
void link_bottleneck_serve (LinkBottleneck *self, const LinkOutage *outage, gint64 now_us, LinkReleaseFunc release,
                            gpointer user_data);
void link_bottleneck_clear (LinkBottleneck *self);

/* Gilbert-Elliott loss: good and bad states, every packet in the bad state
 * is lost; p = P(good -> bad), r = P(bad -> good) per packet. Then the mean
 * loss is p / (p + r) and the mean burst 1 / r packets, so a mean loss L
 * and burst B give r = 1 / B and p = L r / (1 - L). */
gboolean link_gilbert_from_mean (double loss, double burst, double *p, double *r, GError **error);
gboolean link_gilbert_step (gboolean *bad, double p, double r, GRand *rand);
