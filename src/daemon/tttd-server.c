/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* the server role: sockets, peers, handshakes, routing by tunnel address, NAT */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "tttd-allowedips.h"
#include "tttd-cookie.h"
#include "tttd-error.h"
#include "tttd-firewall.h"
#include "tttd-log.h"
#include "tttd-netlink.h"
#include "tttd-ratelimit.h"
#include "tttd-server.h"
#include "tttd-timer.h"
#include "tttd-tun.h"

/* handshake work: a client needs one every rekey interval; a few per
 * second per address is plenty, and all together stay well below a core.
 * Two sets of buckets: initiations without a valid mac2 charge the first;
 * when it runs short (the server is under load, or one source floods) they
 * get a cookie reply instead of an answer. Initiations whose mac2 proves
 * their source address charge the second, which spoofed datagrams cannot
 * touch. IPv6 sources count per /64. */
#define HANDSHAKES_PER_SOURCE  5.0
#define HANDSHAKE_SOURCE_BURST 10.0
#define HANDSHAKES_TOTAL       2000.0
#define HANDSHAKE_TOTAL_BURST  2000.0
#define RATE_LIMIT_SOURCES     8192

typedef struct {
  TttdServer *server;
  int fd;
  TttdTxQueue queue;
  GSource *watch;
} ServerSocket;

struct _TttdServer {
  const TttdConfig *config;
  TttdIdentity *identity;
  TttdNetlink *netlink;
  int tun_fd;
  char *tun_name;
  GSource *tun_watch;
  TttdEngine *engine;
  GPtrArray *sockets;        /* ServerSocket */
  GPtrArray *peers;          /* TttdPeer */
  TttdAllowedIps *allowed;   /* tunnel prefix -> TttdPeer, or the server for its own */
  GHashTable *by_key;        /* public key -> TttdPeer */
  GHashTable *past_init;     /* public key of a peer gone by reload -> its last guint64 timestamp */
  TttdRateLimit *rate_limit; /* cookie-proven sources */
  TttdRateLimit *unproven;   /* the others: when short, the server is under load */
  TttdCookieChecker *cookies;
  GSource *timer;
  gint64 next_slow_us;
  TttdListeners *listeners; /* the daemon's: what changed */
  TttdServerStats stats;
  guint next_peer_id;
  TttdFirewall *firewall;
  guint mtu;
  char *old_forward4; /* sysctl values to restore on stop */
  char *old_forward6;
};

#define SERVER_COUNTER(name, field) TTTD_COUNTER (name, TttdServerStats, field)

const TttdCounter tttd_server_counters[] = {
  SERVER_COUNTER ("handshakes", handshakes),
  SERVER_COUNTER ("handshake-bad-mac", handshake_bad_mac),
  SERVER_COUNTER ("handshake-rate-limited", handshake_rate_limited),
  SERVER_COUNTER ("handshake-cookie-replies", handshake_cookie_replies),
  SERVER_COUNTER ("handshake-failed", handshake_failed),
  SERVER_COUNTER ("handshake-unknown-key", handshake_unknown_key),
  SERVER_COUNTER ("handshake-replayed", handshake_replayed),
};
const guint tttd_server_n_counters = G_N_ELEMENTS (tttd_server_counters);

static const char forward4[] = "/proc/sys/net/ipv4/ip_forward";
static const char forward6[] = "/proc/sys/net/ipv6/conf/all/forwarding";

/* nat=true: the kernel forwards what clients send, masqueraded out of the
 * uplink; under the hardened unit /proc/sys is read-only, and the example
 * sysctl.d drop-in (60-tttd-forwarding.conf) turns forwarding on instead */
static gboolean
setup_firewall (TttdServer *server, guint mtu, GError **error)
{
  TttdFirewallSpec spec = { .mtu = mtu, .masquerade = server->config->nat, .forward_to = server->config->forward_to };
  g_autoptr (GError) local = NULL;

  server->mtu = mtu;
  server->firewall = tttd_firewall_new (server->tun_name, error);
  if (server->firewall == NULL || !tttd_firewall_apply (server->firewall, &spec, error))
    return FALSE;
  if (!server->config->nat)
    return TRUE;
  if (!tttd_sysctl_set (forward4, "1", &server->old_forward4, &local) ||
      !tttd_sysctl_set (forward6, "1", &server->old_forward6, &local))
    {
      g_autofree char *now = NULL;
      if (g_file_get_contents (forward4, &now, NULL, NULL) && g_str_has_prefix (now, "1"))
        tttd_log_info (NULL, "nat", "forwarding is on already (%s)", local->message);
      else
        tttd_log_warning (NULL, "nat",
                          "cannot turn IP forwarding on, clients cannot reach beyond the server "
                          "(copy /usr/share/doc/tttd/examples/60-tttd-forwarding.conf to /etc/sysctl.d/): %s",
                          local->message);
    }
  tttd_log_message (NULL, "nat", "forwarding and masquerading what the clients send");
  return TRUE;
}

