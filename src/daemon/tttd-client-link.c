/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the client's links: sockets, per-link routing, rebinding, MTU, lookups */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "tttd-client-private.h"
#include "tttd-error.h"
#include "tttd-log.h"
#include "tttd-names.h"
#include "tttd-timer.h"

/* the client's links: a socket bound to each interface and its address,
 * the link's own routing table, and the tunnel MTU they allow */

#define REBIND_SETTLE_MS 50

static void
on_link_readable (gpointer user_data)
{
  TttdClientLink *link = user_data;

  tttd_engine_socket_readable (link->client->engine, &link->queue);
}

static void
unroute_link (TttdClient *client, TttdClientLink *link)
{
  if (!link->routed)
    return;
  (void) tttd_netlink_rule_del (client->netlink, &link->rule, NULL);
  (void) tttd_netlink_route_del (client->netlink, &link->route, NULL);
  link->routed = FALSE;
}

/* the link's own table: its default route, found from NetworkManager or the
 * main table, so that its socket leaves through it even where the main table
 * has no default route through it (NetworkManager's never-default) */
static void
route_link (TttdClient *client, TttdClientLink *link, int family)
{
  g_autoptr (GError) error = NULL;
  guint8 gateway[16] = { 0 };
  gboolean has_gateway;

  unroute_link (client, link);
  if (!client->system)
    return;
  if (link->has_gateway && link->gateway_family == family)
    {
      memcpy (gateway, link->gateway, 16);
      has_gateway = TRUE;
    }
  else
    has_gateway = tttd_netlink_default_gateway (client->netlink, (guint8) family, link->ifindex, gateway);
  if (!has_gateway)
    return; /* on-link only, or point-to-point: the device route does */
  memset (&link->route, 0, sizeof link->route);
  link->route.family = (guint8) family;
  link->route.table = TTTD_TABLE_LINK + link->id;
  link->route.dst.family = (guint8) family;
  link->route.has_gateway = TRUE;
  memcpy (link->route.gateway, gateway, 16);
  link->route.oif = link->ifindex;
  memset (&link->rule, 0, sizeof link->rule);
  link->rule.family = (guint8) family;
  link->rule.priority = TTTD_RULE_PRIORITY_LINK;
  link->rule.table = link->route.table;
  link->rule.fwmark = TTTD_FWMARK | (link->id + 1);
  link->rule.fwmask = G_MAXUINT32;
  link->rule.suppress_prefixlen = -1;
  if (!tttd_netlink_route_add (client->netlink, &link->route, &error) ||
      !tttd_netlink_rule_add (client->netlink, &link->rule, &error))
    {
      tttd_log_warning (link->name, "route", "cannot route link %s through its gateway: %s", link->name,
                        error->message);
      (void) tttd_netlink_route_del (client->netlink, &link->route, NULL);
      return;
    }
  link->routed = TRUE;
}

void
tttd_client_unbind_link (TttdClient *client, TttdClientLink *link)
{
  unroute_link (client, link);
  if (link->watch != NULL)
    {
      g_source_destroy (link->watch);
      g_clear_pointer (&link->watch, g_source_unref);
    }
  if (link->fd >= 0)
    {
      tttd_peer_path_remove (client->peer, link->id, TRUE);
      close (link->fd);
      link->fd = -1;
    }
}

static void
set_unusable (TttdClientLink *link, const char *why)
{
  g_free (link->why_unusable);
  link->why_unusable = g_strdup (why);
}

/* pick the server endpoint and the local address this link can use: the
 * first endpoint of a family the link has, in configuration order from
 * the one in use (after a failover, the next) on */
