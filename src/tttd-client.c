/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#define G_LOG_DOMAIN "tttd-client"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "tttd-client.h"
#include "tttd-error.h"
#include "tttd-log.h"
#include "tttd-names.h"
#include "tttd-netlink.h"
#include "tttd-timer.h"
#include "tttd-tun.h"

#define HANDSHAKE_RETRY_US     G_USEC_PER_SEC
#define HANDSHAKE_RETRY_MAX_US (8 * G_USEC_PER_SEC)

struct _TttdClient {
  const TttdConfig       *config;
  TttdIdentity           *identity;
  TttdNetlink            *netlink;
  TttdNetlinkMonitor     *monitor;
  int                     tun_fd;
  char                   *tun_name;
  int                     tun_ifindex;
  GSource                *tun_watch;
  TttdEngine             *engine;
  TttdPeer               *peer;
  GSource                *timer;
  TttdClientLink         *links[TTTD_SCHED_MAX_LINKS];
  const TttdClientEvents *events;
  gpointer                events_data;

  /* the handshake in progress */
  gint64                  handshake_sent_us;
  guint                   handshake_attempts;
  guint                   handshake_link;
  guint64                 last_timestamp;
  guint64                 bad_responses;

  /* tunnel addresses the server assigned */
  TttdPrefix              assigned[TTTD_RESPONSE_ADDRESSES];
  guint                   n_assigned;
};

const char *
tttd_link_source_to_string (TttdLinkSource source)
{
  switch (source)
    {
    case TTTD_LINK_SOURCE_CONFIG: return "config";
    case TTTD_LINK_SOURCE_NETWORKMANAGER: return "networkmanager";
    case TTTD_LINK_SOURCE_DBUS: return "dbus";
    default: return "unknown";
    }
}

void
tttd_client_set_config (TttdClient *client, const TttdConfig *config)
{
  client->config = config;
}

const char *
tttd_client_tun_name (TttdClient *client)
{
  return client->tun_name;
}

TttdPeer *
tttd_client_peer (TttdClient *client)
{
  return client->peer;
}

TttdEngine *
tttd_client_engine (TttdClient *client)
{
  return client->engine;
}

gboolean
tttd_client_connected (TttdClient *client)
{
  return tttd_keyring_sender (&client->peer->keyring, g_get_monotonic_time ()) != NULL;
}

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
      (!link->enabled ||
       (client->peer->sched.strategy == TTTD_STRATEGY_ACTIVE_BACKUP &&
        client->peer->sched.active >= 0 && client->peer->sched.active != (gint) link->id)))
    return TTTD_LINK_STANDBY;
  return state;
}

static gint64 on_timer (gpointer user_data, gint64 now_us);

static void
schedule (gpointer data, gint64 at_us)
{
  TttdClient *client = data;

  tttd_timer_schedule (client->timer, at_us);
}

/* engine callbacks */

static TttdPeer *
route (gpointer data, const TttdIpInfo *ip)
{
  TttdClient *client = data;

  return client->peer;
}

static gint
link_of_queue (gpointer data, TttdTxQueue *queue)
{
  TttdClientLink *link = (TttdClientLink *) ((guint8 *) queue - G_STRUCT_OFFSET (TttdClientLink, queue));

  return (gint) link->id;
}

static void
apply_addresses (TttdClient *client, const TttdResponsePayload *response)
{
  g_autoptr(GError) error = NULL;

  /* addresses from the configuration win over the server's */
  if (client->config->addresses->len > 0)
    return;
  for (guint i = 0; i < client->n_assigned; i++)
    {
      gboolean kept = FALSE;
      for (guint j = 0; j < response->n_addresses; j++)
        kept |= tttd_prefix_equal (&client->assigned[i], &response->addresses[j]);
      if (!kept)
        (void) tttd_netlink_addr_del (client->netlink, client->tun_ifindex, &client->assigned[i], NULL);
    }
  client->n_assigned = response->n_addresses;
  for (guint i = 0; i < response->n_addresses; i++)
    {
      g_autofree char *text = tttd_prefix_to_string (&response->addresses[i]);
      client->assigned[i] = response->addresses[i];
      if (!tttd_netlink_addr_add (client->netlink, client->tun_ifindex, &response->addresses[i], &error))
        {
          tttd_log_warning (NULL, "address", "cannot set the tunnel address %s the server assigned: %s",
                            text, error->message);
          g_clear_error (&error);
        }
      else
        tttd_log_info (NULL, "address", "tunnel address %s assigned by the server", text);
    }
}