static void
restore_forwarding (TttdServer *server)
{
  if (server->old_forward4 != NULL && g_strcmp0 (server->old_forward4, "1") != 0)
    (void) tttd_sysctl_set (forward4, server->old_forward4, NULL, NULL);
  if (server->old_forward6 != NULL && g_strcmp0 (server->old_forward6, "1") != 0)
    (void) tttd_sysctl_set (forward6, server->old_forward6, NULL, NULL);
  g_clear_pointer (&server->old_forward4, g_free);
  g_clear_pointer (&server->old_forward6, g_free);
}

const char *
tttd_server_tun_name (TttdServer *server)
{
  return server->tun_name;
}

TttdEngine *
tttd_server_engine (TttdServer *server)
{
  return server->engine;
}

GPtrArray *
tttd_server_peers (TttdServer *server)
{
  return server->peers;
}

const TttdServerStats *
tttd_server_stats (TttdServer *server)
{
  return &server->stats;
}

gboolean
tttd_server_peer_connected (TttdServer *server, TttdPeer *peer)
{
  return peer->keyring.current != NULL || peer->keyring.next != NULL;
}

void
tttd_server_set_strategy (TttdServer *server, TttdStrategy strategy)
{
  for (guint i = 0; i < server->peers->len; i++)
    tttd_peer_set_strategy (g_ptr_array_index (server->peers, i), strategy);
}

static TttdPeer *
route (gpointer data, const TttdIpInfo *ip)
{
  TttdServer *server = data;
  gpointer owner = tttd_allowed_ips_lookup (server->allowed, ip->family, ip->dst);

  return owner == server ? NULL : owner;
}

/* cryptokey routing: a client may only send from its own tunnel addresses,
 * where the most specific prefix holding the source is its own (not a
 * narrower one of another peer, nor the server's address) */
static gboolean
allowed_source (gpointer data, TttdPeer *peer, const TttdIpInfo *ip)
{
  TttdServer *server = data;

  return tttd_allowed_ips_lookup (server->allowed, ip->family, ip->src) == peer;
}

static void
schedule (gpointer data, gint64 at_us)
{
  TttdServer *server = data;

  tttd_timer_schedule (server->timer, at_us);
}

static void
path_learned (gpointer data, TttdPeer *peer, guint link)
{
  g_autofree char *where = tttd_sockaddr_to_string (&peer->paths[link].remote);

  tttd_log_peer (G_LOG_LEVEL_INFO, peer->name, "path", "peer %s: path %u now at %s", peer->name, link, where);
}

static void
peer_reset (TttdServer *server, TttdPeer *peer)
{
  /* a configured peer without a session holds only its configuration */
  tttd_engine_end_session (peer);
  TTTD_EMIT (server->listeners, peer_changed, peer);
}

static void
closed (gpointer data, TttdPeer *peer)
{
  TttdServer *server = data;

  tttd_log_peer (G_LOG_LEVEL_MESSAGE, peer->name, "disconnected", "peer %s disconnected", peer->name);
  peer_reset (server, peer);
}

/* the public keys' hash is keyed with a secret, so that nobody can choose
 * keys that collide and turn lookups into long scans */
static guint8 key_hash_secret[crypto_shorthash_KEYBYTES];

static guint
public_key_hash (gconstpointer key)
{
  guint8 out[crypto_shorthash_BYTES];
  guint h;

  crypto_shorthash (out, key, 32, key_hash_secret);
  memcpy (&h, out, sizeof h);
  return h;
}

static gboolean
public_key_equal (gconstpointer a, gconstpointer b)
{
  return sodium_memcmp (a, b, 32) == 0;
}

