/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttctl monitor: a live view of the links, with a time graph of the last minute per link (throughput both ways, RTT). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tttctl-monitor.h"

/* the graphs: one column per second, the last minute at most */
#define HISTORY   60
#define GRAPH_MIN 8
/* "  down " before a graph, " max 123.4 Mbit/s" after it */
#define ROW_LABEL 7
#define ROW_SCALE 17
/* tttd publishes counters at most once a second: a link whose counters
 * stayed put for longer than this moved nothing */
#define IDLE_US (5 * G_USEC_PER_SEC / 2)

typedef struct {
  TttdDBusLink *link;
  gulong changed_id;
  guint64 rx_bytes; /* as of the last change */
  guint64 tx_bytes;
  gint64 changed_us;
  gboolean counted; /* rx_bytes/tx_bytes hold a first value */
  double rx_bps;
  double tx_bps;
  /* rings of the last HISTORY seconds; NAN: not known then */
  double rx_history[HISTORY];
  double tx_history[HISTORY];
  double rtt_history[HISTORY];
  guint filled;
  guint next;
} Sample;

typedef struct {
  GMainLoop *loop;
  GDBusObjectManager *om;
  TttdDBusManager *manager;
  GHashTable *samples; /* object path -> Sample */
  gboolean tty;
  gboolean json;
  gboolean utf8;
  guint frames;
} Monitor;

static void
sample_free (gpointer data)
{
  Sample *sample = data;

  g_clear_signal_handler (&sample->changed_id, sample->link);
  g_clear_object (&sample->link);
  g_free (sample);
}

static void
format_rate (char *buf, gsize size, double bps)
{
  if (bps >= 1e9)
    g_snprintf (buf, size, "%6.2f Gbit/s", bps / 1e9);
  else if (bps >= 1e6)
    g_snprintf (buf, size, "%6.1f Mbit/s", bps / 1e6);
  else
    g_snprintf (buf, size, "%6.0f kbit/s", bps / 1e3);
}

/* the rates, from the counters as the daemon publishes them (not as a
 * timer happens to see them): the time between two changes is the time
 * the bytes took; after a quiet stretch, the daemon's one second */
static void
on_link_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  Sample *sample = user_data;
  TttdDBusLink *link = TTTD_DBUS_LINK (proxy);
  guint64 rx = tttd_dbus_link_get_rx_bytes (link), tx = tttd_dbus_link_get_tx_bytes (link);
  gint64 now = g_get_monotonic_time ();
  double secs;

  if (sample->counted && rx == sample->rx_bytes && tx == sample->tx_bytes)
    return;
  secs = (double) (now - sample->changed_us) / G_USEC_PER_SEC;
  if (secs > (double) IDLE_US / G_USEC_PER_SEC || secs <= 0)
    secs = 1;
  if (sample->counted && rx >= sample->rx_bytes && tx >= sample->tx_bytes)
    {
      sample->rx_bps = (double) (rx - sample->rx_bytes) * 8 / secs;
      sample->tx_bps = (double) (tx - sample->tx_bytes) * 8 / secs;
    }
  sample->rx_bytes = rx;
  sample->tx_bytes = tx;
  sample->changed_us = now;
  sample->counted = TRUE;
}

static Sample *
sample_link (Monitor *monitor, TttdDBusLink *link, gint64 now)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (link));
  Sample *sample = g_hash_table_lookup (monitor->samples, path);
  guint64 rtt;

  if (sample == NULL)
    {
      sample = g_new0 (Sample, 1);
      sample->link = g_object_ref (link);
      sample->changed_us = now;
      sample->changed_id =
        g_signal_connect (link, "g-properties-changed", G_CALLBACK (on_link_properties_changed), sample);
      on_link_properties_changed (G_DBUS_PROXY (link), NULL, NULL, sample);
      g_hash_table_insert (monitor->samples, g_strdup (path), sample);
      /* the first second has no rate yet: the graphs start with the next */
      return sample;
    }
  if (now - sample->changed_us > IDLE_US)
    sample->rx_bps = sample->tx_bps = 0;
  rtt = tttd_dbus_link_get_rtt_usec (link);
  sample->rx_history[sample->next] = sample->rx_bps;
  sample->tx_history[sample->next] = sample->tx_bps;
  sample->rtt_history[sample->next] = rtt ? (double) rtt : NAN;
  sample->next = (sample->next + 1) % HISTORY;
  sample->filled = MIN (sample->filled + 1, HISTORY);
  return sample;
}

/* the value WIDTH seconds ago .. now, oldest first; NAN before the start */
static double
history_at (const Sample *sample, const double *ring, guint width, guint column)
{
  guint back = width - 1 - column; /* 0: the newest */

  if (back >= sample->filled)
    return NAN;
  return ring[(sample->next + HISTORY - 1 - back) % HISTORY];
}

