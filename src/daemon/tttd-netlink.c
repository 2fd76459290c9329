/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* synchronous rtnetlink requests and a monitor of link and address changes */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "tttd-netlink-private.h"

gboolean
tttd_netlink_errno_error (GError **error, int errsv, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

TttdNetlink *
tttd_netlink_new (GError **error)
{
  g_autoptr (TttdNetlink) nl = g_new0 (TttdNetlink, 1);

  nl->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl->sock == NULL)
    {
      tttd_netlink_errno_error (error, errno, "cannot open an rtnetlink socket");
      return NULL;
    }
  if (mnl_socket_bind (nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      tttd_netlink_errno_error (error, errno, "cannot bind the rtnetlink socket");
      return NULL;
    }
  nl->portid = mnl_socket_get_portid (nl->sock);
  nl->seq = (guint32) time (NULL);
  return g_steal_pointer (&nl);
}

void
tttd_netlink_free (TttdNetlink *nl)
{
  if (nl == NULL)
    return;
  if (nl->sock != NULL)
    mnl_socket_close (nl->sock);
  g_free (nl);
}

/* send one request and run cb over every answer until the ack or the end of
 * a dump */
gboolean
tttd_netlink_transact (TttdNetlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, gpointer data, const char *what,
                       GError **error)
{
  guint32 seq = nlh->nlmsg_seq = ++nl->seq;
  int ret;

  if (mnl_socket_sendto (nl->sock, nlh, nlh->nlmsg_len) < 0)
    return tttd_netlink_errno_error (error, errno, what);
  do
    {
      ret = (int) mnl_socket_recvfrom (nl->sock, nl->buf, sizeof nl->buf);
      if (ret <= 0)
        break;
      ret = mnl_cb_run (nl->buf, (size_t) ret, seq, nl->portid, cb, data);
    }
  while (ret > 0);
  if (ret < 0)
    return tttd_netlink_errno_error (error, errno, what);
  return TRUE;
}

struct nlmsghdr *
tttd_netlink_request (TttdNetlink *nl, guint16 type, guint16 flags)
{
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (nl->buf);

  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return nlh;
}

typedef struct {
  TttdLinkInfo *info;
  gboolean found;
} LinkGet;

static int
on_link (const struct nlmsghdr *nlh, void *data)
{
  LinkGet *get = data;
  struct ifinfomsg *ifm = mnl_nlmsg_get_payload (nlh);
  struct nlattr *attr;

  get->found = TRUE;
  get->info->ifindex = ifm->ifi_index;
  get->info->up = (ifm->ifi_flags & IFF_UP) != 0;
  get->info->running = (ifm->ifi_flags & IFF_RUNNING) != 0;
  mnl_attr_for_each (attr, nlh, sizeof *ifm)
    if (mnl_attr_get_type (attr) == IFLA_MTU && mnl_attr_validate (attr, MNL_TYPE_U32) >= 0)
      get->info->mtu = mnl_attr_get_u32 (attr);
  return MNL_CB_OK;
}

gboolean
tttd_netlink_link_get (TttdNetlink *nl, const char *name, TttdLinkInfo *out, GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, RTM_GETLINK, NLM_F_ACK);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header (nlh, sizeof *ifm);
  g_autoptr (GError) local = NULL;
  LinkGet get = { out, FALSE };

  memset (out, 0, sizeof *out);
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  if (!tttd_netlink_transact (nl, nlh, on_link, &get, "RTM_GETLINK", &local) || !get.found)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no interface %s", name);
      return FALSE;
    }
  return TRUE;
}

gboolean
tttd_netlink_link_set (TttdNetlink *nl, int ifindex, guint mtu, gboolean up, GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, RTM_NEWLINK, NLM_F_ACK);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header (nlh, sizeof *ifm);

  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ifindex;
  ifm->ifi_change = IFF_UP;
  ifm->ifi_flags = up ? IFF_UP : 0;
  if (mtu != 0)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  return tttd_netlink_transact (nl, nlh, NULL, NULL, "cannot set the interface's MTU and state", error);
}

static gboolean
addr_change (TttdNetlink *nl, guint16 type, guint16 flags, int ifindex, const TttdPrefix *prefix, guint32 ifa_flags,
             GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, type, NLM_F_ACK | flags);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  guint len = tttd_prefix_addr_len (prefix);

  ifa->ifa_family = prefix->family;
  ifa->ifa_prefixlen = prefix->prefix;
  ifa->ifa_index = (guint32) ifindex;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  mnl_attr_put (nlh, IFA_LOCAL, len, prefix->addr);
  mnl_attr_put (nlh, IFA_ADDRESS, len, prefix->addr);
  if (prefix->family == AF_INET6)
    /* the tunnel's far end answers neighbour discovery never: no DAD wait */
    ifa_flags |= IFA_F_NODAD;
  if (ifa_flags != 0)
    mnl_attr_put_u32 (nlh, IFA_FLAGS, ifa_flags);
  {
    g_autofree char *text = tttd_prefix_to_string (prefix);
    g_autofree char *what = g_strdup_printf ("cannot %s the address %s", type == RTM_NEWADDR ? "add" : "remove", text);
    return tttd_netlink_transact (nl, nlh, NULL, NULL, what, error);
  }
}

gboolean
tttd_netlink_addr_add (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error)
{
  return addr_change (nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, prefix, 0, error);
}

/* an address someone else chose (the server): no prefix route comes with
 * it, so that it cannot steer traffic into the tunnel */
gboolean
tttd_netlink_addr_add_no_route (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error)
{
  return addr_change (nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, prefix, IFA_F_NOPREFIXROUTE, error);
}

