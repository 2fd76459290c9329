/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the client role: TUN device, handshakes and rekeying, assigned addresses */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "tttd-client-private.h"
#include "tttd-backoff.h"
#include "tttd-error.h"
#include "tttd-liveness.h"
#include "tttd-log.h"
#include "tttd-names.h"
#include "tttd-netlink.h"
#include "tttd-routing.h"
#include "tttd-timer.h"
#include "tttd-tun.h"

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
  if (memcmp (config->server_public_key, client->config->server_public_key, 32) != 0)
    tttd_cookie_jar_init (&client->cookies, config->server_public_key);
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

guint
tttd_client_tunnel_addresses (TttdClient *client, const TttdPrefix **out)
{
  if (client->config->addresses->len > 0)
    {
      *out = (const TttdPrefix *) (gpointer) client->config->addresses->data;
      return client->config->addresses->len;
    }
  *out = client->assigned;
  return client->n_assigned;
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

static void
apply_addresses (TttdClient *client, const TttdResponsePayload *response)
{
  g_autoptr (GError) error = NULL;
  gboolean same = response->n_addresses == client->n_assigned;

  /* addresses from the configuration win over the server's */
  if (client->config->addresses->len > 0 || !client->system)
    return;
  for (guint i = 0; same && i < client->n_assigned; i++)
    same = tttd_prefix_equal (&client->assigned[i], &response->addresses[i]);
  if (same)
    return;
  for (guint i = 0; i < client->n_assigned; i++)
    (void) tttd_netlink_addr_del (client->netlink, client->tun_ifindex, &client->assigned[i], NULL);
  client->n_assigned = response->n_addresses;
  for (guint i = 0; i < response->n_addresses; i++)
    {
      g_autofree char *text = tttd_prefix_to_string (&response->addresses[i]);
      client->assigned[i] = response->addresses[i];
      if (!tttd_netlink_addr_add_no_route (client->netlink, client->tun_ifindex, &response->addresses[i], &error))
        {
          tttd_log_warning (NULL, "address", "cannot set the tunnel address %s the server assigned: %s", text,
                            error->message);
          g_clear_error (&error);
        }
      else
        tttd_log_message (NULL, "address", "tunnel address %s assigned by the server", text);
    }
}

/* the server's addresses become ours only as host addresses, or inside a
 * range the configuration sends into the tunnel anyway: a hostile server
 * must not take over routes (they come without a prefix route, too) */
static gboolean
acceptable_addresses (TttdClient *client, const TttdResponsePayload *response)
{
  const GArray *routes = client->config->routes;

  if (client->config->addresses->len > 0)
    return TRUE; /* ignored: ours win */
  for (guint i = 0; i < response->n_addresses; i++)
    {
      g_autoptr (GError) error = NULL;
      if (!tttd_prefix_assignable (&response->addresses[i], (const TttdPrefix *) (gpointer) routes->data, routes->len,
                                   &error))
        {
          tttd_log_warning (NULL, "address", "refusing the session: %s", error->message);
          return FALSE;
        }
    }
  return TRUE;
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

  if (msg[1] == TTTD_MSG_COOKIE_REPLY)
    {
      /* the server is under load: the next initiation (after the usual
       * backoff) carries mac2 and proves our address */
      if (tttd_cookie_reply_consume (&client->cookies, peer->handshake, msg, len, now) == TTTD_HANDSHAKE_OK)
        tttd_log_info (NULL, "handshake", "the server is under load and sent a cookie; retrying with it");
      else
        client->bad_responses++;
      return;
    }
  if (msg[1] != TTTD_MSG_RESPONSE)
    return;
  result = tttd_handshake_consume_response (peer->handshake, client->identity, msg, len, &response, &keys);
  if (result != TTTD_HANDSHAKE_OK)
    {
      client->bad_responses++;
      return;
    }
  if (!acceptable_addresses (client, &response))
    {
      client->bad_responses++;
      sodium_memzero (&keys, sizeof keys);
      tttd_handshake_clear (peer->handshake);
      return;
    }
  first = tttd_keyring_sender (&peer->keyring, now) == NULL;
  keypair =
    tttd_keypair_new (&keys, response.cipher, peer->handshake->local_index, peer->handshake->remote_index, TRUE, now);
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (peer->handshake);
  peer->csum_partial = (response.flags & TTTD_HANDSHAKE_CSUM_PARTIAL) != 0;
  tttd_engine_install_keys (peer, keypair, (response.flags & TTTD_HANDSHAKE_FRESH) != 0);
  peer->fresh = FALSE;
  client->handshake_attempts = 0;
  tttd_failover_answered (&client->failover);
  /* after a dead session the links start over as new ones: one answer
   * brings each up, where a link found down needs a run of them */
  if (client->dead)
    for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
      if (peer->paths[i].present)
        tttd_health_init (&peer->paths[i].health, now);
  client->dead = FALSE;
  apply_addresses (client, &response);
  if (first)
    tttd_log_message (NULL, "connected", "session with the server established (%s)",
                      tttd_cipher_to_string (response.cipher));
  else
    tttd_log_info (NULL, "rekey", "session keys renewed");
  TTTD_EMIT (client->listeners, state_changed);
  /* probe every link at once: the server learns the paths, we their health */
  tttd_timer_schedule (client->timer, now);
}

static void
on_path_state (gpointer data, TttdPeer *peer, guint id, TttdLinkState old_state, TttdLinkState new_state)
{
  TttdClient *client = data;
  TttdClientLink *link = client->links[id];
  TttdHealth *health = &peer->paths[id].health;

  if (link == NULL)
    return;
  if (new_state == TTTD_LINK_DOWN)
    {
      tttd_log_message (link->name, "down", "link %s is down: no answer for %" G_GINT64_FORMAT " ms", link->name,
                        (tttd_engine_now (client->engine) - health->last_rx_us) / 1000);
      /* the last link down makes the session dead: tell at once, not at
       * the next probe of a down link (seconds away), so that a handshake
       * (and a failover to the next server) starts now */
      tttd_timer_schedule (client->timer, tttd_engine_now (client->engine));
    }
  else if (new_state == TTTD_LINK_DEGRADED)
    tttd_log_message (link->name, "degraded", "link %s is degraded: %.0f%% loss", link->name,
                      tttd_health_loss (health) * 100);
  else
    tttd_log_message (link->name, tttd_link_state_to_string (new_state), "link %s is %s (was %s)", link->name,
                      tttd_link_state_to_string (new_state), tttd_link_state_to_string (old_state));
  TTTD_EMIT (client->listeners, state_changed);
}

/* the server said goodbye (it stops, or dropped us from its peers): start
 * over at once instead of waiting for probes to go unanswered */
static void
on_closed (gpointer data, TttdPeer *peer)
{
  TttdClient *client = data;

  tttd_log_message (NULL, "disconnected", "the server closed the session; connecting again");
  tttd_engine_reset_peer (peer);
  client->handshake_attempts = 0;
  client->handshake_sent_us = 0;
  TTTD_EMIT (client->listeners, state_changed);
  tttd_timer_schedule (client->timer, tttd_engine_now (client->engine));
}

static const TttdEngineOps engine_ops = {
  .path_state = on_path_state,
  .closed = on_closed,
  .handshake = on_handshake,
  .route = route,
  .link_of_queue = tttd_client_link_of_queue,
  .schedule = schedule,
};

void
tttd_client_set_strategy (TttdClient *client, TttdStrategy strategy)
{
  tttd_peer_set_strategy (client->peer, strategy);
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

/* the server in use left a dead session (or none) unanswered for a few
 * initiations: the next of the configured ones shares its keys and peers */
static void
fail_over (TttdClient *client, gint64 now)
{
  guint from = client->failover.current;
  gboolean stuck = client->dead || tttd_keyring_sender (&client->peer->keyring, now) == NULL;

  if (tttd_failover_initiation (&client->failover, stuck))
    tttd_client_move_endpoint (client, from);
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
  fail_over (client, now);
  /* strictly increasing, even if the wall clock steps back a little */
  client->last_timestamp = MAX ((guint64) g_get_real_time (), client->last_timestamp + 1);
  payload.timestamp_us = client->last_timestamp;
  payload.link = (guint16) link->id;
  payload.ciphers = tttd_cipher_local_mask () | TTTD_CAP_CSUM_PARTIAL;
  payload.flags = peer->fresh ? TTTD_HANDSHAKE_FRESH : 0;
  if (tttd_handshake_create_initiation (peer->handshake, client->identity, client->config->server_public_key,
                                        tttd_engine_new_index (client->engine), &payload, now,
                                        msg) != TTTD_HANDSHAKE_OK)
    {
      tttd_log_warning (NULL, "handshake", "the server's public key is not usable");
      return;
    }
  tttd_cookie_mac2_write (&client->cookies, msg, now);
  tttd_engine_send_raw (client->engine, &link->queue, &peer->paths[link->id].remote, msg, sizeof msg);
  tttd_engine_flush (client->engine);
  client->handshake_sent_us = now;
  client->handshake_attempts++;
  if (client->handshake_attempts == 4)
    tttd_log_message (NULL, "handshake", "no answer from the server yet; still trying");
}

/* when to try again: quickly at first (a server that systemd restarts is
 * back within about two seconds), then backing off to one initiation every
 * 8 s, with jitter so that many clients do not retry in step */
static gint64
retry_after (TttdClient *client)
{
  return tttd_backoff_retry_after (client->handshake_attempts, randombytes_random ());
}

/* a session with valid keys that the server no longer answers (it
 * restarted, or every path was dead long enough for it to forget us) needs
 * a handshake now, not when the rekey timer says so: the server sends
 * nothing to a sender it cannot authenticate. TRUE: handshake now */
static gboolean
session_dead (TttdClient *client, gint64 now_us)
{
  TttdPeer *peer = client->peer;
  const TttdHealth *paths[TTTD_SCHED_MAX_LINKS];
  TttdLiveness liveness;
  guint present = 0;

  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      paths[i] = peer->paths[i].present ? &peer->paths[i].health : NULL;
      present += paths[i] != NULL;
    }
  if (present == 0)
    {
      if (client->no_link_since_us == 0)
        client->no_link_since_us = now_us;
      return FALSE;
    }
  /* a link is back after none was there for a while: ask at once, and
   * with the backoff of a new start */
  if (client->no_link_since_us != 0)
    {
      gint64 gone = now_us - client->no_link_since_us;
      client->no_link_since_us = 0;
      if (gone >= TTTD_LIVENESS_TIMEOUT_US)
        {
          client->dead = tttd_keyring_sender (&peer->keyring, now_us) != NULL;
          if (client->dead)
            tttd_log_message (NULL, "handshake",
                              "a link is back after %" G_GINT64_FORMAT " s without any: "
                              "handshaking again",
                              gone / G_USEC_PER_SEC);
          client->handshake_attempts = 0;
          client->handshake_sent_us = 0;
          return TRUE;
        }
    }
  if (tttd_keyring_sender (&peer->keyring, now_us) == NULL)
    return FALSE;
  liveness =
    tttd_liveness_check (paths, TTTD_SCHED_MAX_LINKS, peer->last_handshake_us, TTTD_LIVENESS_TIMEOUT_US, now_us);
  if (liveness == TTTD_LIVENESS_ALIVE)
    return FALSE;
  if (!client->dead)
    {
      tttd_log_message (NULL, "handshake", "no answer from the server on any link (%s): handshaking again",
                        tttd_liveness_to_string (liveness));
      client->dead = TRUE;
      client->handshake_attempts = 0;
      client->handshake_sent_us = 0;
    }
  return TRUE;
}

static gint64
on_timer (gpointer user_data, gint64 now_us)
{
  TttdClient *client = user_data;
  TttdPeer *peer = client->peer;
  gint64 next = now_us + G_USEC_PER_SEC;
  gboolean pending = peer->handshake->pending;

  /* keys past reject-after go even while no new ones come (a silent
   * server): the tick below runs only while we can send */
  next = MIN (next, tttd_keyring_expire (&peer->keyring, now_us));
  if (session_dead (client, now_us) || tttd_keyring_needs_rekey (&peer->keyring, now_us))
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
  tttd_engine_pace (client->engine, now_us);
  return next;
}

/* the tunnel MTU: what the smallest link carries less our overhead, so
 * that tttd never has a datagram fragmented (1500 before any link is up) */
static void
on_tun_readable (gpointer user_data)
{
  TttdClient *client = user_data;

  tttd_engine_tun_readable (client->engine);
}

/* the TUN device: created, addressed, sized and up; and what an earlier,
 * killed tttd left behind removed first */
static gboolean
setup_tun (TttdClient *client, guint mtu, GError **error)
{
  const TttdConfig *config = client->config;
  TttdLinkInfo info;

  client->tun_fd = tttd_tun_open (config->tun, TRUE, &client->tun_offloads, &client->tun_name, error);
  if (client->tun_fd < 0)
    return FALSE;
  if (!tttd_netlink_link_get (client->netlink, client->tun_name, &info, error))
    return FALSE;
  client->tun_ifindex = info.ifindex;
  if (tttd_netlink_flush_ours (client->netlink, NULL) > 0)
    tttd_log_message (NULL, "cleanup", "removed routes and rules an earlier tttd left behind");
  for (guint i = 0; i < config->addresses->len; i++)
    if (!tttd_netlink_addr_add (client->netlink, client->tun_ifindex, &g_array_index (config->addresses, TttdPrefix, i),
                                error))
      return FALSE;
  return tttd_netlink_link_set (client->netlink, client->tun_ifindex, mtu, TRUE, error);
}

TttdClient *
tttd_client_new (const TttdConfig *config, const guint8 private_key[32], TttdListeners *listeners, int tun_fd,
                 GError **error)
{
  g_autoptr (TttdClient) client = g_new0 (TttdClient, 1);
  TttdHealthParams health;
  guint mtu;

  client->config = config;
  client->listeners = listeners;
  client->tun_fd = -1;
  tttd_cookie_jar_init (&client->cookies, config->server_public_key);
  tttd_failover_init (&client->failover, config->servers->len);
  client->identity = tttd_identity_new (private_key);
  if (client->identity == NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY, "the private key is not usable");
      return NULL;
    }
  client->netlink = tttd_netlink_new (error);
  if (client->netlink == NULL)
    return NULL;
  client->system = tun_fd < 0;
  mtu = config->mtu != 0 ? config->mtu : 1500 - TTTD_OVERHEAD - TTTD_UDP4_OVERHEAD;
  if (client->system && !setup_tun (client, mtu, error))
    return NULL;
  if (!client->system)
    {
      if (!g_unix_set_fd_nonblocking (tun_fd, TRUE, error))
        return NULL;
      client->tun_fd = tun_fd;
      client->tun_name = g_strdup (config->tun);
    }
  client->mtu = mtu;

  tttd_health_params_default (&health, config->probe_interval_ms);
  client->engine = tttd_engine_new (client->tun_fd, mtu, &health, &engine_ops, client);
  tttd_engine_set_recovery (client->engine, config->retransmit, config->fec);
  /* a TUN device of our own speaks virtio_net_hdr; a test's socketpair not */
  tttd_engine_set_vnet (client->engine, client->system);
  if (client->system)
    {
      client->routing = tttd_routing_new (client->netlink, config, client->tun_name, client->tun_ifindex, error);
      if (client->routing == NULL || !tttd_routing_apply (client->routing, mtu, error))
        return NULL;
    }
  client->peer = tttd_engine_add_peer (client->engine, "server", config->strategy,
                                       (gint64) config->rekey_after_seconds * G_USEC_PER_SEC);
  /* a client's one peer keeps its session state: its links come and go
   * before and between sessions */
  tttd_engine_start_session (client->peer, TTTD_SCHED_MAX_LINKS);
  client->timer = tttd_timer_new ("tttd client timer", on_timer, client);
  client->tun_watch = tttd_watch_new (client->tun_fd, "tttd tun", on_tun_readable, client);
  client->monitor = tttd_netlink_monitor_new (tttd_client_on_netlink, client, error);
  if (client->monitor == NULL)
    return NULL;
  tttd_log_message (NULL, "started", "client on %s, strategy %s", client->tun_name,
                    tttd_strategy_to_string (config->strategy));
  for (guint i = 0; config->static_links[i] != NULL; i++)
    {
      TttdLinkConfig settings = tttd_config_link_settings (config, config->static_links[i]);
      g_autoptr (GError) local = NULL;
      if (tttd_client_add_link (client, config->static_links[i], TTTD_LINK_SOURCE_CONFIG, &settings, &local) == NULL)
        tttd_log_warning (config->static_links[i], "add", "cannot bond %s: %s", config->static_links[i],
                          local->message);
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
        tttd_client_unbind_link (client, client->links[i]);
        tttd_client_link_free (client->links[i]);
      }
  g_clear_pointer (&client->monitor, tttd_netlink_monitor_free);
  g_clear_handle_id (&client->rebind_id, g_source_remove);
  g_clear_pointer (&client->routing, tttd_routing_free);
  g_clear_pointer (&client->timer, tttd_timer_destroy);
  if (client->tun_watch != NULL)
    {
      g_source_destroy (client->tun_watch);
      g_clear_pointer (&client->tun_watch, g_source_unref);
    }
  g_clear_pointer (&client->peer, tttd_engine_free_peer);
  g_clear_pointer (&client->engine, tttd_engine_free);
  /* the kernel removes the device, and its addresses and routes, with it */
  if (client->tun_fd >= 0)
    close (client->tun_fd);
  if (client->netlink != NULL && client->system)
    (void) tttd_netlink_flush_ours (client->netlink, NULL);
  g_clear_pointer (&client->netlink, tttd_netlink_free);
  g_clear_pointer (&client->identity, tttd_identity_free);
  g_free (client->tun_name);
  g_free (client);
}