static gboolean
choose_endpoint (TttdClient *client, TttdClientLink *link, TttdSockaddr *server, TttdSockaddr *local, GError **error)
{
  TttdLinkInfo info;
  g_autoptr (GArray) addresses = NULL;

  if (!tttd_netlink_link_get (client->netlink, link->name, &info, error))
    return FALSE;
  link->ifindex = info.ifindex;
  link->mtu = info.mtu;
  if (!info.up)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "interface is down");
      return FALSE;
    }
  addresses = tttd_netlink_addr_list (client->netlink, info.ifindex, error);
  if (addresses == NULL)
    return FALSE;
  for (guint n = 0; n < client->config->servers->len; n++)
    {
      guint i = (client->failover.current + n) % client->config->servers->len;
      const TttdSockaddr *endpoint = &g_array_index (client->config->servers, TttdSockaddr, i);
      for (guint j = 0; j < addresses->len; j++)
        {
          const TttdPrefix *prefix = &g_array_index (addresses, TttdPrefix, j);
          if (prefix->family != endpoint->sa.sa_family)
            continue;
          memset (local, 0, sizeof *local);
          local->sa.sa_family = prefix->family;
          if (prefix->family == AF_INET)
            memcpy (&local->in4.sin_addr, prefix->addr, 4);
          else
            memcpy (&local->in6.sin6_addr, prefix->addr, 16);
          *server = *endpoint;
          return TRUE;
        }
    }
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "no address of the server's address family");
  return FALSE;
}

static gboolean
bind_link (TttdClient *client, TttdClientLink *link, GError **error)
{
  TttdSockaddr server, local;
  int fd;

  if (!choose_endpoint (client, link, &server, &local, error))
    return FALSE;
  fd = tttd_udp_open (local.sa.sa_family, link->name, &local, TTTD_FWMARK | (link->id + 1), error);
  if (fd < 0)
    return FALSE;
  tttd_client_unbind_link (client, link);
  link->fd = fd;
  route_link (client, link, local.sa.sa_family);
  tttd_udp_local (fd, &link->local);
  tttd_tx_queue_init (&link->queue, fd, tttd_engine_release_buffer, client->engine);
  (void) tttd_udp_enable_gro (fd);
  link->watch = tttd_watch_new (fd, "tttd link socket", on_link_readable, link);
  tttd_peer_path_set (client->peer, link->id, &link->queue, &server, link->metered);
  tttd_client_link_update (client, link);
  g_clear_pointer (&link->why_unusable, g_free);
  tttd_client_update_mtu (client);
  return TRUE;
}

static gboolean
same_binding (TttdClient *client, TttdClientLink *link)
{
  TttdSockaddr server, local;
  TttdPathInfo path;

  if (link->fd < 0 || !choose_endpoint (client, link, &server, &local, NULL))
    return FALSE;
  local.in4.sin_port = link->local.in4.sin_port; /* same offset for both families */
  tttd_peer_path_info (client->peer, link->id, &path);
  return tttd_sockaddr_equal (&local, &link->local) && tttd_sockaddr_equal (&server, &path.remote);
}

void
tttd_client_rebind_link (TttdClient *client, TttdClientLink *link)
{
  g_autoptr (GError) error = NULL;
  gboolean was_usable = link->fd >= 0;
  g_autofree char *old = was_usable ? tttd_sockaddr_to_string (&link->local) : NULL;

  if (same_binding (client, link))
    return;
  if (bind_link (client, link, &error))
    {
      g_autofree char *now = tttd_sockaddr_to_string (&link->local);
      if (was_usable)
        tttd_log_message (link->name, "rebound", "link %s rebound from %s to %s", link->name, old, now);
      else
        tttd_log_message (link->name, "joined", "link %s usable from %s", link->name, now);
      /* a new way out: if we have no session yet, try it at once */
      client->handshake_attempts = 0;
      tttd_timer_schedule (client->timer, g_get_monotonic_time ());
      return;
    }
  if (was_usable)
    {
      tttd_client_unbind_link (client, link);
      tttd_log_message (link->name, "unusable", "link %s unusable: %s", link->name, error->message);
    }
  else if (g_strcmp0 (link->why_unusable, error->message) != 0)
    tttd_log_info (link->name, "unusable", "link %s not usable yet: %s", link->name, error->message);
  set_unusable (link, error->message);
}