static void
on_handshake (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from, guint8 *msg, gsize len)
{
  TttdClient *client = data;
  TttdPeer *peer = client->peer;
  TttdResponsePayload response;
  TttdSessionKeys keys;
  TttdHandshakeResult result;
  TttdKeypair *keypair;
  gint64 now = g_get_monotonic_time ();
  gboolean first;

  if (msg[1] != TTTD_MSG_RESPONSE)
    return;
  result = tttd_handshake_consume_response (peer->handshake, client->identity, msg, len, &response, &keys);
  if (result != TTTD_HANDSHAKE_OK)
    {
      client->bad_responses++;
      return;
    }
  if ((tttd_cipher_local_mask () & (1u << response.cipher)) == 0)
    {
      client->bad_responses++;
      sodium_memzero (&keys, sizeof keys);
      tttd_handshake_clear (peer->handshake);
      return;
    }
  first = tttd_keyring_sender (&peer->keyring, now) == NULL;
  keypair = tttd_keypair_new (&keys, response.cipher, peer->handshake->local_index,
                              peer->handshake->remote_index, TRUE, now);
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (peer->handshake);
  tttd_peer_install (peer, keypair, (response.flags & TTTD_HANDSHAKE_FRESH) != 0);
  peer->fresh = FALSE;
  client->handshake_attempts = 0;
  apply_addresses (client, &response);
  if (first)
    tttd_log_message (NULL, "connected", "session with the server established (%s)",
                      tttd_cipher_to_string (response.cipher));
  else
    tttd_log_debug ("session keys renewed");
  if (client->events->session_changed != NULL)
    client->events->session_changed (client->events_data);
  /* probe every link at once: the server learns the paths, we their health */
  tttd_timer_schedule (client->timer, now);
}

static const TttdEngineOps engine_ops = {
  .handshake = on_handshake,
  .route = route,
  .link_of_queue = link_of_queue,
  .schedule = schedule,
};

static gboolean
on_link_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  TttdClientLink *link = user_data;

  tttd_engine_socket_readable (link->client->engine, &link->queue);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_tun_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  TttdClient *client = user_data;

  tttd_engine_tun_readable (client->engine);
  return G_SOURCE_CONTINUE;
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
  g_autoptr(GError) error = NULL;
  guint8 gateway[16] = { 0 };
  gboolean has_gateway;

  unroute_link (client, link);
  if (link->has_gateway && link->gateway_family == family)
    {
      memcpy (gateway, link->gateway, 16);
      has_gateway = TRUE;
    }
  else
    has_gateway = tttd_netlink_default_gateway (client->netlink, (guint8) family, link->ifindex, gateway);
  if (!has_gateway)
    return;   /* on-link only, or point-to-point: the device route does */
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
      tttd_log_warning (link->name, "route", "cannot route link %s through its gateway: %s",
                        link->name, error->message);
      (void) tttd_netlink_route_del (client->netlink, &link->route, NULL);
      return;
    }
  link->routed = TRUE;
}

