/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttctl metrics: what tttd publishes on D-Bus, as Prometheus metrics (text format 0.0.4), printed or served as one HTTP response. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tttd-dbus-generated.h"
#include "tttd-names.h"
#include "tttctl-exposition.h"
#include "tttctl-metrics.h"

/* a scraper sends its request at once; a slow or endless one is cut off */
#define REQUEST_MAX_BYTES  8192
#define REQUEST_TIMEOUT_MS 5000
#define CONTENT_TYPE       "text/plain; version=0.0.4; charset=utf-8"

/* the Link and Peer states the API documents: each gets a 0/1 series, so
 * that a query for state="down" finds every link, also those that are up */
static const char *const link_states[] = { "probing", "up", "degraded", "down", "standby", NULL };
static const char *const peer_states[] = { "connected", "disconnected", NULL };
static const char *const client_states[] = { "connecting", "connected", "degraded", NULL };
static const char *const server_states[] = { "running", NULL };

/* one 0/1 series per known state, plus the current one if it is new */
static void
state_set (GString *w, const char *name, const char *key, const char *owner, const char *const *known,
           const char *current)
{
  for (guint i = 0; known[i] != NULL; i++)
    tttctl_exposition_gauge (w, name, g_strcmp0 (known[i], current) == 0, key, owner, "state", known[i], NULL);
  if (current != NULL && *current && !g_strv_contains (known, current))
    tttctl_exposition_gauge (w, name, 1, key, owner, "state", current, NULL);
}

/* ---------------------------------------------------------------- links */

typedef guint64 (*LinkCount) (TttdDBusLink *link);

static const struct {
  const char *name;
  const char *help;
  LinkCount get;
} link_counters[] = {
  { "tttd_link_receive_bytes_total", "Bytes received on the link (datagrams, tunnel headers included).",
    tttd_dbus_link_get_rx_bytes },
  { "tttd_link_transmit_bytes_total", "Bytes sent on the link (datagrams, tunnel headers included).",
    tttd_dbus_link_get_tx_bytes },
  { "tttd_link_receive_packets_total", "Datagrams received on the link.", tttd_dbus_link_get_rx_packets },
  { "tttd_link_transmit_packets_total", "Datagrams sent on the link.", tttd_dbus_link_get_tx_packets },
};

/* 0 means "not measured yet": NaN leaves a gap in a graph instead of a dip */
static double
unknown_if_zero (guint64 value, double scale)
{
  return value == 0 ? NAN : (double) value * scale;
}

