/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* sd_notify: readiness, reloads, stopping, status and the watchdog */
#include "config.h"

#include <systemd/sd-daemon.h>

#include "tttd-log.h"
#include "tttd-systemd.h"

struct _TttdSystemd {
  TttdDaemon *daemon;
  guint watchdog_id;
  char *status;
  gboolean ready;
};

static void
send_status (TttdSystemd *systemd)
{
  g_autofree char *summary = tttd_daemon_summary (systemd->daemon);

  if (g_strcmp0 (summary, systemd->status) == 0)
    return;
  g_free (systemd->status);
  systemd->status = g_steal_pointer (&summary);
  sd_notifyf (0, "STATUS=%s", systemd->status);
}

static void
on_state_changed (gpointer data)
{
  send_status (data);
}

static void
on_reloading (gpointer data, gboolean begin)
{
  TttdSystemd *systemd = data;

  if (begin)
    sd_notify (0, "RELOADING=1");
  else
    {
      sd_notify (0, "READY=1");
      send_status (systemd);
    }
}

static void
on_link_event (gpointer data, TttdClientLink *link)
{
  send_status (data);
}

static const TttdEvents events = {
  .link_added = on_link_event,
  .link_removed = on_link_event,
  .state_changed = on_state_changed,
  .reloading = on_reloading,
};

/* sent from the main loop: a stalled loop stops the pings, and systemd
 * restarts the service */
static gboolean
on_watchdog (gpointer user_data)
{
  sd_notify (0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

TttdSystemd *
tttd_systemd_new (TttdDaemon *daemon)
{
  TttdSystemd *systemd = g_new0 (TttdSystemd, 1);
  uint64_t usec = 0;

  systemd->daemon = daemon;
  tttd_daemon_add_events (daemon, &events, systemd);
  if (sd_watchdog_enabled (0, &usec) > 0 && usec > 0)
    {
      /* twice per period, as sd_watchdog_enabled(3) advises */
      systemd->watchdog_id = g_timeout_add (MAX (usec / 2000, 1), on_watchdog, systemd);
      tttd_log_info (NULL, "watchdog", "systemd watchdog every %" G_GUINT64_FORMAT " ms", (guint64) usec / 2000);
    }
  return systemd;
}

void
tttd_systemd_ready (TttdSystemd *systemd)
{
  if (systemd->ready)
    return;
  systemd->ready = TRUE;
  sd_notify (0, "READY=1");
  send_status (systemd);
}

void
tttd_systemd_stopping (TttdSystemd *systemd)
{
  sd_notify (0, "STOPPING=1\nSTATUS=stopping");
}

void
tttd_systemd_free (TttdSystemd *systemd)
{
  if (systemd == NULL)
    return;
  tttd_daemon_remove_events (systemd->daemon, systemd);
  g_clear_handle_id (&systemd->watchdog_id, g_source_remove);
  g_free (systemd->status);
  g_free (systemd);
}
