/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* a client's routes: route-all and routes= via tttd's table, DNS, firewall */
#include "config.h"

#include <linux/rtnetlink.h>
#include <string.h>

#include <gio/gio.h>

#include "tttd-firewall.h"
#include "tttd-log.h"
#include "tttd-names.h"
#include "tttd-routing.h"

struct _TttdRouting {
  TttdNetlink *netlink;
  const TttdConfig *config;
  int tun_ifindex;
  TttdFirewall *firewall;
  gboolean rules;
  GDBusConnection *bus;
  gboolean dns_set;
};

static const guint8 families[] = { AF_INET, AF_INET6 };

/* IPv6 switched off (or not built): nothing can leak over it either */
static gboolean
family_enabled (guint8 family)
{
  g_autofree char *value = NULL;

  if (family == AF_INET)
    return TRUE;
  if (!g_file_get_contents ("/proc/sys/net/ipv6/conf/all/disable_ipv6", &value, NULL, NULL))
    return FALSE;
  return g_str_has_prefix (value, "0");
}

static gboolean
install_rules (TttdRouting *routing, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      if (!family_enabled (families[i]))
        continue;
      TttdRule suppress = {
        .family = families[i],
        .priority = TTTD_RULE_PRIORITY_SUPPRESS,
        .table = RT_TABLE_MAIN,
        .suppress_prefixlen = 0,
      };
      TttdRule tunnel = {
        .family = families[i],
        .priority = TTTD_RULE_PRIORITY_TUNNEL,
        .table = TTTD_TABLE_TUNNEL,
        .fwmark = TTTD_FWMARK,
        .fwmask = TTTD_FWMARK_MASK,
        .invert = TRUE,
        .suppress_prefixlen = -1,
      };
      if (!tttd_netlink_rule_add (routing->netlink, &suppress, error) ||
          !tttd_netlink_rule_add (routing->netlink, &tunnel, error))
        return FALSE;
    }
  routing->rules = TRUE;
  return TRUE;
}

static gboolean
add_tunnel_route (TttdRouting *routing, const TttdPrefix *dst, GError **error)
{
  TttdRoute route = {
    .family = dst->family,
    .table = TTTD_TABLE_TUNNEL,
    .dst = *dst,
    .oif = routing->tun_ifindex,
  };

  return tttd_netlink_route_add (routing->netlink, &route, error);
}

static gboolean
install_routes (TttdRouting *routing, GError **error)
{
  const TttdConfig *config = routing->config;

  if (config->route_all)
    for (guint i = 0; i < G_N_ELEMENTS (families); i++)
      {
        /* IPv6 goes in too, tunnel address or not: better dropped than leaked */
        TttdPrefix any = { .family = families[i], .prefix = 0 };
        if (family_enabled (families[i]) && !add_tunnel_route (routing, &any, error))
          return FALSE;
      }
  for (guint i = 0; i < config->routes->len; i++)
    {
      const TttdPrefix *prefix = &g_array_index (config->routes, TttdPrefix, i);
      if (!family_enabled (prefix->family))
        {
          g_autofree char *text = tttd_prefix_to_string (prefix);
          tttd_log_warning (NULL, "routing", "routes=%s: IPv6 is switched off here", text);
          continue;
        }
      if (!add_tunnel_route (routing, prefix, error))
        return FALSE;
    }
  return TRUE;
}

/* DNS: systemd-resolved takes per-link servers; with route-all every query
 * goes to them ("~." routing domain) */
static void
set_dns (TttdRouting *routing)
{
  const TttdConfig *config = routing->config;
  GVariantBuilder servers, domains;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  if (config->dns->len == 0)
    return;
  routing->bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (routing->bus == NULL)
    {
      tttd_log_warning (NULL, "dns", "dns= is set but there is no system bus: DNS is unchanged");
      return;
    }
  g_variant_builder_init (&servers, G_VARIANT_TYPE ("a(iay)"));
  for (guint i = 0; i < config->dns->len; i++)
    {
      const TttdPrefix *p = &g_array_index (config->dns, TttdPrefix, i);
      g_variant_builder_add (&servers, "(i@ay)", p->family,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, p->addr, tttd_prefix_addr_len (p), 1));
    }
  reply = g_dbus_connection_call_sync (routing->bus, "org.freedesktop.resolve1", "/org/freedesktop/resolve1",
                                       "org.freedesktop.resolve1.Manager", "SetLinkDNS",
                                       g_variant_new ("(ia(iay))", routing->tun_ifindex, &servers), NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, NULL, &error);
  if (reply == NULL)
    {
      tttd_log_warning (NULL, "dns",
                        "dns= is set but systemd-resolved did not take it (%s); "
                        "DNS is unchanged, see tttd.conf(5)",
                        error->message);
      return;
    }
  routing->dns_set = TRUE;
  g_clear_pointer (&reply, g_variant_unref);
  g_variant_builder_init (&domains, G_VARIANT_TYPE ("a(sb)"));
  if (config->route_all)
    g_variant_builder_add (&domains, "(sb)", ".", TRUE);
  reply = g_dbus_connection_call_sync (routing->bus, "org.freedesktop.resolve1", "/org/freedesktop/resolve1",
                                       "org.freedesktop.resolve1.Manager", "SetLinkDomains",
                                       g_variant_new ("(ia(sb))", routing->tun_ifindex, &domains), NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, NULL, NULL);
  tttd_log_info (NULL, "dns", "DNS servers handed to systemd-resolved for the tunnel");
}

static void
revert_dns (TttdRouting *routing)
{
  if (!routing->dns_set)
    return;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    routing->bus, "org.freedesktop.resolve1", "/org/freedesktop/resolve1", "org.freedesktop.resolve1.Manager",
    "RevertLink", g_variant_new ("(i)", routing->tun_ifindex), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, NULL, NULL);
  routing->dns_set = FALSE;
}

TttdRouting *
tttd_routing_new (TttdNetlink *netlink, const TttdConfig *config, const char *tun_name, int tun_ifindex, GError **error)
{
  g_autoptr (TttdRouting) routing = g_new0 (TttdRouting, 1);

  routing->netlink = netlink;
  routing->config = config;
  routing->tun_ifindex = tun_ifindex;
  routing->firewall = tttd_firewall_new (tun_name, error);
  if (routing->firewall == NULL)
    return NULL;
  if (config->route_all || config->routes->len > 0)
    {
      if (!install_routes (routing, error) || !install_rules (routing, error))
        return NULL;
      tttd_log_message (NULL, "routing", "%s through the tunnel",
                        config->route_all ? "all traffic goes" : "the routes= prefixes go");
    }
  set_dns (routing);
  return g_steal_pointer (&routing);
}

gboolean
tttd_routing_apply (TttdRouting *routing, guint mtu, GError **error)
{
  TttdFirewallSpec spec = {
    .mtu = mtu,
    .kill_switch = routing->config->kill_switch,
    .kill_prefixes = routing->config->route_all ? NULL : routing->config->routes,
  };

  return tttd_firewall_apply (routing->firewall, &spec, error);
}

void
tttd_routing_free (TttdRouting *routing)
{
  if (routing == NULL)
    return;
  revert_dns (routing);
  g_clear_object (&routing->bus);
  /* the routes and rules carry tttd's protocol: the client's final flush
   * removes them with the per-link ones */
  g_clear_pointer (&routing->firewall, tttd_firewall_free);
  g_free (routing);
}
