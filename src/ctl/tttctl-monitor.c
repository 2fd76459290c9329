/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttctl monitor: the live per-link view */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tttctl-monitor.h"

#define BAR_WIDTH 10

typedef struct {
  guint64 rx_bytes;
  guint64 tx_bytes;
  gint64  when_us;
  double  rx_bps;
  double  tx_bps;
} Sample;

typedef struct {
  GMainLoop          *loop;
  GDBusObjectManager *om;
  TttdDBusManager    *manager;
  GHashTable         *samples;   /* object path -> Sample */
  gboolean            tty;
  gboolean            json;
  guint               frames;
} Monitor;

/* a bar of eighth blocks, value/max of BAR_WIDTH cells */
static void
append_bar (GString *out, double value, double max)
{
  static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
  guint cells = 0, eighth = 0;
  double fill = max > 0 ? MIN (value / max, 1.0) * BAR_WIDTH : 0;

  cells = (guint) fill;
  eighth = (guint) ((fill - cells) * 8);
  for (guint i = 0; i < cells; i++)
    g_string_append (out, "█");
  if (cells < BAR_WIDTH)
    {
      g_string_append (out, eighths[eighth]);
      for (guint i = cells + (eighth ? 1 : 0); i < BAR_WIDTH; i++)
        g_string_append_c (out, ' ');
    }
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

static Sample *
sample_link (Monitor *monitor, TttdDBusLink *link, gint64 now)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (link));
  Sample *sample = g_hash_table_lookup (monitor->samples, path);
  guint64 rx = tttd_dbus_link_get_rx_bytes (link), tx = tttd_dbus_link_get_tx_bytes (link);

  if (sample == NULL)
    {
      sample = g_new0 (Sample, 1);
      g_hash_table_insert (monitor->samples, g_strdup (path), sample);
    }
  else if (now > sample->when_us && rx >= sample->rx_bytes && tx >= sample->tx_bytes)
    {
      double secs = (double) (now - sample->when_us) / G_USEC_PER_SEC;
      sample->rx_bps = (double) (rx - sample->rx_bytes) * 8 / secs;
      sample->tx_bps = (double) (tx - sample->tx_bytes) * 8 / secs;
    }
  sample->rx_bytes = rx;
  sample->tx_bytes = tx;
  sample->when_us = now;
  return sample;
}

static GList *
links_of (Monitor *monitor)
{
  const char *const *paths = tttd_dbus_manager_get_links (monitor->manager);
  GList *out = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (monitor->om, paths[i]);
      TttdDBusLink *link = object ? tttd_dbus_object_get_link (TTTD_DBUS_OBJECT (object)) : NULL;
      if (link != NULL)
        out = g_list_append (out, link);
    }
  return out;
}

static void
draw_json (Monitor *monitor, GList *links)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
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

static void
draw (Monitor *monitor)
{
  g_autolist(TttdDBusLink) links = links_of (monitor);
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 now = g_get_monotonic_time ();
  double max_rate = 1e6, max_rtt = 50000, total_rx = 0, total_tx = 0;
  char rx[32], tx[32];

  for (GList *l = links; l != NULL; l = l->next)
    {
      Sample *sample = sample_link (monitor, l->data, now);
      max_rate = MAX (max_rate, MAX (sample->rx_bps, sample->tx_bps));
      max_rtt = MAX (max_rtt, (double) tttd_dbus_link_get_rtt_usec (l->data));
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
  if (monitor->tty)
    g_string_append (out, "\033[H\033[2J");
  format_rate (rx, sizeof rx, total_rx);
  format_rate (tx, sizeof tx, total_tx);
  g_string_append_printf (out, _("tttd %s on %s: %s, strategy %s   down %s  up %s\n"),
                          tttd_dbus_manager_get_mode (monitor->manager),
                          tttd_dbus_manager_get_tun_interface (monitor->manager),
                          tttd_dbus_manager_get_state (monitor->manager),
                          tttd_dbus_manager_get_strategy (monitor->manager), rx, tx);
  g_string_append_printf (out, "%-10s %-9s %-20s %-16s %-25s %s\n", _("LINK"), _("STATE"), _("RTT"),
                          _("LOSS"), _("DOWN"), _("UP"));
  for (GList *l = links; l != NULL; l = l->next)
    {
      TttdDBusLink *link = l->data;
      Sample *sample = g_hash_table_lookup (monitor->samples, g_dbus_proxy_get_object_path (G_DBUS_PROXY (link)));
      double rtt = (double) tttd_dbus_link_get_rtt_usec (link);
      double loss = tttd_dbus_link_get_loss_percent (link);

      format_rate (rx, sizeof rx, sample->rx_bps);
      format_rate (tx, sizeof tx, sample->tx_bps);
      g_string_append_printf (out, "%-10s %-9s %6.1f ms ", tttd_dbus_link_get_interface (link),
                              tttd_dbus_link_get_state (link), rtt / 1000);
      append_bar (out, rtt, max_rtt);
      g_string_append_printf (out, " %5.1f%% ", loss);
      append_bar (out, loss, 100);
      g_string_append_printf (out, " %s ", rx);
      append_bar (out, sample->rx_bps, max_rate);
      g_string_append_printf (out, " %s ", tx);
      append_bar (out, sample->tx_bps, max_rate);
      g_string_append_c (out, '\n');
    }
  if (links == NULL)
    g_string_append (out, _("(no links)\n"));
  if (!monitor->tty)
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
      g_printerr (_("tttctl: tttd went away\n"));
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
  monitor.samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (om, "notify::name-owner", G_CALLBACK (on_owner), &monitor);
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