static void
unbind_link (TttdClient *client, TttdClientLink *link)
{
  unroute_link (client, link);
  if (link->watch != NULL)
    {
      g_source_destroy (link->watch);
      g_clear_pointer (&link->watch, g_source_unref);
    }
  if (link->fd >= 0)
    {
      tttd_peer_path_remove (client->peer, link->id);
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
 * first endpoint (in configuration order) of a family the link has */
static gboolean
choose_endpoint (TttdClient *client, TttdClientLink *link, TttdSockaddr *server,
                 TttdSockaddr *local, GError **error)
{
  TttdLinkInfo info;
  g_autoptr(GArray) addresses = NULL;

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
  for (guint i = 0; i < client->config->servers->len; i++)
    {
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
  g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED,
               "no address of the server's address family");
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
  unbind_link (client, link);
  link->fd = fd;
  route_link (client, link, local.sa.sa_family);
  tttd_udp_local (fd, &link->local);
  tttd_tx_queue_init (&link->queue, fd, tttd_engine_release_buffer, client->engine);
  link->watch = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_callback (link->watch, (GSourceFunc) (void (*) (void)) on_link_readable, link, NULL);
  g_source_set_priority (link->watch, G_PRIORITY_DEFAULT);
  g_source_set_static_name (link->watch, "tttd link socket");
  g_source_attach (link->watch, NULL);
  tttd_peer_path_set (client->peer, link->id, &link->queue, &server, link->metered);
  tttd_client_link_update (client, link);
  g_clear_pointer (&link->why_unusable, g_free);
  return TRUE;
}

static gboolean
same_binding (TttdClient *client, TttdClientLink *link)
{
  TttdSockaddr server, local;

  if (link->fd < 0 || !choose_endpoint (client, link, &server, &local, NULL))
    return FALSE;
  local.in4.sin_port = link->local.in4.sin_port;   /* same offset for both families */
  return tttd_sockaddr_equal (&local, &link->local) &&
         tttd_sockaddr_equal (&server, &client->peer->paths[link->id].remote);
}

void
tttd_client_rebind_link (TttdClient *client, TttdClientLink *link)
{
  g_autoptr(GError) error = NULL;
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
      unbind_link (client, link);
      tttd_log_message (link->name, "unusable", "link %s unusable: %s", link->name, error->message);
    }
  else if (g_strcmp0 (link->why_unusable, error->message) != 0)
    tttd_log_info (link->name, "unusable", "link %s not usable yet: %s", link->name, error->message);
  set_unusable (link, error->message);
}

void
tttd_client_link_update (TttdClient *client, TttdClientLink *link)
{
  TttdSchedLink *sl = &client->peer->sched.links[link->id];

  client->peer->paths[link->id].metered = link->metered;
  if (!sl->present)
    return;
  sl->weight = link->weight;
  sl->priority = link->priority;
  sl->metered = link->metered;
  sl->enabled = link->enabled;
  if (client->peer->sched.active == (gint) link->id && !link->enabled)
    client->peer->sched.active = -1;
}

void
tttd_client_link_set_gateway (TttdClient *client, TttdClientLink *link,
                              gboolean has_gateway, guint8 family, const guint8 gateway[16])
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
tttd_client_add_link (TttdClient *client, const char *ifname, TttdLinkSource source,
                      const TttdLinkConfig *settings, GError **error)
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
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_INVALID_ARGUMENT,
                   "%s is tttd's own tunnel device", ifname);
      return NULL;
    }
  for (id = 0; id < TTTD_SCHED_MAX_LINKS && client->links[id] != NULL; id++)
    ;
  if (id == TTTD_SCHED_MAX_LINKS)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_FAILED, "already %u links, the most tttd bonds",
                   TTTD_SCHED_MAX_LINKS);
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
  if (client->events->link_added != NULL)
    client->events->link_added (client->events_data, link);
  return link;
}

static void
link_free (TttdClientLink *link)
{
  g_free (link->name);
  g_free (link->why_unusable);
  g_free (link);
}

gboolean
tttd_client_remove_link (TttdClient *client, TttdClientLink *link)
{
  g_return_val_if_fail (client->links[link->id] == link, FALSE);
  if (client->events->link_removed != NULL)
    client->events->link_removed (client->events_data, link);
  unbind_link (client, link);
  client->links[link->id] = NULL;
  tttd_log_message (link->name, "dropped", "link %s dropped", link->name);
  link_free (link);
  return TRUE;
}

void
tttd_client_set_strategy (TttdClient *client, TttdStrategy strategy)
{
  tttd_scheduler_set_strategy (&client->peer->sched, strategy);
}

static TttdClientLink *
link_by_ifindex (TttdClient *client, int ifindex, const char *ifname)
{
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = client->links[i];
      if (link != NULL && ((ifindex > 0 && link->ifindex == ifindex) ||
                           (ifname != NULL && g_strcmp0 (link->name, ifname) == 0)))
        return link;
    }
  return NULL;
}

static void
on_netlink (TttdNetlinkEvent event, int ifindex, const char *ifname, gpointer user_data)
{
  TttdClient *client = user_data;
  TttdClientLink *link = link_by_ifindex (client, ifindex, ifname);

  if (link == NULL)
    return;
  if (event == TTTD_NETLINK_LINK_REMOVED)
    {
      if (link->fd >= 0)
        {
          unbind_link (client, link);
          tttd_log_message (link->name, "unusable", "link %s unusable: the interface is gone", link->name);
        }
      set_unusable (link, "the interface is gone");
      link->ifindex = 0;
      return;
    }
  tttd_client_rebind_link (client, link);
}