static double
history_max (const Sample *sample, const double *ring)
{
  double max = 0;

  for (guint i = 0; i < sample->filled; i++)
    if (!isnan (ring[i]))
      max = MAX (max, ring[i]);
  return max;
}

/* one graph of WIDTH columns: blank where unknown, the lowest block for 0,
 * and any non-zero value at least one step above it */
static void
append_graph (GString *out, const Sample *sample, const double *ring, guint width, double max, gboolean utf8)
{
  static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
  static const char ascii[] = "_.-~=+*#";

  for (guint c = 0; c < width; c++)
    {
      double v = history_at (sample, ring, width, c);
      guint level = 0;

      if (isnan (v))
        {
          g_string_append_c (out, ' ');
          continue;
        }
      if (v > 0 && max > 0)
        level = 1 + (guint) MIN (v / max * 6.999, 6.0);
      if (utf8)
        g_string_append (out, blocks[level]);
      else
        g_string_append_c (out, ascii[level]);
    }
}

static guint
terminal_columns (Monitor *monitor)
{
  struct winsize ws;
  const char *env = g_getenv ("COLUMNS");
  guint64 cols;

  if (monitor->tty && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 10000, &cols, NULL))
    return (guint) cols;
  return 80;
}

/* LINE cut to COLUMNS characters (every character the monitor draws is
 * one column wide), then the end of the line */
static void
append_line (Monitor *monitor, GString *out, const char *line, guint columns)
{
  glong chars = monitor->utf8 ? g_utf8_strlen (line, -1) : (glong) strlen (line);

  if (chars > (glong) columns)
    g_string_append_len (out, line, monitor->utf8 ? g_utf8_offset_to_pointer (line, columns) - line : columns);
  else
    g_string_append (out, line);
  g_string_append (out, monitor->tty ? "\033[K\n" : "\n");
}

static GList *
links_of (Monitor *monitor)
{
  const char *const *paths = tttd_dbus_manager_get_links (monitor->manager);
  GList *out = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (monitor->om, paths[i]);
      TttdDBusLink *link = object ? tttd_dbus_object_get_link (TTTD_DBUS_OBJECT (object)) : NULL;
      if (link != NULL)
        out = g_list_append (out, link);
    }
  return out;
}

static void
draw_json (Monitor *monitor, GList *links)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, tttd_dbus_manager_get_state (monitor->manager));
  json_builder_set_member_name (b, "strategy");
  json_builder_add_string_value (b, tttd_dbus_manager_get_strategy (monitor->manager));
  json_builder_set_member_name (b, "links");
  json_builder_begin_array (b);
  for (GList *l = links; l != NULL; l = l->next)
    {
      TttdDBusLink *link = l->data;
      Sample *sample = g_hash_table_lookup (monitor->samples, g_dbus_proxy_get_object_path (G_DBUS_PROXY (link)));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "interface");
      json_builder_add_string_value (b, tttd_dbus_link_get_interface (link));
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, tttd_dbus_link_get_state (link));
      json_builder_set_member_name (b, "rtt_usec");
      json_builder_add_int_value (b, (gint64) tttd_dbus_link_get_rtt_usec (link));
      json_builder_set_member_name (b, "loss_percent");
      json_builder_add_double_value (b, tttd_dbus_link_get_loss_percent (link));
      json_builder_set_member_name (b, "rx_bps");
      json_builder_add_int_value (b, (gint64) sample->rx_bps);
      json_builder_set_member_name (b, "tx_bps");
      json_builder_add_int_value (b, (gint64) sample->tx_bps);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* "  down ▁▂▅█▇  max 40.0 Mbit/s" */
static void
append_graph_row (Monitor *monitor, GString *out, const char *label, const Sample *sample, const double *ring,
                  guint width, double max, const char *scale, guint columns)
{
  g_autoptr (GString) row = g_string_new (NULL);

  g_string_append_printf (row, "  %-4s ", label);
  append_graph (row, sample, ring, width, max, monitor->utf8);
  if (scale != NULL)
    g_string_append_printf (row, " %s %s", _ ("max"), scale);
  append_line (monitor, out, row->str, columns);
}

