/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* clients-report.c: what the simulator prints of the server and of the run */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients.h"

/* ---------------------------------------------------------------- the server's figures */

/* UDP drops in a process's network namespace (/proc/PID/net/snmp) */
static void
print_udp_errors (const char *prefix, const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/net/snmp", pid);
  g_autofree char *snmp = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &snmp, NULL, NULL))
    return;
  lines = g_strsplit (snmp, "\n", 0);
  /* a header line of names, then one of values */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    if (g_str_has_prefix (lines[i], "Udp: ") && g_str_has_prefix (lines[i + 1], "Udp: "))
      {
        g_auto (GStrv) names = g_strsplit (lines[i] + 5, " ", 0);
        g_auto (GStrv) values = g_strsplit (lines[i + 1] + 5, " ", 0);
        for (guint j = 0; names[j] != NULL && values[j] != NULL; j++)
          if (g_str_equal (names[j], "InErrors") || g_str_equal (names[j], "RcvbufErrors") ||
              g_str_equal (names[j], "SndbufErrors"))
            printf ("%s_udp_%s=%s\n", prefix, names[j], values[j]);
        break;
      }
}

/* the server's memory and CPU time now, as PREFIX_key=value lines */
void
sample_server (const Sim *sim, const char *prefix)
{
  g_autofree char *status = NULL, *stat = NULL, *maps = NULL, *dev = NULL;
  g_autofree char *path = NULL;
  const char *fields[] = { "VmRSS", "VmHWM", "RssAnon", "VmLck" };
  guint64 vmas = 0;

  if (sim->server_pid <= 0)
    return;
  printf ("%s_t=%.3f\n", prefix, elapsed_s (sim, g_get_monotonic_time ()));
  path = g_strdup_printf ("/proc/%d/status", sim->server_pid);
  if (g_file_get_contents (path, &status, NULL, NULL))
    for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
      {
        g_autofree char *key = g_strdup_printf ("\n%s:", fields[i]);
        const char *at = strstr (status, key);
        if (at != NULL)
          printf ("%s_%s_kib=%" G_GUINT64_FORMAT "\n", prefix, fields[i],
                  g_ascii_strtoull (at + strlen (key), NULL, 10));
      }
  g_free (path);
  path = g_strdup_printf ("/proc/%d/stat", sim->server_pid);
  if (g_file_get_contents (path, &stat, NULL, NULL) && strrchr (stat, ')') != NULL)
    {
      g_auto (GStrv) f = g_strsplit (strrchr (stat, ')') + 2, " ", 0);
      /* fields 14 and 15 of stat, counted after the command */
      if (g_strv_length (f) > 12)
        printf ("%s_cpu_ticks=%" G_GUINT64_FORMAT "\n", prefix,
                g_ascii_strtoull (f[11], NULL, 10) + g_ascii_strtoull (f[12], NULL, 10));
    }
  g_free (path);
  path = g_strdup_printf ("/proc/%d/maps", sim->server_pid);
  if (g_file_get_contents (path, &maps, NULL, NULL))
    for (const char *p = maps; *p != '\0'; p++)
      vmas += *p == '\n';
  printf ("%s_vmas=%" G_GUINT64_FORMAT "\n", prefix, vmas);
  g_free (path);
  path = g_strdup_printf ("%d", sim->server_pid);
  print_udp_errors (prefix, path);
  /* its namespace's interfaces: packets tttd wrote to TUN are the TUN's
   * rx, those it read its tx */
  g_free (path);
  path = g_strdup_printf ("/proc/%d/net/dev", sim->server_pid);
  if (g_file_get_contents (path, &dev, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (dev, "\n", 0);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *colon = strchr (lines[i], ':');
          guint64 rx_bytes, rx_packets, tx_bytes, tx_packets;
          if (colon == NULL)
            continue;
          *colon = '\0';
          if (sscanf (colon + 1,
                      "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %*u %*u %*u %*u %*u %*u %" G_GUINT64_FORMAT
                      " %" G_GUINT64_FORMAT,
                      &rx_bytes, &rx_packets, &tx_bytes, &tx_packets) == 4)
            printf ("%s_%s_rx_packets=%" G_GUINT64_FORMAT "\n%s_%s_tx_packets=%" G_GUINT64_FORMAT "\n", prefix,
                    g_strstrip (lines[i]), rx_packets, prefix, lines[i], tx_packets);
        }
    }
  fflush (stdout);
}

/* ---------------------------------------------------------------- reports */

static int
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* the p-th percentile of the samples, in ms */
static double
percentile_ms (GArray *samples, double p)
{
  guint i;

  if (samples->len == 0)
    return 0;
  i = MIN ((guint) (p / 100.0 * samples->len), samples->len - 1);
  return g_array_index (samples, guint32, i) / 1000.0;
}

static void
print_latencies (const char *name, GArray *samples)
{
  g_array_sort (samples, compare_u32);
  printf ("%s_p50_ms=%.1f\n%s_p95_ms=%.1f\n%s_max_ms=%.1f\n", name, percentile_ms (samples, 50), name,
          percentile_ms (samples, 95), name, percentile_ms (samples, 100));
}