static void
write_links (GString *w, GList *links)
{
  if (links == NULL)
    return;
  tttctl_exposition_family (w, "tttd_link_info", "gauge",
                            "A bonded link of a client: its interface, what added it, its local address.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_info", 1, "interface", tttd_dbus_link_get_interface (l->data), "source",
                             tttd_dbus_link_get_source (l->data), "local_address",
                             tttd_dbus_link_get_local_address (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_state", "gauge",
                            "1 for the link's state (probing, up, degraded, down, standby), 0 for the others.");
  for (GList *l = links; l; l = l->next)
    state_set (w, "tttd_link_state", "interface", tttd_dbus_link_get_interface (l->data), link_states,
               tttd_dbus_link_get_state (l->data));
  for (guint c = 0; c < G_N_ELEMENTS (link_counters); c++)
    {
      tttctl_exposition_family (w, link_counters[c].name, "counter", link_counters[c].help);
      for (GList *l = links; l; l = l->next)
        tttctl_exposition_count (w, link_counters[c].name, link_counters[c].get (l->data), "interface",
                                 tttd_dbus_link_get_interface (l->data), NULL);
    }
  tttctl_exposition_family (w, "tttd_link_rtt_seconds", "gauge",
                            "Smoothed round-trip time to the server; NaN until measured.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_rtt_seconds", unknown_if_zero (tttd_dbus_link_get_rtt_usec (l->data), 1e-6),
                             "interface", tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_jitter_seconds", "gauge", "Round-trip time variation (RFC 3550 style).");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_jitter_seconds", (double) tttd_dbus_link_get_jitter_usec (l->data) * 1e-6,
                             "interface", tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_loss_ratio", "gauge",
                            "Packet loss, the worse of the two directions, 0 to 1.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_loss_ratio", tttd_dbus_link_get_loss_percent (l->data) / 100, "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_capacity_bytes_per_second", "gauge",
                            "Estimated capacity (75th percentile of recent delivery rates); NaN until estimated.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_capacity_bytes_per_second",
                             unknown_if_zero (tttd_dbus_link_get_capacity_bps (l->data), 1.0 / 8), "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_weight", "gauge", "The link's share under the weighted strategy, 1 to 1000.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_weight", tttd_dbus_link_get_weight (l->data), "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_priority", "gauge",
                            "The link's rank under active-backup; lower is preferred.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_priority", tttd_dbus_link_get_priority (l->data), "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_metered", "gauge", "1 if the link costs money per byte.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_metered", tttd_dbus_link_get_metered (l->data), "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
  tttctl_exposition_family (w, "tttd_link_enabled", "gauge", "0 if the link is held out of use.");
  for (GList *l = links; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_link_enabled", tttd_dbus_link_get_enabled (l->data), "interface",
                             tttd_dbus_link_get_interface (l->data), NULL);
}

/* ---------------------------------------------------------------- peers */

static void
write_peers (GString *w, GList *peers)
{
  if (peers == NULL)
    return;
  tttctl_exposition_family (w, "tttd_peer_state", "gauge",
                            "1 for the peer's state (connected, disconnected), 0 for the others.");
  for (GList *l = peers; l; l = l->next)
    state_set (w, "tttd_peer_state", "peer", tttd_dbus_peer_get_name (l->data), peer_states,
               tttd_dbus_peer_get_state (l->data));
  tttctl_exposition_family (w, "tttd_peer_receive_bytes_total", "counter",
                            "Bytes of tunnelled packets received from the peer.");
  for (GList *l = peers; l; l = l->next)
    tttctl_exposition_count (w, "tttd_peer_receive_bytes_total", tttd_dbus_peer_get_rx_bytes (l->data), "peer",
                             tttd_dbus_peer_get_name (l->data), NULL);
  tttctl_exposition_family (w, "tttd_peer_transmit_bytes_total", "counter",
                            "Bytes of tunnelled packets sent to the peer.");
  for (GList *l = peers; l; l = l->next)
    tttctl_exposition_count (w, "tttd_peer_transmit_bytes_total", tttd_dbus_peer_get_tx_bytes (l->data), "peer",
                             tttd_dbus_peer_get_name (l->data), NULL);
  tttctl_exposition_family (w, "tttd_peer_paths", "gauge", "How many paths (endpoints) the peer uses now.");
  for (GList *l = peers; l; l = l->next)
    {
      const char *const *endpoints = tttd_dbus_peer_get_endpoints (l->data);
      tttctl_exposition_gauge (w, "tttd_peer_paths", endpoints ? g_strv_length ((char **) endpoints) : 0, "peer",
                               tttd_dbus_peer_get_name (l->data), NULL);
    }
  tttctl_exposition_family (w, "tttd_peer_last_handshake_timestamp_seconds", "gauge",
                            "When the peer's last handshake completed, seconds since the epoch; 0: never.");
  for (GList *l = peers; l; l = l->next)
    tttctl_exposition_gauge (w, "tttd_peer_last_handshake_timestamp_seconds",
                             (double) tttd_dbus_peer_get_last_handshake (l->data) / 1e6, "peer",
                             tttd_dbus_peer_get_name (l->data), NULL);
}

/* ---------------------------------------------------------------- counters */

/* the Manager's Counters by kind; a name the daemon adds later lands in
 * tttd_events_total under its own name, so nothing is lost */
static const struct {
  const char *name;
  const char *help;
  const char *label;
  const char *prefix; /* names starting with it, the rest is the label */
  const char *exact;  /* or this one name, with label value "completed" */
} counter_families[] = {
  { "tttd_dropped_packets_total", "Packets dropped, by reason (the daemon's counter names).", "reason", NULL, NULL },
  { "tttd_reorder_packets_total", "Reordering buffer events, by kind.", "event", "reorder-", NULL },
  { "tttd_handshakes_total", "Handshakes a server answered, by result.", "result", "handshake-", "handshakes" },
  { "tttd_resent_packets_total", "Packets sent again on another link because theirs died (tx) or received so (rx).",
    "direction", NULL, NULL },
  { "tttd_rekeys_total", "Session key changes.", NULL, NULL, "rekeys" },
  { "tttd_events_total", "Other daemon counters, by name.", "event", NULL, NULL },
};

static const char *const drop_names[] = { "rx-malformed",   "rx-unknown-session",
                                          "rx-auth-failed", "rx-replayed",
                                          "rx-bad-inner",   "rx-no-buffer",
                                          "rx-bad-source",  "rx-not-ip",
                                          "tx-no-session",  "tx-no-link",
                                          "tx-dropped",     "tun-write-errors",
                                          "tx-queue-full",  NULL };

/* which family NAME goes to, and its label value */
static guint
classify (const char *name, const char **label)
{
  *label = name;
  if (g_strv_contains (drop_names, name))
    return 0;
  for (guint f = 1; f < G_N_ELEMENTS (counter_families) - 1; f++)
    {
      if (counter_families[f].exact != NULL && g_strcmp0 (name, counter_families[f].exact) == 0)
        {
          *label = "completed";
          return f;
        }
      if (counter_families[f].prefix != NULL && g_str_has_prefix (name, counter_families[f].prefix))
        {
          *label = name + strlen (counter_families[f].prefix);
          return f;
        }
    }
  if (g_strcmp0 (name, "tx-resent") == 0 || g_strcmp0 (name, "rx-resent") == 0)
    {
      *label = name[0] == 't' ? "tx" : "rx";
      return 3;
    }
  return G_N_ELEMENTS (counter_families) - 1;
}

static void
write_counters (GString *w, GVariant *counters)
{
  if (counters == NULL)
    return;
  for (guint f = 0; f < G_N_ELEMENTS (counter_families); f++)
    {
      GVariantIter iter;
      const char *name, *label;
      guint64 value;
      gboolean any = FALSE;

      g_variant_iter_init (&iter, counters);
      while (g_variant_iter_next (&iter, "{&st}", &name, &value))
        {
          if (classify (name, &label) != f)
            continue;
          if (!any)
            tttctl_exposition_family (w, counter_families[f].name, "counter", counter_families[f].help);
          any = TRUE;
          if (counter_families[f].label != NULL)
            tttctl_exposition_count (w, counter_families[f].name, value, counter_families[f].label, label, NULL);
          else
            tttctl_exposition_count (w, counter_families[f].name, value, NULL);
        }
    }
}

/* ---------------------------------------------------------------- collect */

static GList *
objects_of (GDBusObjectManager *om, const char *const *paths, gboolean peers)
{
  GList *out = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (om, paths[i]);
      gpointer iface = NULL;
      if (object != NULL)
        iface = peers ? (gpointer) tttd_dbus_object_get_peer (TTTD_DBUS_OBJECT (object))
                      : (gpointer) tttd_dbus_object_get_link (TTTD_DBUS_OBJECT (object));
      if (iface != NULL)
        out = g_list_append (out, iface);
    }
  return out;
}

static void
write_manager (GString *w, GDBusObjectManager *om, TttdDBusManager *manager)
{
  g_autolist (TttdDBusLink) links = objects_of (om, tttd_dbus_manager_get_links (manager), FALSE);
  g_autolist (TttdDBusPeer) peers = objects_of (om, tttd_dbus_manager_get_peers (manager), TRUE);
  const char *tun = tttd_dbus_manager_get_tun_interface (manager);
  const char *mode = tttd_dbus_manager_get_mode (manager);
  g_autofree char *api = g_strdup_printf ("%u", tttd_dbus_manager_get_version (manager));

  tttctl_exposition_family (w, "tttd_info", "gauge",
                            "The service: its mode, tunnel device, strategy and D-Bus API version.");
  tttctl_exposition_gauge (w, "tttd_info", 1, "mode", mode, "interface", tun, "strategy",
                           tttd_dbus_manager_get_strategy (manager), "api_version", api, NULL);
  tttctl_exposition_family (
    w, "tttd_state", "gauge",
    "1 for the service's state (a client: connecting, connected, degraded; a server: running).");
  state_set (w, "tttd_state", "interface", tun, g_strcmp0 (mode, "server") == 0 ? server_states : client_states,
             tttd_dbus_manager_get_state (manager));
  tttctl_exposition_family (w, "tttd_tunnel_receive_bytes_total", "counter",
                            "Bytes of tunnelled packets received (written to the tunnel device).");
  tttctl_exposition_count (w, "tttd_tunnel_receive_bytes_total", tttd_dbus_manager_get_rx_bytes (manager), "interface",
                           tun, NULL);
  tttctl_exposition_family (w, "tttd_tunnel_transmit_bytes_total", "counter",
                            "Bytes of tunnelled packets sent (read from the tunnel device).");
  tttctl_exposition_count (w, "tttd_tunnel_transmit_bytes_total", tttd_dbus_manager_get_tx_bytes (manager), "interface",
                           tun, NULL);
  tttctl_exposition_family (w, "tttd_tunnel_mtu_bytes", "gauge", "The tunnel device's MTU.");
  tttctl_exposition_gauge (w, "tttd_tunnel_mtu_bytes", tttd_dbus_manager_get_mtu (manager), "interface", tun, NULL);
  write_counters (w, tttd_dbus_manager_get_counters (manager));
  write_links (w, links);
  write_peers (w, peers);
}

/* the whole exposition; tttd_up says whether the rest is there */
static char *
collect (GBusType bus_type, GError **error)
{
  g_autoptr (GDBusObjectManager) om = NULL;
  g_autoptr (TttdDBusManager) manager = NULL;
  g_autofree char *owner = NULL;
  GString *w = g_string_new (NULL);

  om = tttd_dbus_object_manager_client_new_for_bus_sync (bus_type, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                         TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL, error);
  if (om != NULL)
    {
      owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (om));
      if (owner == NULL)
        g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
                     _ ("tttd is not running (nobody owns %s on the bus)"), TTTD_DBUS_NAME);
      else
        manager = tttd_dbus_manager_proxy_new_sync (
          g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (om)), G_DBUS_PROXY_FLAGS_NONE,
          TTTD_DBUS_NAME, TTTD_DBUS_PATH, NULL, error);
    }
  tttctl_exposition_family (w, "tttd_up", "gauge",
                            "1 if tttd answered on D-Bus, 0 if not (then no other tttd_ series are given).");
  tttctl_exposition_gauge (w, "tttd_up", manager != NULL, NULL);
  if (manager != NULL)
    write_manager (w, om, manager);
  return g_string_free (w, FALSE);
}