gboolean
tttd_netlink_addr_del (TttdNetlink *nl, int ifindex, const TttdPrefix *prefix, GError **error)
{
  return addr_change (nl, RTM_DELADDR, 0, ifindex, prefix, 0, error);
}

typedef struct {
  int ifindex;
  GArray *out;
} AddrList;

static int
on_addr (const struct nlmsghdr *nlh, void *data)
{
  AddrList *list = data;
  struct ifaddrmsg *ifa = mnl_nlmsg_get_payload (nlh);
  struct nlattr *attr;
  TttdPrefix prefix = { 0 };
  gboolean have = FALSE;

  if ((int) ifa->ifa_index != list->ifindex || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
    return MNL_CB_OK;
  /* link-local addresses cannot reach a server on the Internet */
  if (ifa->ifa_scope != RT_SCOPE_UNIVERSE)
    return MNL_CB_OK;
  prefix.family = ifa->ifa_family;
  prefix.prefix = ifa->ifa_prefixlen;
  mnl_attr_for_each (attr, nlh, sizeof *ifa)
    {
      guint16 type = mnl_attr_get_type (attr);
      /* IFA_LOCAL is the address on point-to-point links, IFA_ADDRESS the peer */
      if ((type == IFA_LOCAL || (type == IFA_ADDRESS && !have)) &&
          mnl_attr_get_payload_len (attr) == tttd_prefix_addr_len (&prefix))
        {
          memcpy (prefix.addr, mnl_attr_get_payload (attr), tttd_prefix_addr_len (&prefix));
          have = TRUE;
        }
    }
  if (have && !(ifa->ifa_flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
    g_array_append_val (list->out, prefix);
  return MNL_CB_OK;
}

GArray *
tttd_netlink_addr_list (TttdNetlink *nl, int ifindex, GError **error)
{
  struct nlmsghdr *nlh = tttd_netlink_request (nl, RTM_GETADDR, NLM_F_DUMP);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (TttdPrefix));
  AddrList list = { ifindex, out };

  ifa->ifa_family = AF_UNSPEC;
  if (!tttd_netlink_transact (nl, nlh, on_addr, &list, "cannot list addresses", error))
    return NULL;
  return g_steal_pointer (&out);
}

struct _TttdNetlinkMonitor {
  struct mnl_socket *sock;
  GSource *source;
  TttdNetlinkMonitorFunc func;
  gpointer user_data;
  char buf[NETLINK_BUFFER];
};

static int
on_notification (const struct nlmsghdr *nlh, void *data)
{
  TttdNetlinkMonitor *monitor = data;

  switch (nlh->nlmsg_type)
    {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      {
        struct ifinfomsg *ifm = mnl_nlmsg_get_payload (nlh);
        struct nlattr *attr;
        const char *name = NULL;
        mnl_attr_for_each (attr, nlh, sizeof *ifm)
          if (mnl_attr_get_type (attr) == IFLA_IFNAME && mnl_attr_validate (attr, MNL_TYPE_STRING) >= 0)
            name = mnl_attr_get_str (attr);
        monitor->func (nlh->nlmsg_type == RTM_NEWLINK ? TTTD_NETLINK_LINK_CHANGED : TTTD_NETLINK_LINK_REMOVED,
                       ifm->ifi_index, name, monitor->user_data);
        break;
      }
    case RTM_NEWADDR:
    case RTM_DELADDR:
      {
        struct ifaddrmsg *ifa = mnl_nlmsg_get_payload (nlh);
        monitor->func (TTTD_NETLINK_ADDRESS_CHANGED, (int) ifa->ifa_index, NULL, monitor->user_data);
        break;
      }
    default: break;
    }
  return MNL_CB_OK;
}

static gboolean
on_monitor_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  TttdNetlinkMonitor *monitor = user_data;

  /* a bounded number of messages per wakeup */
  for (guint i = 0; i < 16; i++)
    {
      ssize_t n = mnl_socket_recvfrom (monitor->sock, monitor->buf, sizeof monitor->buf);
      if (n <= 0)
        break;
      mnl_cb_run (monitor->buf, (size_t) n, 0, 0, on_notification, monitor);
    }
  return G_SOURCE_CONTINUE;
}

TttdNetlinkMonitor *
tttd_netlink_monitor_new (TttdNetlinkMonitorFunc func, gpointer user_data, GError **error)
{
  g_autoptr (TttdNetlinkMonitor) monitor = g_new0 (TttdNetlinkMonitor, 1);
  unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;

  monitor->func = func;
  monitor->user_data = user_data;
  monitor->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (monitor->sock == NULL)
    {
      tttd_netlink_errno_error (error, errno, "cannot open an rtnetlink socket");
      return NULL;
    }
  if (mnl_socket_bind (monitor->sock, groups, MNL_SOCKET_AUTOPID) < 0)
    {
      tttd_netlink_errno_error (error, errno, "cannot listen to rtnetlink");
      return NULL;
    }
  monitor->source = g_unix_fd_source_new (mnl_socket_get_fd (monitor->sock), G_IO_IN);
  g_source_set_callback (monitor->source, (GSourceFunc) (void (*) (void)) on_monitor_readable, monitor, NULL);
  g_source_set_static_name (monitor->source, "tttd netlink monitor");
  g_source_attach (monitor->source, NULL);
  return g_steal_pointer (&monitor);
}

void
tttd_netlink_monitor_free (TttdNetlinkMonitor *monitor)
{
  if (monitor == NULL)
    return;
  if (monitor->source != NULL)
    {
      g_source_destroy (monitor->source);
      g_source_unref (monitor->source);
    }
  if (monitor->sock != NULL)
    mnl_socket_close (monitor->sock);
  g_free (monitor);
}