static TttdPeer *
find_by_key (TttdServer *server, const guint8 key[32])
{
  /* one hash and one constant-time compare, whatever the number of peers */
  return g_hash_table_lookup (server->by_key, key);
}

static void
on_handshake (gpointer data, TttdTxQueue *queue, const TttdSockaddr *from, guint8 *msg, gsize len)
{
  TttdServer *server = data;
  TttdHandshake hs;
  TttdInitPayload init;
  TttdResponsePayload response = { 0 };
  TttdSessionKeys keys;
  guint8 out[TTTD_RESPONSE_LEN];
  TttdPeer *peer;
  TttdKeypair *keypair;
  TttdHandshakeResult result;
  gint64 now = g_get_monotonic_time ();
  gboolean was_connected;

  if (msg[1] != TTTD_MSG_INITIATION)
    return;
  /* cheap checks before any public-key work */
  if (!tttd_mac1_check (server->identity->mac1_key, msg, TTTD_INITIATION_MAC2_OFFSET))
    {
      server->stats.handshake_bad_mac++;
      return;
    }
  if (tttd_cookie_mac2_check (server->cookies, msg, len, from, now))
    {
      if (!tttd_rate_limit_allow (server->rate_limit, from, now))
        {
          server->stats.handshake_rate_limited++;
          return;
        }
    }
  else if (!tttd_rate_limit_allow (server->unproven, from, now))
    {
      /* under load: 64 bytes that only the real owner of the source
       * address receives (no amplification: the initiation is larger) */
      guint8 reply[TTTD_COOKIE_REPLY_LEN];
      tttd_cookie_reply_create (server->cookies, msg, len, from, now, reply);
      tttd_engine_send_raw (server->engine, queue, from, reply, sizeof reply);
      server->stats.handshake_cookie_replies++;
      return;
    }
  result = tttd_handshake_consume_initiation (&hs, server->identity, msg, len, &init);
  if (result != TTTD_HANDSHAKE_OK)
    {
      server->stats.handshake_failed++;
      tttd_handshake_clear (&hs);
      return;
    }
  peer = find_by_key (server, hs.remote_static);
  if (peer == NULL)
    {
      server->stats.handshake_unknown_key++;
      tttd_handshake_clear (&hs);
      return;
    }
  if (init.timestamp_us <= peer->last_init_timestamp || init.link >= TTTD_SCHED_MAX_LINKS)
    {
      server->stats.handshake_replayed++;
      tttd_handshake_clear (&hs);
      return;
    }
  response.cipher = tttd_cipher_choose (tttd_cipher_local_mask (), init.ciphers);
  if (response.cipher == 0)
    {
      server->stats.handshake_failed++;
      tttd_handshake_clear (&hs);
      return;
    }
  response.flags = peer->fresh ? TTTD_HANDSHAKE_FRESH : 0;
  /* partial checksums only with a client that said it knows them */
  if (init.ciphers & TTTD_CAP_CSUM_PARTIAL)
    response.flags |= TTTD_HANDSHAKE_CSUM_PARTIAL;
  response.n_addresses = (guint8) MIN (peer->n_addresses, TTTD_RESPONSE_ADDRESSES);
  /* as configured: a client takes host addresses, and prefixes only inside
   * its own routes= (a server cannot steer its routes) */
  for (guint i = 0; i < response.n_addresses; i++)
    response.addresses[i] = peer->addresses[i];
  result = tttd_handshake_create_response (&hs, server->identity, tttd_engine_new_index (server->engine), &response,
                                           out, &keys);
  if (result != TTTD_HANDSHAKE_OK)
    {
      server->stats.handshake_failed++;
      tttd_handshake_clear (&hs);
      return;
    }
  was_connected = tttd_server_peer_connected (server, peer);
  keypair = tttd_keypair_new (&keys, response.cipher, hs.local_index, hs.remote_index, FALSE, now);
  sodium_memzero (&keys, sizeof keys);
  tttd_handshake_clear (&hs);
  if (init.flags & TTTD_HANDSHAKE_FRESH)
    {
      /* the client restarted: what we knew of its paths is stale */
      for (guint link = 0; link < peer->n_paths; link++)
        if (peer->paths[link].present)
          tttd_peer_path_remove (peer, link, FALSE);
    }
  peer->csum_partial = (response.flags & TTTD_HANDSHAKE_CSUM_PARTIAL) != 0;
  tttd_engine_install_keys (peer, keypair, (init.flags & TTTD_HANDSHAKE_FRESH) != 0);
  peer->fresh = FALSE;
  peer->last_init_timestamp = init.timestamp_us;
  /* the initiation is authentic and new: where it came from is a path */
  tttd_peer_path_set (peer, init.link, queue, from, FALSE);
  tttd_engine_send_raw (server->engine, queue, from, out, sizeof out);
  server->stats.handshakes++;
  if (!was_connected || (init.flags & TTTD_HANDSHAKE_FRESH))
    {
      g_autofree char *where = tttd_sockaddr_to_string (from);
      tttd_log_peer (G_LOG_LEVEL_MESSAGE, peer->name, "connected", "peer %s connected from %s (%s)", peer->name, where,
                     tttd_cipher_to_string (response.cipher));
      TTTD_EMIT (server->listeners, peer_changed, peer);
    }
}