void
report (Sim *sim, double traffic_s, guint64 sent, guint64 received)
{
  struct rusage usage;

  printf ("clients=%u\n", sim->n);
  printf ("handshakes_completed=%u\n", sim->keyed);
  printf ("sessions_confirmed=%u\n", sim->up);
  printf ("lost=%u\n", sim->n - sim->up);
  printf ("initiations=%" G_GUINT64_FORMAT "\n", sim->initiations);
  printf ("retries=%" G_GUINT64_FORMAT "\n", sim->initiations - sim->responses);
  printf ("rekeys=%" G_GUINT64_FORMAT "\n", sim->rekeys);
  printf ("bad_responses=%" G_GUINT64_FORMAT "\n", sim->bad_responses);
  if (sim->all_keyed_us != 0)
    printf ("all_keyed_s=%.3f\n", (double) (sim->all_keyed_us - sim->first_init_us) / G_USEC_PER_SEC);
  if (sim->all_up_us != 0)
    printf ("all_up_s=%.3f\n", (double) (sim->all_up_us - sim->first_init_us) / G_USEC_PER_SEC);
  print_latencies ("handshake", sim->keyed_latency);
  print_latencies ("confirm", sim->up_latency);
  printf ("probes_sent=%" G_GUINT64_FORMAT "\nprobe_replies=%" G_GUINT64_FORMAT "\n", sim->probes_sent,
          sim->probe_replies);
  printf ("traffic_s=%.3f\n", traffic_s);
  printf ("packet_bytes=%d\n", sim->size);
  printf ("data_sent=%" G_GUINT64_FORMAT "\ndata_received=%" G_GUINT64_FORMAT "\n", sent, received);
  if (traffic_s > 0)
    printf ("data_sent_pps=%.0f\ndata_received_pps=%.0f\n", (double) sent / traffic_s, (double) received / traffic_s);
  print_latencies ("data_rtt", sim->data_rtt);
  print_latencies ("probe_rtt", sim->probe_rtt);
  printf ("data_bad=%" G_GUINT64_FORMAT "\nrx_unknown_index=%" G_GUINT64_FORMAT "\n"
          "rx_auth_failed=%" G_GUINT64_FORMAT "\nrx_malformed=%" G_GUINT64_FORMAT "\n"
          "closes_received=%" G_GUINT64_FORMAT "\ntx_errors=%" G_GUINT64_FORMAT "\n",
          sim->data_bad, sim->rx_unknown_index, sim->rx_auth_failed, sim->rx_malformed, sim->closes_received,
          sim->tx_errors);
  print_udp_errors ("simulator", "self");
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    printf ("simulator_cpu_s=%.2f\n", (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                                        (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
  fflush (stdout);
}

/* what one server-side peer weighs, from the daemon's own headers; the
 * sodium_malloc()ed parts take whole pages (see sodium_malloc(3)) */
void
print_sizes (void)
{
  printf ("sizeof_TttdPeer=%zu\n", sizeof (TttdPeer));
  printf ("sizeof_TttdPath=%zu\n", sizeof (TttdPath));
  printf ("sizeof_TttdHealth=%zu\n", sizeof (TttdHealth));
  printf ("sizeof_TttdScheduler=%zu\n", sizeof (TttdScheduler));
  printf ("sizeof_TttdReorder=%zu\n", sizeof (TttdReorder));
  printf ("sizeof_TttdKeypair=%zu\n", sizeof (TttdKeypair));
  printf ("sizeof_TttdHandshake=%zu\n", sizeof (TttdHandshake));
  printf ("sizeof_TttdReplay=%zu\n", sizeof (TttdReplay));
  printf ("sizeof_TttdRecover=%zu\n", sizeof (TttdRecover));
  printf ("sizeof_TttdReorderSlots=%zu\n", sizeof (TttdReorderSlot) * TTTD_REORDER_SLOTS);
  printf ("page_size=%ld\n", sysconf (_SC_PAGESIZE));
}

/* N private keys to FILE; the server's [peer] groups to stdout */
void
generate (guint n, const char *file)
{
  g_autoptr (GString) keys = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  int fd;

  for (guint i = 0; i < n; i++)
    {
      guint8 private_key[32], public_key[32];
      char text[TTTD_KEY_BASE64_LEN + 1];

      tttd_key_generate (private_key);
      if (!tttd_key_public (private_key, public_key))
        die ("a generated key is not usable");
      tttd_key_to_base64 (private_key, text);
      g_string_append_printf (keys, "%s\n", text);
      tttd_key_to_base64 (public_key, text);
      /* 198.19.1.1 up: host numbers 1..250 of each /24, clear of the server's .0.1 */
      printf ("[peer c%u]\npublic-key=%s\naddress=198.19.%u.%u/32\n", i, text, 1 + i / 250, 1 + i % 250);
      sodium_memzero (private_key, sizeof private_key);
    }
  fd = open (file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, keys->str, keys->len) != (gssize) keys->len || close (fd) < 0)
    die ("%s: %s", file, g_strerror (errno));
  sodium_memzero (keys->str, keys->len);
}