static TttdClientLink *
next_handshake_link (TttdClient *client)
{
  for (guint n = 0; n < TTTD_SCHED_MAX_LINKS; n++)
    {
      guint id = (client->handshake_link + n) % TTTD_SCHED_MAX_LINKS;
      TttdClientLink *link = client->links[id];
      if (link != NULL && link->fd >= 0)
        {
          client->handshake_link = id + 1;
          return link;
        }
    }
  return NULL;
}

static void
send_initiation (TttdClient *client, gint64 now)
{
  TttdPeer *peer = client->peer;
  TttdClientLink *link = next_handshake_link (client);
  guint8 msg[TTTD_INITIATION_LEN];
  TttdInitPayload payload;

  if (link == NULL)
    return;
  /* strictly increasing, even if the wall clock steps back a little */
  client->last_timestamp = MAX ((guint64) g_get_real_time (), client->last_timestamp + 1);
  payload.timestamp_us = client->last_timestamp;
  payload.link = (guint16) link->id;
  payload.ciphers = tttd_cipher_local_mask ();
  payload.flags = peer->fresh ? TTTD_HANDSHAKE_FRESH : 0;
  if (tttd_handshake_create_initiation (peer->handshake, client->identity,
                                        client->config->server_public_key,
                                        tttd_engine_new_index (client->engine),
                                        &payload, now, msg) != TTTD_HANDSHAKE_OK)
    {
      tttd_log_warning (NULL, "handshake", "the server's public key is not usable");
      return;
    }
  tttd_engine_send_raw (client->engine, &link->queue, &peer->paths[link->id].remote, msg, sizeof msg);
  tttd_engine_flush (client->engine);
  client->handshake_sent_us = now;
  client->handshake_attempts++;
  if (client->handshake_attempts == 4)
    tttd_log_message (NULL, "handshake", "no answer from the server yet; still trying");
}

/* when to try again: quickly at first, then backing off, with jitter so that
 * many clients do not retry in step */
static gint64
retry_after (TttdClient *client)
{
  gint64 delay = HANDSHAKE_RETRY_US << MIN (client->handshake_attempts > 0 ? client->handshake_attempts - 1 : 0, 3u);

  return MIN (delay, HANDSHAKE_RETRY_MAX_US) + (gint64) randombytes_uniform (250000);
}

static gint64
on_timer (gpointer user_data, gint64 now_us)
{
  TttdClient *client = user_data;
  TttdPeer *peer = client->peer;
  gint64 next = now_us + G_USEC_PER_SEC;
  gboolean pending = peer->handshake->pending;

  if (tttd_keyring_needs_rekey (&peer->keyring, now_us))
    {
      gint64 due = client->handshake_sent_us + retry_after (client);
      if (!pending || now_us >= due)
        {
          send_initiation (client, now_us);
          due = now_us + retry_after (client);
        }
      next = MIN (next, due);
    }
  if (tttd_keyring_sender (&peer->keyring, now_us) != NULL)
    next = MIN (next, tttd_peer_tick (peer, TRUE, now_us));
  tttd_engine_expire_reorder (client->engine, now_us);
  return next;
}

static guint
auto_mtu (const TttdConfig *config, TttdNetlink *netlink)
{
  guint overhead = TTTD_OVERHEAD + TTTD_UDP4_OVERHEAD;
  guint link_mtu = 1500;

  for (guint i = 0; i < config->servers->len; i++)
    if (g_array_index (config->servers, TttdSockaddr, i).sa.sa_family == AF_INET6)
      overhead = TTTD_OVERHEAD + TTTD_UDP6_OVERHEAD;
  for (guint i = 0; config->static_links[i] != NULL; i++)
    {
      TttdLinkInfo info;
      if (tttd_netlink_link_get (netlink, config->static_links[i], &info, NULL) && info.mtu >= 576)
        link_mtu = MIN (link_mtu, info.mtu);
    }
  return link_mtu - overhead;
}