static void
draw (Monitor *monitor)
{
  g_autolist (TttdDBusLink) links = links_of (monitor);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *title = NULL;
  gint64 now = g_get_monotonic_time ();
  double max_rate = 0, max_rtt = 0, total_rx = 0, total_tx = 0;
  guint columns = terminal_columns (monitor), width;
  gboolean scales = TRUE;
  char rx[32], tx[32], top[32];

  for (GList *l = links; l != NULL; l = l->next)
    {
      Sample *sample = sample_link (monitor, l->data, now);
      /* one scale for every throughput graph, so the links compare at a glance */
      max_rate =
        MAX (max_rate, MAX (history_max (sample, sample->rx_history), history_max (sample, sample->tx_history)));
      max_rtt = MAX (max_rtt, history_max (sample, sample->rtt_history));
      total_rx += sample->rx_bps;
      total_tx += sample->tx_bps;
    }
  monitor->frames++;
  if (monitor->json)
    {
      if (monitor->frames > 1)
        draw_json (monitor, links);
      return;
    }
  /* a narrow terminal drops the scales before the graphs get too short */
  if (columns >= ROW_LABEL + GRAPH_MIN + ROW_SCALE)
    width = MIN (HISTORY, columns - ROW_LABEL - ROW_SCALE);
  else
    {
      scales = FALSE;
      width = columns > ROW_LABEL + 1 ? MIN (HISTORY, columns - ROW_LABEL) : 1;
    }
  if (monitor->tty)
    g_string_append (out, "\033[H");
  format_rate (rx, sizeof rx, total_rx);
  format_rate (tx, sizeof tx, total_tx);
  title = g_strdup_printf (
    _ ("tttd %s on %s: %s, strategy %s, down %s, up %s"), tttd_dbus_manager_get_mode (monitor->manager),
    tttd_dbus_manager_get_tun_interface (monitor->manager), tttd_dbus_manager_get_state (monitor->manager),
    tttd_dbus_manager_get_strategy (monitor->manager), g_strstrip (rx), g_strstrip (tx));
  append_line (monitor, out, title, columns);
  if (links != NULL)
    {
      g_autofree char *legend = g_strdup_printf (_ ("graphs: the last %u s, one column a second"), width);
      append_line (monitor, out, legend, columns);
    }
  for (GList *l = links; l != NULL; l = l->next)
    {
      TttdDBusLink *link = l->data;
      Sample *sample = g_hash_table_lookup (monitor->samples, g_dbus_proxy_get_object_path (G_DBUS_PROXY (link)));
      g_autofree char *head = NULL;
      guint64 rtt = tttd_dbus_link_get_rtt_usec (link);

      format_rate (rx, sizeof rx, sample->rx_bps);
      format_rate (tx, sizeof tx, sample->tx_bps);
      head = g_strdup_printf (_ ("%s %s  rtt %.1f ms  loss %.1f%%  down %s  up %s"),
                              tttd_dbus_link_get_interface (link), tttd_dbus_link_get_state (link), (double) rtt / 1000,
                              tttd_dbus_link_get_loss_percent (link), g_strstrip (rx), g_strstrip (tx));
      append_line (monitor, out, head, columns);
      format_rate (top, sizeof top, max_rate);
      append_graph_row (monitor, out, _ ("down"), sample, sample->rx_history, width, max_rate, scales ? top : NULL,
                        columns);
      append_graph_row (monitor, out, _ ("up"), sample, sample->tx_history, width, max_rate, scales ? top : NULL,
                        columns);
      g_snprintf (top, sizeof top, "%6.1f ms", max_rtt / 1000);
      append_graph_row (monitor, out, _ ("rtt"), sample, sample->rtt_history, width, max_rtt, scales ? top : NULL,
                        columns);
    }
  if (links == NULL)
    append_line (monitor, out, _ ("(no links)"), columns);
  if (monitor->tty)
    g_string_append (out, "\033[J");
  else
    g_string_append_c (out, '\n');
  fputs (out->str, stdout);
  fflush (stdout);
}

static gboolean
on_tick (gpointer user_data)
{
  draw (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_interrupt (gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit (monitor->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_owner (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Monitor *monitor = user_data;
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (object));

  if (owner == NULL)
    {
      g_printerr (_ ("tttctl: tttd went away\n"));
      g_main_loop_quit (monitor->loop);
    }
}

int
tttctl_monitor (GDBusObjectManager *om, TttdDBusManager *manager, gboolean json)
{
  Monitor monitor = { 0 };
  guint tick, sigint, sigterm;

  monitor.loop = g_main_loop_new (NULL, FALSE);
  monitor.om = om;
  monitor.manager = manager;
  monitor.json = json;
  monitor.tty = isatty (STDOUT_FILENO) && !json;
  /* a locale without UTF-8 (LANG=C, a serial console) gets ASCII graphs */
  monitor.utf8 = g_get_charset (NULL);
  monitor.samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, sample_free);
  g_signal_connect (om, "notify::name-owner", G_CALLBACK (on_owner), &monitor);
  if (monitor.tty)
    fputs ("\033[2J", stdout);
  draw (&monitor);
  tick = g_timeout_add_seconds (1, on_tick, &monitor);
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &monitor);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &monitor);
  g_main_loop_run (monitor.loop);
  g_source_remove (tick);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (om, &monitor);
  g_hash_table_unref (monitor.samples);
  g_main_loop_unref (monitor.loop);
  return 0;
}