static const TttdEngineOps engine_ops = {
  .handshake = on_handshake,
  .route = route,
  .allowed_source = allowed_source,
  .path_learned = path_learned,
  .closed = closed,
  .schedule = schedule,
};

static gint64
on_timer (gpointer user_data, gint64 now_us)
{
  TttdServer *server = user_data;

  tttd_engine_expire_reorder (server->engine, now_us);
  tttd_engine_pace (server->engine, now_us);
  if (now_us >= server->next_slow_us)
    {
      server->next_slow_us = now_us + G_USEC_PER_SEC;
      for (guint i = 0; i < server->peers->len; i++)
        {
          TttdPeer *peer = g_ptr_array_index (server->peers, i);
          gboolean connected = tttd_server_peer_connected (server, peer);
          tttd_peer_tick (peer, FALSE, now_us);
          /* every key expired: the client is gone without a word */
          if (connected && !tttd_server_peer_connected (server, peer))
            {
              tttd_log_peer (G_LOG_LEVEL_MESSAGE, peer->name, "timeout", "peer %s timed out", peer->name);
              peer_reset (server, peer);
            }
        }
      tttd_rate_limit_expire (server->rate_limit, now_us);
      tttd_rate_limit_expire (server->unproven, now_us);
    }
  return server->next_slow_us;
}

static void
on_socket_readable (gpointer user_data)
{
  ServerSocket *sock = user_data;

  tttd_engine_socket_readable (sock->server->engine, &sock->queue);
}

static void
on_tun_readable (gpointer user_data)
{
  TttdServer *server = user_data;

  tttd_engine_tun_readable (server->engine);
}

static void
server_socket_free (gpointer data)
{
  ServerSocket *sock = data;

  if (sock->watch != NULL)
    {
      g_source_destroy (sock->watch);
      g_source_unref (sock->watch);
    }
  if (sock->fd >= 0)
    close (sock->fd);
  g_free (sock);
}

/* the next free host address of the pool, in order: the same peers in the
 * same order get the same addresses after a restart */
static gboolean
pool_allocate (TttdServer *server, const TttdPrefix *pool, TttdPrefix *out)
{
  guint64 first, count;

  tttd_prefix_pool_range (pool, &first, &count);
  for (guint64 n = first; n - first < count; n++)
    if (tttd_prefix_nth_host (pool, n, out) && tttd_allowed_ips_find_overlap (server->allowed, out, NULL) == NULL)
      return TRUE;
  return FALSE;
}

static void
index_peer (TttdServer *server, TttdPeer *peer)
{
  g_hash_table_insert (server->by_key, peer->public_key, peer);
  for (guint i = 0; i < peer->n_addresses; i++)
    {
      const TttdPrefix *p = &peer->addresses[i];
      TttdPrefix found;
      TttdPeer *other = tttd_allowed_ips_find_overlap (server->allowed, p, &found);

      /* the configuration check refuses overlaps; a reload can still give a
       * fixed address that a kept peer has from the pool */
      if (other != NULL && other != peer)
        {
          g_autofree char *text = tttd_prefix_to_string (p);
          g_autofree char *found_text = tttd_prefix_to_string (&found);
          tttd_log_warning (NULL, "address", "peer %s: %s overlaps %s of %s, not routed to it", peer->name, text,
                            found_text, (gpointer) other == (gpointer) server ? "the server" : other->name);
          continue;
        }
      (void) tttd_allowed_ips_insert (server->allowed, p, peer);
    }
}

