/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttd's nftables table: MSS clamping, masquerading, kill switch; sysctls */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tttd-addr.h"
#include "tttd-error.h"
#include "tttd-firewall.h"
#include "tttd-names.h"

struct _TttdFirewall {
  struct nft_ctx *nft;
  char *table;
  char *tun;
  gboolean installed;
};

static gboolean
run (TttdFirewall *firewall, const char *commands, GError **error)
{
  g_autofree char *why = NULL;
  const char *raw;

  nft_ctx_buffer_error (firewall->nft);
  if (nft_run_cmd_from_buffer (firewall->nft, commands) == 0)
    return TRUE;
  raw = nft_ctx_get_error_buffer (firewall->nft);
  why = raw != NULL ? g_strchomp (g_strdup (raw)) : NULL;
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "nftables refused the rules: %s",
               why != NULL && *why ? why : "unknown error");
  return FALSE;
}

const char *
tttd_firewall_table (TttdFirewall *firewall)
{
  return firewall->table;
}

static TttdFirewall *
firewall_alloc (const char *tun_name, GError **error)
{
  g_autoptr (TttdFirewall) firewall = g_new0 (TttdFirewall, 1);
  g_autoptr (GString) table = g_string_new ("tttd_");

  /* nftables names: letters, digits, '_' and '.' */
  for (const char *p = tun_name; *p != '\0'; p++)
    g_string_append_c (table, g_ascii_isalnum (*p) ? *p : '_');
  firewall->table = g_string_free (g_steal_pointer (&table), FALSE);
  firewall->tun = g_strdup (tun_name);
  firewall->nft = nft_ctx_new (NFT_CTX_DEFAULT);
  if (firewall->nft == NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "cannot create an nftables context");
      return NULL;
    }
  nft_ctx_buffer_output (firewall->nft);
  return g_steal_pointer (&firewall);
}

TttdFirewall *
tttd_firewall_new (const char *tun_name, GError **error)
{
  g_autoptr (TttdFirewall) firewall = firewall_alloc (tun_name, error);

  if (firewall == NULL)
    return NULL;
  /* a killed tttd leaves its table: remove it (no error if there is none) */
  {
    g_autofree char *cmd = g_strdup_printf ("table inet %s\ndelete table inet %s\n", firewall->table, firewall->table);
    (void) run (firewall, cmd, NULL);
  }
  return g_steal_pointer (&firewall);
}

gboolean
tttd_firewall_remove_stale (const char *tun_name, char **table, GError **error)
{
  g_autoptr (TttdFirewall) firewall = firewall_alloc (tun_name, error);
  g_autofree char *list = NULL, *cmd = NULL;

  *table = NULL;
  if (firewall == NULL)
    return FALSE;
  list = g_strdup_printf ("list table inet %s\n", firewall->table);
  if (!run (firewall, list, NULL))
    return TRUE;
  cmd = g_strdup_printf ("delete table inet %s\n", firewall->table);
  if (!run (firewall, cmd, error))
    return FALSE;
  *table = g_strdup (firewall->table);
  return TRUE;
}

/* with route-all nothing may leave but through the tunnel or from tttd's own
 * sockets; with routes= only those prefixes are guarded */
static void
append_kill_switch (GString *rules, const char *tun, GArray *prefixes)
{
  g_autoptr (GString) match4 = g_string_new (NULL);
  g_autoptr (GString) match6 = g_string_new (NULL);

  for (guint i = 0; prefixes != NULL && i < prefixes->len; i++)
    {
      g_autofree char *text = tttd_prefix_to_string (&g_array_index (prefixes, TttdPrefix, i));
      GString *set = g_array_index (prefixes, TttdPrefix, i).family == AF_INET ? match4 : match6;
      g_string_append_printf (set, "%s%s", set->len ? ", " : "", text);
    }
  g_string_append_printf (rules,
                          "  chain killswitch {\n"
                          "    type filter hook output priority filter; policy accept;\n"
                          "    oifname { \"lo\", \"%s\" } accept\n"
                          "    meta mark & 0x%08x == 0x%08x accept\n",
                          tun, TTTD_FWMARK_MASK, TTTD_FWMARK);
  if (prefixes == NULL)
    g_string_append (
      rules,
      /* what keeps the links themselves alive: DHCP, neighbour discovery */
      "    udp sport 68 udp dport 67 accept\n"
      "    udp sport 546 udp dport 547 accept\n"
      "    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report } accept\n"
      "    counter reject\n");
  else
    {
      if (match4->len)
        g_string_append_printf (rules, "    ip daddr { %s } counter reject\n", match4->str);
      if (match6->len)
        g_string_append_printf (rules, "    ip6 daddr { %s } counter reject\n", match6->str);
    }
  g_string_append (rules, "  }\n");
  g_string_append_printf (rules,
                          "  chain killswitch_forward {\n"
                          "    type filter hook forward priority filter; policy accept;\n"
                          "    oifname \"%s\" accept\n"
                          "    iifname \"%s\" accept\n",
                          tun, tun);
  if (prefixes == NULL)
    g_string_append (rules, "    counter reject\n");
  else
    {
      if (match4->len)
        g_string_append_printf (rules, "    ip daddr { %s } counter reject\n", match4->str);
      if (match6->len)
        g_string_append_printf (rules, "    ip6 daddr { %s } counter reject\n", match6->str);
    }
  g_string_append (rules, "  }\n");
}