void
tttd_client_move_endpoint (TttdClient *client, guint from)
{
  const GArray *servers = client->config->servers;
  g_autofree char *old = tttd_sockaddr_to_string (&g_array_index (servers, TttdSockaddr, from));
  g_autofree char *now = tttd_sockaddr_to_string (&g_array_index (servers, TttdSockaddr, client->failover.current));

  tttd_log_message (NULL, "failover", "server %s does not answer; trying %s", old, now);
  /* the sockets stay: they are bound to the links, not to the server */
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = client->links[i];
      gint e;
      if (link == NULL || link->fd < 0)
        continue;
      e = tttd_failover_pick ((const TttdSockaddr *) (gpointer) servers->data, servers->len, client->failover.current,
                              link->local.sa.sa_family);
      if (e >= 0)
        tttd_peer_path_set (client->peer, link->id, &link->queue, &g_array_index (servers, TttdSockaddr, e),
                            link->metered);
    }
}

void
tttd_client_link_update (TttdClient *client, TttdClientLink *link)
{
  tttd_peer_path_configure (client->peer, link->id, link->weight, link->priority, link->metered, link->enabled);
}

void
tttd_client_link_set_gateway (TttdClient *client, TttdClientLink *link, gboolean has_gateway, guint8 family,
                              const guint8 gateway[16])
{
  if (link->has_gateway == has_gateway &&
      (!has_gateway || (link->gateway_family == family && memcmp (link->gateway, gateway, 16) == 0)))
    return;
  link->has_gateway = has_gateway;
  link->gateway_family = family;
  memcpy (link->gateway, gateway, 16);
  if (link->fd >= 0)
    route_link (client, link, link->local.sa.sa_family);
}

TttdClientLink *
tttd_client_add_link (TttdClient *client, const char *ifname, TttdLinkSource source, const TttdLinkConfig *settings,
                      GError **error)
{
  TttdClientLink *link;
  guint id;

  if (tttd_client_find_link (client, ifname) != NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_EXISTS, "%s is bonded already", ifname);
      return NULL;
    }
  if (g_strcmp0 (ifname, client->tun_name) == 0)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT, "%s is tttd's own tunnel device", ifname);
      return NULL;
    }
  for (id = 0; id < TTTD_SCHED_MAX_LINKS && client->links[id] != NULL; id++)
    ;
  if (id == TTTD_SCHED_MAX_LINKS)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "already %u links, the most tttd bonds", TTTD_SCHED_MAX_LINKS);
      return NULL;
    }
  link = g_new0 (TttdClientLink, 1);
  link->client = client;
  link->id = id;
  link->name = g_strdup (ifname);
  link->source = source;
  link->fd = -1;
  link->weight = settings->weight;
  link->priority = settings->priority;
  link->metered = settings->metered;
  link->enabled = settings->enabled;
  client->links[id] = link;
  tttd_log_message (ifname, "added", "link %s added (from %s)", ifname, tttd_link_source_to_string (source));
  tttd_client_rebind_link (client, link);
  TTTD_EMIT (client->listeners, link_added, link);
  return link;
}

void
tttd_client_link_free (TttdClientLink *link)
{
  g_free (link->name);
  g_free (link->why_unusable);
  g_free (link);
}

gboolean
tttd_client_remove_link (TttdClient *client, TttdClientLink *link)
{
  g_return_val_if_fail (client->links[link->id] == link, FALSE);
  TTTD_EMIT (client->listeners, link_removed, link);
  tttd_client_unbind_link (client, link);
  client->links[link->id] = NULL;
  tttd_log_message (link->name, "dropped", "link %s dropped", link->name);
  tttd_client_link_free (link);
  tttd_client_update_mtu (client);
  return TRUE;
}

static TttdClientLink *
link_by_ifindex (TttdClient *client, int ifindex, const char *ifname)
{
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = client->links[i];
      if (link != NULL &&
          ((ifindex > 0 && link->ifindex == ifindex) || (ifname != NULL && g_strcmp0 (link->name, ifname) == 0)))
        return link;
    }
  return NULL;
}

static gboolean
on_rebind (gpointer user_data)
{
  TttdClient *client = user_data;

  client->rebind_id = 0;
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = client->links[i];
      if (link != NULL && link->rebind_pending)
        {
          link->rebind_pending = FALSE;
          tttd_client_rebind_link (client, link);
        }
    }
  return G_SOURCE_REMOVE;
}

