/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* routes and rules (protocol 116), and removing what a killed tttd left */
#include "config.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <gio/gio.h>

#include "tttd-netlink-private.h"

static gboolean
route_change (TttdNetlink *nl, guint16 type, guint16 flags, const TttdRoute *route, GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, type, NLM_F_ACK | flags);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  guint len = route->family == AF_INET ? 4 : 16;

  rtm->rtm_family = route->family;
  rtm->rtm_dst_len = route->dst.prefix;
  rtm->rtm_protocol = TTTD_RTPROT;
  rtm->rtm_type = route->type != 0 ? route->type : RTN_UNICAST;
  rtm->rtm_scope = (rtm->rtm_type == RTN_UNICAST && !route->has_gateway) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  rtm->rtm_table = route->table < 256 ? (guint8) route->table : RT_TABLE_UNSPEC;
  mnl_attr_put_u32 (nlh, RTA_TABLE, route->table);
  if (route->dst.prefix > 0)
    mnl_attr_put (nlh, RTA_DST, len, route->dst.addr);
  if (route->has_gateway)
    {
      mnl_attr_put (nlh, RTA_GATEWAY, len, route->gateway);
      /* our table has no route to the gateway itself: it is on the link */
      if (route->oif > 0)
        rtm->rtm_flags |= RTNH_F_ONLINK;
    }
  if (route->oif > 0)
    mnl_attr_put_u32 (nlh, RTA_OIF, (guint32) route->oif);
  if (route->metric > 0)
    mnl_attr_put_u32 (nlh, RTA_PRIORITY, route->metric);
  {
    g_autofree char *dst = tttd_prefix_to_string (&route->dst);
    g_autofree char *what = g_strdup_printf ("cannot %s the route %s in table %u",
                                             type == RTM_NEWROUTE ? "add" : "remove", dst, route->table);
    return tttd_netlink_transact (nl, nlh, NULL, NULL, what, error);
  }
}

gboolean
tttd_netlink_route_add (TttdNetlink *nl, const TttdRoute *route, GError **error)
{
  return route_change (nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, route, error);
}

gboolean
tttd_netlink_route_del (TttdNetlink *nl, const TttdRoute *route, GError **error)
{
  return route_change (nl, RTM_DELROUTE, 0, route, error);
}

static gboolean
rule_change (TttdNetlink *nl, guint16 type, guint16 flags, const TttdRule *rule, GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, type, NLM_F_ACK | flags);
  struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header (nlh, sizeof *frh);

  frh->family = rule->family;
  frh->action = FR_ACT_TO_TBL;
  frh->table = rule->table < 256 ? (guint8) rule->table : RT_TABLE_UNSPEC;
  if (rule->invert)
    frh->flags |= FIB_RULE_INVERT;
  mnl_attr_put_u32 (nlh, FRA_PRIORITY, rule->priority);
  mnl_attr_put_u32 (nlh, FRA_TABLE, rule->table);
  mnl_attr_put_u8 (nlh, FRA_PROTOCOL, TTTD_RTPROT);
  if (rule->fwmask != 0)
    {
      mnl_attr_put_u32 (nlh, FRA_FWMARK, rule->fwmark);
      mnl_attr_put_u32 (nlh, FRA_FWMASK, rule->fwmask);
    }
  if (rule->suppress_prefixlen >= 0)
    mnl_attr_put_u32 (nlh, FRA_SUPPRESS_PREFIXLEN, (guint32) rule->suppress_prefixlen);
  {
    g_autofree char *what =
      g_strdup_printf ("cannot %s the %s routing rule of priority %u", type == RTM_NEWRULE ? "add" : "remove",
                       rule->family == AF_INET ? "IPv4" : "IPv6", rule->priority);
    return tttd_netlink_transact (nl, nlh, NULL, NULL, what, error);
  }
}

gboolean
tttd_netlink_rule_add (TttdNetlink *nl, const TttdRule *rule, GError **error)
{
  return rule_change (nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule, error);
}

gboolean
tttd_netlink_rule_del (TttdNetlink *nl, const TttdRule *rule, GError **error)
{
  return rule_change (nl, RTM_DELRULE, 0, rule, error);
}

/* dumps: collect our messages, then delete them by sending each back */