/* what a client must not reach through the server unless forward-to= says
 * so: the server's own networks and the cloud's metadata service live there */
static const char private4[] = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, 127.0.0.0/8";
static const char private6[] = "fc00::/7, fe80::/10, ::1/128";

static void
append_forward (GString *rules, const char *tun, GArray *forward_to)
{
  g_autoptr (GString) allow4 = g_string_new (NULL);
  g_autoptr (GString) allow6 = g_string_new (NULL);

  for (guint i = 0; forward_to != NULL && i < forward_to->len; i++)
    {
      const TttdPrefix *p = &g_array_index (forward_to, TttdPrefix, i);
      g_autofree char *text = tttd_prefix_to_string (p);
      GString *set = p->family == AF_INET ? allow4 : allow6;
      g_string_append_printf (set, "%s%s", set->len ? ", " : "", text);
    }
  g_string_append_printf (rules,
                          "  chain forward {\n"
                          "    type filter hook forward priority filter; policy accept;\n"
                          "    oifname \"%s\" ct state established,related accept\n",
                          tun);
  if (allow4->len)
    g_string_append_printf (rules, "    iifname \"%s\" ip daddr { %s } accept\n", tun, allow4->str);
  if (allow6->len)
    g_string_append_printf (rules, "    iifname \"%s\" ip6 daddr { %s } accept\n", tun, allow6->str);
  g_string_append_printf (rules,
                          /* from one client to another: both ends are the tunnel */
                          "    iifname \"%s\" oifname \"%s\" counter reject with icmpx type admin-prohibited\n"
                          "    iifname \"%s\" ip daddr { %s } counter reject with icmpx type admin-prohibited\n"
                          "    iifname \"%s\" ip6 daddr { %s } counter reject with icmpx type admin-prohibited\n"
                          "    iifname \"%s\" accept\n"
                          "  }\n",
                          tun, tun, tun, private4, tun, private6, tun);
}

gboolean
tttd_firewall_apply (TttdFirewall *firewall, const TttdFirewallSpec *spec, GError **error)
{
  g_autoptr (GString) rules = g_string_new (NULL);
  const char *t = firewall->table, *tun = firewall->tun;

  /* one transaction: the old table goes and the new one comes at once */
  g_string_append_printf (rules, "table inet %s\ndelete table inet %s\n", t, t);
  g_string_append_printf (rules, "table inet %s {\n  comment \"tttd: rules of the tunnel %s\"\n", t, tun);
  if (spec->mtu > 0)
    {
      /* TCP must not send what the tunnel cannot carry: clamp the MSS of
       * every SYN through it, both ways (IPv6 headers are 20 bytes longer) */
      static const char *const matches[] = { "oifname", "iifname", "oifname" };
      g_string_append (rules, "  chain mss {\n    type filter hook forward priority mangle; policy accept;\n");
      for (guint i = 0; i < G_N_ELEMENTS (matches); i++)
        {
          if (i == 2)
            g_string_append (rules, "  }\n  chain mss_out {\n"
                                    "    type filter hook output priority mangle; policy accept;\n");
          for (guint v6 = 0; v6 <= 1; v6++)
            {
              guint mss = spec->mtu - (v6 ? 60 : 40);
              g_string_append_printf (
                rules,
                "    meta nfproto %s %s \"%s\" tcp flags syn / syn,rst tcp option maxseg size > %u "
                "tcp option maxseg size set %u\n",
                v6 ? "ipv6" : "ipv4", matches[i], tun, mss, mss);
            }
        }
      g_string_append (rules, "  }\n");
    }
  if (spec->masquerade)
    {
      append_forward (rules, tun, spec->forward_to);
      g_string_append_printf (rules,
                              "  chain postrouting {\n"
                              "    type nat hook postrouting priority srcnat; policy accept;\n"
                              "    iifname \"%s\" oifname != \"%s\" masquerade\n"
                              "  }\n",
                              tun, tun);
    }
  if (spec->kill_switch)
    append_kill_switch (rules, tun, spec->kill_prefixes);
  g_string_append (rules, "}\n");
  if (!run (firewall, rules->str, error))
    return FALSE;
  firewall->installed = TRUE;
  return TRUE;
}

void
tttd_firewall_free (TttdFirewall *firewall)
{
  if (firewall == NULL)
    return;
  if (firewall->nft != NULL)
    {
      if (firewall->installed)
        {
          g_autofree char *cmd = g_strdup_printf ("delete table inet %s\n", firewall->table);
          (void) run (firewall, cmd, NULL);
        }
      nft_ctx_free (firewall->nft);
    }
  g_free (firewall->table);
  g_free (firewall->tun);
  g_free (firewall);
}

gboolean
tttd_sysctl_set (const char *path, const char *value, char **old, GError **error)
{
  g_autofree char *current = NULL;
  int fd;
  gssize n;

  if (!g_file_get_contents (path, &current, NULL, error))
    return FALSE;
  g_strchomp (current);
  if (old != NULL)
    *old = g_strdup (current);
  if (g_strcmp0 (current, value) == 0)
    return TRUE;
  /* a /proc/sys file takes one write, in place */
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot write %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  n = write (fd, value, strlen (value));
  if (n < 0)
    {
      int errsv = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot write %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  return TRUE;
}