static void
index_own_addresses (TttdServer *server)
{
  for (guint i = 0; i < server->config->addresses->len; i++)
    {
      TttdPrefix own = g_array_index (server->config->addresses, TttdPrefix, i);
      own.prefix = (guint8) (tttd_prefix_addr_len (&own) * 8);
      (void) tttd_allowed_ips_insert (server->allowed, &own, server);
    }
}

static void
reindex (TttdServer *server)
{
  tttd_allowed_ips_clear (server->allowed);
  g_hash_table_remove_all (server->by_key);
  index_own_addresses (server);
  for (guint i = 0; i < server->peers->len; i++)
    index_peer (server, g_ptr_array_index (server->peers, i));
}

static TttdPeer *
peer_from_config (TttdServer *server, const TttdConfig *config, const TttdPeerConfig *pc)
{
  TttdPeer *peer = tttd_engine_add_peer (server->engine, pc->name, config->strategy,
                                         (gint64) config->rekey_after_seconds * G_USEC_PER_SEC);

  peer->object_id = server->next_peer_id++;
  memcpy (peer->public_key, pc->public_key, 32);
  peer->n_addresses = MIN (pc->addresses->len, G_N_ELEMENTS (peer->addresses));
  for (guint j = 0; j < peer->n_addresses; j++)
    peer->addresses[j] = g_array_index (pc->addresses, TttdPrefix, j);
  peer->pooled = peer->n_addresses == 0;
  /* a peer that a reload changed or removed and brought back: its last
   * initiation stays old, or it could be replayed once now */
  {
    guint64 *past = g_hash_table_lookup (server->past_init, pc->public_key);
    if (past != NULL)
      peer->last_init_timestamp = *past;
  }
  return peer;
}

/* addresses from the pool for the peers that have none */
static gboolean
assign_pool (TttdServer *server, const TttdConfig *config, GError **error)
{
  for (guint i = 0; i < server->peers->len; i++)
    {
      TttdPeer *peer = g_ptr_array_index (server->peers, i);
      if (peer->n_addresses > 0)
        continue;
      for (guint j = 0; j < config->pool->len && peer->n_addresses < G_N_ELEMENTS (peer->addresses); j++)
        {
          const TttdPrefix *pool = &g_array_index (config->pool, TttdPrefix, j);
          if (!pool_allocate (server, pool, &peer->addresses[peer->n_addresses]))
            {
              g_autofree char *text = tttd_prefix_to_string (pool);
              g_set_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG,
                           "%s: [server] pool: %s has no free address left for [peer %s]", config->source, text,
                           peer->name);
              return FALSE;
            }
          peer->n_addresses++;
        }
      index_peer (server, peer);
    }
  return TRUE;
}

static gboolean
add_peers (TttdServer *server, GError **error)
{
  const TttdConfig *config = server->config;

  /* fixed addresses first, so that the pool steers clear of them */
  index_own_addresses (server);
  for (guint i = 0; i < config->peers->len; i++)
    {
      TttdPeer *peer = peer_from_config (server, config, g_ptr_array_index (config->peers, i));
      g_ptr_array_add (server->peers, peer);
      index_peer (server, peer);
    }
  return assign_pool (server, config, error);
}

static gboolean
peer_unchanged (const TttdPeer *peer, const TttdPeerConfig *pc)
{
  if (memcmp (peer->public_key, pc->public_key, 32) != 0)
    return FALSE;
  if (peer->pooled)
    return pc->addresses->len == 0;
  if (pc->addresses->len != peer->n_addresses)
    return FALSE;
  for (guint i = 0; i < peer->n_addresses; i++)
    if (!tttd_prefix_equal (&peer->addresses[i], &g_array_index (pc->addresses, TttdPrefix, i)))
      return FALSE;
  return TRUE;
}