static int
collect_route (const struct nlmsghdr *nlh, void *data)
{
  GPtrArray *found = data;
  struct rtmsg *rtm = mnl_nlmsg_get_payload (nlh);

  if (rtm->rtm_protocol == TTTD_RTPROT)
    g_ptr_array_add (found, g_memdup2 (nlh, nlh->nlmsg_len));
  return MNL_CB_OK;
}

static int
collect_rule (const struct nlmsghdr *nlh, void *data)
{
  GPtrArray *found = data;
  const gsize header = sizeof (struct fib_rule_hdr);
  struct nlattr *attr;

  mnl_attr_for_each (attr, nlh, header)
    if (mnl_attr_get_type (attr) == FRA_PROTOCOL && mnl_attr_get_u8 (attr) == TTTD_RTPROT)
      {
        g_ptr_array_add (found, g_memdup2 (nlh, nlh->nlmsg_len));
        break;
      }
  return MNL_CB_OK;
}

static guint
flush (TttdNetlink *nl, guint16 get, guint16 del, gsize header, mnl_cb_t collect, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  struct nlmsghdr *nlh = tttd_netlink_request (nl, get, NLM_F_DUMP);
  guint removed = 0;

  memset (mnl_nlmsg_put_extra_header (nlh, header), 0, header);
  if (!tttd_netlink_transact (nl, nlh, collect, found, "cannot list routes and rules", error))
    return 0;
  for (guint i = 0; i < found->len; i++)
    {
      struct nlmsghdr *msg = g_ptr_array_index (found, i);
      struct nlmsghdr *out = tttd_netlink_request (nl, del, NLM_F_ACK);
      memcpy ((guint8 *) out + sizeof *out, (guint8 *) msg + sizeof *msg, msg->nlmsg_len - sizeof *msg);
      out->nlmsg_len = msg->nlmsg_len;
      if (tttd_netlink_transact (nl, out, NULL, NULL, "cannot remove", NULL))
        removed++;
    }
  return removed;
}

guint
tttd_netlink_flush_ours (TttdNetlink *nl, GError **error)
{
  /* rules first, so that nothing points at a table while it empties */
  guint removed = flush (nl, RTM_GETRULE, RTM_DELRULE, sizeof (struct fib_rule_hdr), collect_rule, error);

  return removed + flush (nl, RTM_GETROUTE, RTM_DELROUTE, sizeof (struct rtmsg), collect_route, error);
}

typedef struct {
  int ifindex;
  guint8 family;
  gboolean found;
  guint8 *gateway;
  guint32 metric;
} GatewayFind;

static int
find_gateway (const struct nlmsghdr *nlh, void *data)
{
  GatewayFind *find = data;
  struct rtmsg *rtm = mnl_nlmsg_get_payload (nlh);
  struct nlattr *attr;
  const void *gateway = NULL;
  guint32 table = rtm->rtm_table, metric = 0;
  int oif = 0;

  if (rtm->rtm_family != find->family || rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
    return MNL_CB_OK;
  mnl_attr_for_each (attr, nlh, sizeof *rtm)
    switch (mnl_attr_get_type (attr))
      {
      case RTA_TABLE: table = mnl_attr_get_u32 (attr); break;
      case RTA_OIF: oif = (int) mnl_attr_get_u32 (attr); break;
      case RTA_GATEWAY: gateway = mnl_attr_get_payload (attr); break;
      case RTA_PRIORITY: metric = mnl_attr_get_u32 (attr); break;
      default: break;
      }
  if (table != RT_TABLE_MAIN || oif != find->ifindex || gateway == NULL)
    return MNL_CB_OK;
  if (!find->found || metric < find->metric)
    {
      memcpy (find->gateway, gateway, find->family == AF_INET ? 4 : 16);
      find->metric = metric;
      find->found = TRUE;
    }
  return MNL_CB_OK;
}

gboolean
tttd_netlink_default_gateway (TttdNetlink *nl, guint8 family, int ifindex, guint8 gateway[16])
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, RTM_GETROUTE, NLM_F_DUMP);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  GatewayFind find = { ifindex, family, FALSE, gateway, 0 };

  memset (rtm, 0, sizeof *rtm);
  rtm->rtm_family = family;
  if (!tttd_netlink_transact (nl, nlh, find_gateway, &find, "cannot list routes", NULL))
    return FALSE;
  return find.found;
}