void
tttd_client_on_netlink (TttdNetlinkEvent event, int ifindex, const char *ifname, gpointer user_data)
{
  TttdClient *client = user_data;
  TttdClientLink *link = link_by_ifindex (client, ifindex, ifname);

  if (link == NULL)
    return;
  if (event == TTTD_NETLINK_LINK_REMOVED)
    {
      if (link->fd >= 0)
        {
          tttd_client_unbind_link (client, link);
          tttd_log_message (link->name, "unusable", "link %s unusable: the interface is gone", link->name);
        }
      set_unusable (link, "the interface is gone");
      link->ifindex = 0;
      return;
    }
  /* an address change comes as a burst (old one gone, new one there):
   * look once it has settled, so the socket moves in one step */
  link->rebind_pending = TRUE;
  if (client->rebind_id == 0)
    client->rebind_id = g_timeout_add (REBIND_SETTLE_MS, on_rebind, client);
}

static guint
auto_mtu (TttdClient *client)
{
  guint mtu = 0;

  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = client->links[i];
      guint overhead;
      if (link == NULL || link->fd < 0 || link->mtu < 576)
        continue;
      overhead = TTTD_OVERHEAD + (link->local.sa.sa_family == AF_INET6 ? TTTD_UDP6_OVERHEAD : TTTD_UDP4_OVERHEAD);
      mtu = mtu == 0 ? link->mtu - overhead : MIN (mtu, link->mtu - overhead);
    }
  if (mtu == 0)
    mtu = 1500 - TTTD_OVERHEAD - TTTD_UDP4_OVERHEAD;
  /* no buffer holds more than the engine's; below 1280 the kernel turns
   * IPv6 off on the tunnel, which is the price of links that small */
  return CLAMP (mtu, 576u, tttd_engine_max_mtu (client->engine));
}

void
tttd_client_update_mtu (TttdClient *client)
{
  g_autoptr (GError) error = NULL;
  guint mtu;

  if (client->engine == NULL)
    return;
  mtu = client->config->mtu != 0 ? client->config->mtu : auto_mtu (client);
  if (mtu == client->mtu || !client->system)
    return;
  if (!tttd_netlink_link_set (client->netlink, client->tun_ifindex, mtu, TRUE, &error))
    {
      tttd_log_warning (NULL, "mtu", "cannot set the tunnel MTU to %u: %s", mtu, error->message);
      return;
    }
  if (client->mtu != 0)
    tttd_log_message (NULL, "mtu", "tunnel MTU now %u (was %u)%s", mtu, client->mtu,
                      mtu < 1280 ? "; below 1280, IPv6 in the tunnel is off" : "");
  client->mtu = mtu;
  tttd_engine_set_mtu (client->engine, mtu);
  if (client->routing != NULL && !tttd_routing_apply (client->routing, mtu, &error))
    tttd_log_warning (NULL, "firewall", "%s", error->message);
}

/* lookups: by id, by name, by the socket a datagram came in on */
TttdClientLink *
tttd_client_get_link (TttdClient *client, guint id)
{
  return id < TTTD_SCHED_MAX_LINKS ? client->links[id] : NULL;
}

TttdClientLink *
tttd_client_find_link (TttdClient *client, const char *ifname)
{
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    if (client->links[i] != NULL && g_strcmp0 (client->links[i]->name, ifname) == 0)
      return client->links[i];
  return NULL;
}

TttdLinkState
tttd_client_link_state (TttdClient *client, TttdClientLink *link)
{
  TttdLinkState state;

  if (link->fd < 0)
    return TTTD_LINK_DOWN;
  state = tttd_peer_path_state (client->peer, link->id);
  /* healthy but not used: disabled, or a backup the strategy holds back */
  if ((state == TTTD_LINK_UP || state == TTTD_LINK_DEGRADED) &&
      (!link->enabled || (client->peer->sched->strategy == TTTD_STRATEGY_ACTIVE_BACKUP &&
                          client->peer->sched->active >= 0 && client->peer->sched->active != (gint) link->id)))
    return TTTD_LINK_STANDBY;
  return state;
}

gint
tttd_client_link_of_queue (gpointer data, TttdTxQueue *queue)
{
  TttdClientLink *link = (TttdClientLink *) ((guint8 *) queue - G_STRUCT_OFFSET (TttdClientLink, queue));

  return (gint) link->id;
}
