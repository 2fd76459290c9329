/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* tttd --cleanup: removes what a tttd that did not stop cleanly left behind. */
#include "config.h"

#include <gio/gio.h>

#include "tttd-cleanup.h"
#include "tttd-firewall.h"
#include "tttd-netlink.h"

gboolean
tttd_cleanup (const char *tun_name, char **summary, GError **error)
{
  g_autoptr (TttdNetlink) netlink = tttd_netlink_new (error);
  g_autoptr (GError) local = NULL;
  g_autofree char *table = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  TttdLinkInfo info;
  guint routes;

  *summary = NULL;
  if (netlink == NULL)
    return FALSE;
  /* a TUN device of that name still there belongs to a tttd still running
   * (the kernel removes tttd's, which is not persistent, with its last
   * file descriptor): its routes and table are not ours to take */
  if (tttd_netlink_link_get (netlink, tun_name, &info, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "%s is still there: a tttd still runs on it; nothing was removed", tun_name);
      return FALSE;
    }
  /* the rules first: with route-all they point at tttd's routing table */
  routes = tttd_netlink_flush_ours (netlink, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!tttd_firewall_remove_stale (tun_name, &table, error))
    return FALSE;
  if (table != NULL)
    g_string_append_printf (text, "the nftables table inet %s", table);
  if (routes > 0)
    g_string_append_printf (text, "%s%u routes and rules", text->len > 0 ? " and " : "", routes);
  if (text->len > 0)
    *summary = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}