gboolean
tttd_server_reconfigure (TttdServer *server, const TttdConfig *config, GError **error)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (GHashTable) configured = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) kept = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < config->peers->len; i++)
    {
      TttdPeerConfig *pc = g_ptr_array_index (config->peers, i);
      g_hash_table_insert (configured, pc->name, pc);
    }

  /* peers that went or changed: their sessions end */
  for (guint i = server->peers->len; i-- > 0;)
    {
      TttdPeer *peer = g_ptr_array_index (server->peers, i);
      const TttdPeerConfig *pc = g_hash_table_lookup (configured, peer->name);
      if (pc != NULL && peer_unchanged (peer, pc))
        {
          g_hash_table_add (kept, peer->name);
          continue;
        }
      tttd_log_peer (G_LOG_LEVEL_MESSAGE, peer->name, "removed", "peer %s %s", peer->name,
                     pc == NULL ? "removed" : "changed: its session ends");
      TTTD_EMIT (server->listeners, peer_removed, peer);
      if (peer->last_init_timestamp != 0)
        g_hash_table_replace (server->past_init, g_memdup2 (peer->public_key, 32),
                              g_memdup2 (&peer->last_init_timestamp, sizeof peer->last_init_timestamp));
      tttd_peer_close (peer);
      g_ptr_array_remove_index (server->peers, i);
    }
  server->config = config;
  reindex (server);
  for (guint i = 0; i < config->peers->len; i++)
    {
      const TttdPeerConfig *pc = g_ptr_array_index (config->peers, i);
      if (g_hash_table_contains (kept, pc->name))
        continue;
      TttdPeer *peer = peer_from_config (server, config, pc);
      g_ptr_array_add (server->peers, peer);
      g_ptr_array_add (added, peer);
      index_peer (server, peer);
    }
  /* forward-to= may have changed: the table is replaced in one transaction */
  if (server->firewall != NULL)
    {
      TttdFirewallSpec spec = { .mtu = server->mtu, .masquerade = config->nat, .forward_to = config->forward_to };
      g_autoptr (GError) fw_error = NULL;
      if (!tttd_firewall_apply (server->firewall, &spec, &fw_error))
        tttd_log_warning (NULL, "reload", "the firewall rules stay as they were: %s", fw_error->message);
    }
  /* the new peers are in already: one the pool cannot serve stays without
   * an address (and cannot connect) rather than undoing the rest */
  if (!assign_pool (server, config, &local))
    tttd_log_warning (NULL, "reload", "%s", local->message);
  for (guint i = 0; i < added->len; i++)
    {
      TttdPeer *peer = g_ptr_array_index (added, i);
      tttd_log_peer (G_LOG_LEVEL_MESSAGE, peer->name, "added", "peer %s added", peer->name);
      TTTD_EMIT (server->listeners, peer_added, peer);
    }
  return TRUE;
}

static guint
auto_mtu (const TttdConfig *config)
{
  guint overhead = TTTD_OVERHEAD + TTTD_UDP4_OVERHEAD;

  for (guint i = 0; i < config->listen->len; i++)
    if (g_array_index (config->listen, TttdSockaddr, i).sa.sa_family == AF_INET6)
      overhead = TTTD_OVERHEAD + TTTD_UDP6_OVERHEAD;
  return 1500 - overhead;
}