/* ---------------------------------------------------------------- HTTP */

/* reads the request head (up to the empty line) from FD, bounded in size and time */
static GString *
read_request (int fd, GError **error)
{
  g_autoptr (GString) head = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) REQUEST_TIMEOUT_MS * 1000;

  while (!tttctl_http_head_complete (head->str, head->len))
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[1024];
      ssize_t n;
      int ready;

      if (head->len >= REQUEST_MAX_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, _ ("the request head is longer than %d bytes"),
                       REQUEST_MAX_BYTES);
          return NULL;
        }
      ready = left_ms > 0 ? poll (&pfd, 1, (int) left_ms) : 0;
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "poll: %s", g_strerror (saved));
          return NULL;
        }
      if (ready == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _ ("no complete request within %d ms"),
                       REQUEST_TIMEOUT_MS);
          return NULL;
        }
      n = read (fd, buf, MIN (sizeof buf, REQUEST_MAX_BYTES - head->len));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "read: %s", g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       _ ("the connection closed before the request was complete"));
          return NULL;
        }
      g_string_append_len (head, buf, n);
    }
  return g_steal_pointer (&head);
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static int
respond (const char *status, const char *type, const char *extra, const char *body, gboolean is_head)
{
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                                           "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
                                           status, type, strlen (body), extra ? extra : "");

  if (!write_all (STDOUT_FILENO, head, strlen (head)) || (!is_head && !write_all (STDOUT_FILENO, body, strlen (body))))
    {
      g_printerr ("tttctl: metrics: cannot send the response: %s\n", g_strerror (errno));
      return 1;
    }
  return g_str_has_prefix (status, "200") ? 0 : 1;
}