TttdClient *
tttd_client_new (const TttdConfig *config, const guint8 private_key[32],
                 const TttdClientEvents *events, gpointer events_data, GError **error)
{
  g_autoptr(TttdClient) client = g_new0 (TttdClient, 1);
  TttdHealthParams health;
  TttdLinkInfo info;
  guint mtu;

  client->config = config;
  client->events = events;
  client->events_data = events_data;
  client->tun_fd = -1;
  client->identity = tttd_identity_new (private_key);
  if (client->identity == NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY, "the private key is not usable");
      return NULL;
    }
  client->netlink = tttd_netlink_new (error);
  if (client->netlink == NULL)
    return NULL;
  client->tun_fd = tttd_tun_open (config->tun, &client->tun_name, error);
  if (client->tun_fd < 0)
    return NULL;
  if (!tttd_netlink_link_get (client->netlink, client->tun_name, &info, error))
    return NULL;
  client->tun_ifindex = info.ifindex;
  /* what a killed tttd left behind goes first */
  if (tttd_netlink_flush_ours (client->netlink, NULL) > 0)
    tttd_log_message (NULL, "cleanup", "removed routes and rules an earlier tttd left behind");
  mtu = config->mtu != 0 ? config->mtu : auto_mtu (config, client->netlink);
  for (guint i = 0; i < config->addresses->len; i++)
    if (!tttd_netlink_addr_add (client->netlink, client->tun_ifindex,
                                &g_array_index (config->addresses, TttdPrefix, i), error))
      return NULL;
  if (!tttd_netlink_link_set (client->netlink, client->tun_ifindex, mtu, TRUE, error))
    return NULL;

  tttd_health_params_default (&health, config->probe_interval_ms);
  client->engine = tttd_engine_new (client->tun_fd, mtu, &health, &engine_ops, client);
  client->peer = tttd_peer_new (client->engine, "server", config->strategy,
                                (gint64) config->rekey_after_seconds * G_USEC_PER_SEC);
  client->timer = tttd_timer_new ("tttd client timer", on_timer, client);
  client->tun_watch = g_unix_fd_source_new (client->tun_fd, G_IO_IN);
  g_source_set_callback (client->tun_watch, (GSourceFunc) (void (*) (void)) on_tun_readable, client, NULL);
  g_source_set_static_name (client->tun_watch, "tttd tun");
  g_source_attach (client->tun_watch, NULL);
  client->monitor = tttd_netlink_monitor_new (on_netlink, client, error);
  if (client->monitor == NULL)
    return NULL;
  tttd_log_message (NULL, "started", "client on %s, MTU %u, strategy %s", client->tun_name, mtu,
                    tttd_strategy_to_string (config->strategy));
  for (guint i = 0; config->static_links[i] != NULL; i++)
    {
      TttdLinkConfig settings = tttd_config_link_settings (config, config->static_links[i]);
      g_autoptr(GError) local = NULL;
      if (tttd_client_add_link (client, config->static_links[i], TTTD_LINK_SOURCE_CONFIG,
                                &settings, &local) == NULL)
        tttd_log_warning (config->static_links[i], "add", "cannot bond %s: %s",
                          config->static_links[i], local->message);
    }
  tttd_timer_schedule (client->timer, g_get_monotonic_time ());
  return g_steal_pointer (&client);
}

void
tttd_client_free (TttdClient *client)
{
  if (client == NULL)
    return;
  if (client->peer != NULL)
    tttd_peer_close (client->peer);
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    if (client->links[i] != NULL)
      {
        unbind_link (client, client->links[i]);
        link_free (client->links[i]);
      }
  g_clear_pointer (&client->monitor, tttd_netlink_monitor_free);
  g_clear_pointer (&client->timer, tttd_timer_destroy);
  if (client->tun_watch != NULL)
    {
      g_source_destroy (client->tun_watch);
      g_clear_pointer (&client->tun_watch, g_source_unref);
    }
  g_clear_pointer (&client->peer, tttd_peer_free);
  g_clear_pointer (&client->engine, tttd_engine_free);
  /* the kernel removes the device, and its addresses and routes, with it */
  if (client->tun_fd >= 0)
    close (client->tun_fd);
  if (client->netlink != NULL)
    (void) tttd_netlink_flush_ours (client->netlink, NULL);
  g_clear_pointer (&client->netlink, tttd_netlink_free);
  g_clear_pointer (&client->identity, tttd_identity_free);
  g_free (client->tun_name);
  g_free (client);
}