TttdServer *
tttd_server_new (const TttdConfig *config, const guint8 private_key[32], TttdListeners *listeners, int tun_fd,
                 GError **error)
{
  g_autoptr (TttdServer) server = g_new0 (TttdServer, 1);
  TttdHealthParams health;
  TttdLinkInfo info;
  guint mtu = config->mtu != 0 ? config->mtu : auto_mtu (config);
  gboolean offloads = FALSE;

  server->config = config;
  server->listeners = listeners;
  server->tun_fd = -1;
  server->sockets = g_ptr_array_new_with_free_func (server_socket_free);
  server->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) tttd_engine_free_peer);
  server->allowed = tttd_allowed_ips_new ();
  if (sodium_is_zero (key_hash_secret, sizeof key_hash_secret))
    randombytes_buf (key_hash_secret, sizeof key_hash_secret);
  server->by_key = g_hash_table_new (public_key_hash, public_key_equal);
  server->past_init = g_hash_table_new_full (public_key_hash, public_key_equal, g_free, g_free);
  server->rate_limit = tttd_rate_limit_new (HANDSHAKES_PER_SOURCE, HANDSHAKE_SOURCE_BURST, HANDSHAKES_TOTAL,
                                            HANDSHAKE_TOTAL_BURST, RATE_LIMIT_SOURCES);
  server->unproven = tttd_rate_limit_new (HANDSHAKES_PER_SOURCE, HANDSHAKE_SOURCE_BURST, HANDSHAKES_TOTAL,
                                          HANDSHAKE_TOTAL_BURST, RATE_LIMIT_SOURCES);
  server->identity = tttd_identity_new (private_key);
  if (server->identity == NULL)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY, "the private key is not usable");
      return NULL;
    }
  server->cookies = tttd_cookie_checker_new (server->identity->public_key);
  server->netlink = tttd_netlink_new (error);
  if (server->netlink == NULL)
    return NULL;
  if (tun_fd >= 0)
    {
      if (!g_unix_set_fd_nonblocking (tun_fd, TRUE, error))
        return NULL;
      server->tun_fd = tun_fd;
      server->tun_name = g_strdup (config->tun);
    }
  else
    {
      server->tun_fd = tttd_tun_open (config->tun, TRUE, &offloads, &server->tun_name, error);
      if (server->tun_fd < 0)
        return NULL;
      if (!tttd_netlink_link_get (server->netlink, server->tun_name, &info, error))
        return NULL;
      for (guint i = 0; i < config->addresses->len; i++)
        if (!tttd_netlink_addr_add (server->netlink, info.ifindex, &g_array_index (config->addresses, TttdPrefix, i),
                                    error))
          return NULL;
      if (!tttd_netlink_link_set (server->netlink, info.ifindex, mtu, TRUE, error))
        return NULL;
    }

  tttd_health_params_default (&health, config->probe_interval_ms);
  server->engine = tttd_engine_new (server->tun_fd, mtu, &health, &engine_ops, server);
  tttd_engine_set_recovery (server->engine, config->retransmit, config->fec);
  tttd_engine_set_vnet (server->engine, tun_fd < 0);
  if (!add_peers (server, error))
    return NULL;
  if (tun_fd < 0 && !setup_firewall (server, mtu, error))
    return NULL;
  for (guint i = 0; i < config->listen->len; i++)
    {
      const TttdSockaddr *endpoint = &g_array_index (config->listen, TttdSockaddr, i);
      ServerSocket *sock = g_new0 (ServerSocket, 1);
      sock->server = server;
      g_ptr_array_add (server->sockets, sock);
      sock->fd = tttd_udp_open (endpoint->sa.sa_family, NULL, endpoint, 0, error);
      if (sock->fd < 0)
        return NULL;
      tttd_tx_queue_init (&sock->queue, sock->fd, tttd_engine_release_buffer, server->engine);
      (void) tttd_udp_enable_gro (sock->fd);
      sock->watch = tttd_watch_new (sock->fd, "tttd server socket", on_socket_readable, sock);
    }
  server->tun_watch = tttd_watch_new (server->tun_fd, "tttd tun", on_tun_readable, server);
  server->timer = tttd_timer_new ("tttd server timer", on_timer, server);
  tttd_timer_schedule (server->timer, g_get_monotonic_time ());
  tttd_log_message (NULL, "started", "server on %s, MTU %u, %u peers", server->tun_name, mtu, server->peers->len);
  return g_steal_pointer (&server);
}

void
tttd_server_free (TttdServer *server)
{
  if (server == NULL)
    return;
  if (server->peers != NULL)
    for (guint i = 0; i < server->peers->len; i++)
      tttd_peer_close (g_ptr_array_index (server->peers, i));
  g_clear_pointer (&server->timer, tttd_timer_destroy);
  if (server->tun_watch != NULL)
    {
      g_source_destroy (server->tun_watch);
      g_clear_pointer (&server->tun_watch, g_source_unref);
    }
  g_clear_pointer (&server->peers, g_ptr_array_unref);
  g_clear_pointer (&server->sockets, g_ptr_array_unref);
  g_clear_pointer (&server->allowed, tttd_allowed_ips_free);
  g_clear_pointer (&server->by_key, g_hash_table_unref);
  g_clear_pointer (&server->past_init, g_hash_table_unref);
  g_clear_pointer (&server->engine, tttd_engine_free);
  if (server->tun_fd >= 0)
    close (server->tun_fd);
  g_clear_pointer (&server->rate_limit, tttd_rate_limit_free);
  g_clear_pointer (&server->unproven, tttd_rate_limit_free);
  g_clear_pointer (&server->cookies, tttd_cookie_checker_free);
  g_clear_pointer (&server->firewall, tttd_firewall_free);
  restore_forwarding (server);
  g_clear_pointer (&server->netlink, tttd_netlink_free);
  g_clear_pointer (&server->identity, tttd_identity_free);
  g_free (server->tun_name);
  g_free (server);
}