static int
serve_http (GBusType bus_type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) head = read_request (STDIN_FILENO, &error);
  g_autofree char *text = NULL;
  gboolean is_head = FALSE;

  if (head == NULL)
    {
      /* a log line for the journal; a closed or silent client gets no answer */
      g_printerr ("tttctl: metrics: %s\n", error->message);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE))
        return respond ("431 Request Header Fields Too Large", "text/plain; charset=utf-8", NULL,
                        "request head too long\n", FALSE);
      return 1;
    }
  switch (tttctl_http_parse_request (head->str, head->len, &is_head))
    {
    case TTTCTL_HTTP_BAD:
      return respond ("400 Bad Request", "text/plain; charset=utf-8", NULL, "not an HTTP/1 request\n", FALSE);
    case TTTCTL_HTTP_BAD_METHOD:
      return respond ("405 Method Not Allowed", "text/plain; charset=utf-8", "Allow: GET, HEAD\r\n",
                      "only GET and HEAD\n", FALSE);
    case TTTCTL_HTTP_NOT_FOUND:
      return respond ("404 Not Found", "text/plain; charset=utf-8", NULL, "the metrics are at /metrics\n", is_head);
    case TTTCTL_HTTP_INDEX:
      return respond ("200 OK", "text/plain; charset=utf-8", NULL, "tttd metrics: /metrics\n", is_head);
    case TTTCTL_HTTP_METRICS:
    default: break;
    }
  text = collect (bus_type, &error);
  if (error != NULL)
    g_printerr ("tttctl: metrics: %s\n", error->message);
  return respond ("200 OK", CONTENT_TYPE, NULL, text, is_head);
}

int
tttctl_metrics (GBusType bus_type, gboolean http)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (http)
    return serve_http (bus_type);
  text = collect (bus_type, &error);
  fputs (text, stdout);
  if (fflush (stdout) != 0)
    {
      g_printerr ("tttctl: metrics: %s\n", g_strerror (errno));
      return 1;
    }
  if (error != NULL)
    {
      /* the text (tttd_up 0) is still printed, for a textfile collector */
      g_printerr ("tttctl: %s\n", error->message);
      return 3;
    }
  return 0;
}
