/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* follows NetworkManager with libnm and adds or drops links as devices come and go */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <NetworkManager.h>

#include "tttd-log.h"
#include "tttd-nm.h"
#include "tttd-policy.h"

/* after NetworkManager (re)starts, how long its devices take to show up
 * before links of devices that did not come back are dropped */
#define RESYNC_DELAY_MS 3000
/* a device NetworkManager removed while its interface is still there: how
 * long to wait for NetworkManager to say it is stopping */
#define REMOVE_SETTLE_MS 500

typedef struct {
  TttdNm *nm;
  NMDevice *device;
  NMIPConfig *ip4;
  NMIPConfig *ip6;
  char *bonded; /* the interface we bond for it, or NULL */
} DeviceWatch;

struct _TttdNm {
  TttdDaemon *daemon;
  NMClient *client;
  GCancellable *cancellable;
  GHashTable *devices; /* NMDevice* -> DeviceWatch */
  gboolean running;
  guint resync_id;
  GPtrArray *pending; /* GSource: drops waiting to see if NetworkManager stops */
};

static void evaluate (DeviceWatch *watch);

static TttdNetKind
kind_of (NMDevice *device)
{
  switch (nm_device_get_device_type (device))
    {
    case NM_DEVICE_TYPE_ETHERNET: return TTTD_NET_KIND_ETHERNET;
    case NM_DEVICE_TYPE_WIFI: return TTTD_NET_KIND_WIFI;
    case NM_DEVICE_TYPE_MODEM: return TTTD_NET_KIND_MODEM;
    case NM_DEVICE_TYPE_BT: return TTTD_NET_KIND_BLUETOOTH;
    case NM_DEVICE_TYPE_TUN:
    case NM_DEVICE_TYPE_IP_TUNNEL:
    case NM_DEVICE_TYPE_WIREGUARD:
    case NM_DEVICE_TYPE_VXLAN:
    case NM_DEVICE_TYPE_MACSEC:
    case NM_DEVICE_TYPE_DUMMY:
    case NM_DEVICE_TYPE_WIFI_P2P:
    case NM_DEVICE_TYPE_VRF: return TTTD_NET_KIND_TUNNEL;
    case NM_DEVICE_TYPE_LOOPBACK: return TTTD_NET_KIND_LOOPBACK;
    case NM_DEVICE_TYPE_VETH:
    case NM_DEVICE_TYPE_BRIDGE:
    case NM_DEVICE_TYPE_BOND:
    case NM_DEVICE_TYPE_TEAM:
    case NM_DEVICE_TYPE_VLAN:
    case NM_DEVICE_TYPE_MACVLAN: return TTTD_NET_KIND_VIRTUAL;
    default: return TTTD_NET_KIND_OTHER;
    }
}

static guint
count_global (NMIPConfig *config, int family)
{
  GPtrArray *addresses = config ? nm_ip_config_get_addresses (config) : NULL;
  guint n = 0;

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      const char *text = nm_ip_address_get_address (g_ptr_array_index (addresses, i));
      struct in6_addr a6;
      if (family == AF_INET6 && inet_pton (AF_INET6, text, &a6) == 1 && IN6_IS_ADDR_LINKLOCAL (&a6))
        continue;
      n++;
    }
  return n;
}

/* with never-default NetworkManager installs no default route and reports
 * no gateway; the profile still names it */
static const char *
profile_gateway (NMDevice *device, int family)
{
  NMActiveConnection *active = nm_device_get_active_connection (device);
  NMRemoteConnection *remote = active ? nm_active_connection_get_connection (active) : NULL;
  NMSettingIPConfig *setting;

  if (remote == NULL)
    return NULL;
  setting = family == AF_INET ? nm_connection_get_setting_ip4_config (NM_CONNECTION (remote))
                              : nm_connection_get_setting_ip6_config (NM_CONNECTION (remote));
  return setting ? nm_setting_ip_config_get_gateway (setting) : NULL;
}

/* the device's gateway: NetworkManager reports it only when it installs a
 * default route in the main table; otherwise look at its default route in
 * another table, at what DHCP said, then at the profile */
static const char *
find_gateway (NMDevice *device, NMIPConfig *config, int family)
{
  const char *gateway = config ? nm_ip_config_get_gateway (config) : NULL;
  GPtrArray *routes = config ? nm_ip_config_get_routes (config) : NULL;

  if (gateway != NULL && *gateway != '\0')
    return gateway;
  for (guint i = 0; routes != NULL && i < routes->len; i++)
    {
      NMIPRoute *route = g_ptr_array_index (routes, i);
      if (nm_ip_route_get_prefix (route) == 0 && nm_ip_route_get_next_hop (route) != NULL)
        return nm_ip_route_get_next_hop (route);
    }
  if (family == AF_INET && nm_device_get_dhcp4_config (device) != NULL)
    {
      const char *routers = nm_dhcp_config_get_one_option (nm_device_get_dhcp4_config (device), "routers");
      if (routers != NULL && *routers != '\0')
        {
          /* the first of a space-separated list */
          static char first[INET6_ADDRSTRLEN];
          g_strlcpy (first, routers, sizeof first);
          first[strcspn (first, " ")] = '\0';
          return first;
        }
    }
  return profile_gateway (device, family);
}

static void
snapshot (NMDevice *device, NMIPConfig *ip4, NMIPConfig *ip6, TttdNetSnapshot *snap)
{
  const char *gw4 = find_gateway (device, ip4, AF_INET);
  const char *gw6 = find_gateway (device, ip6, AF_INET6);

  memset (snap, 0, sizeof *snap);
  snap->iface = nm_device_get_iface (device);
  snap->ip_iface = nm_device_get_ip_iface (device);
  snap->kind = kind_of (device);
  snap->state = nm_device_get_state (device);
  snap->n_ipv4 = count_global (ip4, AF_INET);
  snap->n_ipv6 = count_global (ip6, AF_INET6);
  snap->metered = (TttdNetMetered) nm_device_get_metered (device);
  if (gw4 != NULL && *gw4 && inet_pton (AF_INET, gw4, snap->gateway) == 1)
    {
      snap->has_gateway = TRUE;
      snap->gateway_family = AF_INET;
    }
  else if (gw6 != NULL && *gw6 && inet_pton (AF_INET6, gw6, snap->gateway) == 1)
    {
      snap->has_gateway = TRUE;
      snap->gateway_family = AF_INET6;
    }
}

static void
drop (DeviceWatch *watch, const char *reason)
{
  TttdClient *client = tttd_daemon_client (watch->nm->daemon);
  TttdClientLink *link;

  if (watch->bonded == NULL)
    return;
  link = tttd_client_find_link (client, watch->bonded);
  if (link != NULL && link->source == TTTD_LINK_SOURCE_NETWORKMANAGER)
    {
      tttd_log_message (link->name, "dropped", "link %s leaves the bond: %s", link->name, reason);
      tttd_daemon_remove_link (watch->nm->daemon, link, NULL);
    }
  g_clear_pointer (&watch->bonded, g_free);
}

static void
evaluate (DeviceWatch *watch)
{
  TttdNm *nm = watch->nm;
  TttdClient *client = tttd_daemon_client (nm->daemon);
  TttdNetSnapshot snap;
  TttdAction action;
  TttdClientLink *link;

  snapshot (watch->device, watch->ip4, watch->ip6, &snap);
  action = tttd_policy_decide (&snap, tttd_daemon_config (nm->daemon), tttd_client_tun_name (client));
  if (!action.bond)
    {
      drop (watch, action.reason);
      return;
    }
  /* a modem's IP interface may change under the same device */
  if (watch->bonded != NULL && g_strcmp0 (watch->bonded, action.ifname) != 0)
    drop (watch, "its IP interface changed");
  link = tttd_client_find_link (client, action.ifname);
  if (link == NULL)
    {
      g_autoptr (GError) error = NULL;
      TttdLinkOptions options = { .has_metered = TRUE, .metered = action.metered };
      link = tttd_daemon_add_link (nm->daemon, action.ifname, TTTD_LINK_SOURCE_NETWORKMANAGER, &options, &error);
      if (link == NULL)
        {
          tttd_log_warning (action.ifname, "add", "cannot bond %s: %s", action.ifname, error->message);
          return;
        }
      tttd_log_message (link->name, "joined", "link %s joins the bond (NetworkManager activated it%s)", link->name,
                        action.metered ? ", metered" : "");
    }
  else if (link->source != TTTD_LINK_SOURCE_NETWORKMANAGER)
    return; /* the configuration's or a D-Bus caller's: not ours to change */
  g_free (watch->bonded);
  watch->bonded = g_strdup (link->name);
  if (link->metered != action.metered)
    tttd_daemon_set_link_metered (nm->daemon, link, action.metered);
  tttd_client_link_set_gateway (client, link, snap.has_gateway, snap.gateway_family, snap.gateway);
}

static void
on_config_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  evaluate (user_data);
}

static void
watch_ip_config (DeviceWatch *watch, NMIPConfig **slot, NMIPConfig *config)
{
  if (*slot == config)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, watch);
      g_clear_object (slot);
    }
  if (config == NULL)
    return;
  *slot = g_object_ref (config);
  g_signal_connect (config, "notify::" NM_IP_CONFIG_ADDRESSES, G_CALLBACK (on_config_changed), watch);
  g_signal_connect (config, "notify::" NM_IP_CONFIG_GATEWAY, G_CALLBACK (on_config_changed), watch);
}

static void
on_device_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  DeviceWatch *watch = user_data;

  watch_ip_config (watch, &watch->ip4, nm_device_get_ip4_config (watch->device));
  watch_ip_config (watch, &watch->ip6, nm_device_get_ip6_config (watch->device));
  evaluate (watch);
}

static void
device_watch_free (gpointer data)
{
  DeviceWatch *watch = data;

  g_signal_handlers_disconnect_by_data (watch->device, watch);
  watch_ip_config (watch, &watch->ip4, NULL);
  watch_ip_config (watch, &watch->ip6, NULL);
  g_object_unref (watch->device);
  g_free (watch->bonded);
  g_free (watch);
}

static void
watch_device (TttdNm *nm, NMDevice *device)
{
  DeviceWatch *watch;

  if (g_hash_table_contains (nm->devices, device))
    return;
  watch = g_new0 (DeviceWatch, 1);
  watch->nm = nm;
  watch->device = g_object_ref (device);
  g_hash_table_insert (nm->devices, device, watch);
  g_signal_connect (device, "notify::" NM_DEVICE_STATE, G_CALLBACK (on_device_changed), watch);
  g_signal_connect (device, "notify::" NM_DEVICE_IP4_CONFIG, G_CALLBACK (on_device_changed), watch);
  g_signal_connect (device, "notify::" NM_DEVICE_IP6_CONFIG, G_CALLBACK (on_device_changed), watch);
  g_signal_connect (device, "notify::" NM_DEVICE_IP_INTERFACE, G_CALLBACK (on_device_changed), watch);
  g_signal_connect (device, "notify::" NM_DEVICE_METERED, G_CALLBACK (on_device_changed), watch);
  on_device_changed (NULL, NULL, watch);
}

static void
on_device_added (NMClient *client, NMDevice *device, gpointer user_data)
{
  watch_device (user_data, device);
}

typedef struct {
  TttdNm *nm;
  char *ifname;
  GSource *source;
} PendingDrop;

static void
pending_drop_free (gpointer data)
{
  PendingDrop *pending = data;

  g_free (pending->ifname);
  g_free (pending);
}

static gboolean
claimed (TttdNm *nm, const char *ifname)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, nm->devices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((DeviceWatch *) value)->bonded, ifname) == 0)
      return TRUE;
  return FALSE;
}

static void
drop_unclaimed (TttdNm *nm, const char *ifname, const char *reason)
{
  TttdClientLink *link = tttd_client_find_link (tttd_daemon_client (nm->daemon), ifname);

  if (link == NULL || link->source != TTTD_LINK_SOURCE_NETWORKMANAGER || claimed (nm, ifname))
    return;
  tttd_log_message (link->name, "dropped", "link %s leaves the bond: %s", link->name, reason);
  tttd_daemon_remove_link (nm->daemon, link, NULL);
}

static gboolean
on_pending_drop (gpointer user_data)
{
  PendingDrop *pending = user_data;

  /* NetworkManager still runs: the device is really gone */
  if (pending->nm->client != NULL && nm_client_get_nm_running (pending->nm->client))
    drop_unclaimed (pending->nm, pending->ifname, "the device went away");
  g_ptr_array_remove_fast (pending->nm->pending, pending->source);
  return G_SOURCE_REMOVE;
}

static void
on_device_removed (NMClient *client, NMDevice *device, gpointer user_data)
{
  TttdNm *nm = user_data;
  DeviceWatch *watch = g_hash_table_lookup (nm->devices, device);
  g_autofree char *bonded = NULL;

  if (watch == NULL)
    return;
  bonded = g_strdup (watch->bonded);
  g_hash_table_remove (nm->devices, device);
  if (bonded == NULL)
    return;
  /* an interface gone from the kernel was unplugged: drop it now.
   * NetworkManager stopping also takes its devices away, and may say so
   * before it says it stops: wait a moment to tell the two apart */
  if (if_nametoindex (bonded) == 0)
    drop_unclaimed (nm, bonded, "the device went away");
  else
    {
      PendingDrop *pending = g_new0 (PendingDrop, 1);
      pending->nm = nm;
      pending->ifname = g_steal_pointer (&bonded);
      pending->source = g_timeout_source_new (REMOVE_SETTLE_MS);
      g_source_set_callback (pending->source, on_pending_drop, pending, pending_drop_free);
      g_source_attach (pending->source, NULL);
      g_ptr_array_add (nm->pending, pending->source);
    }
}

/* links NetworkManager gave us whose device did not come back */
static gboolean
on_resync (gpointer user_data)
{
  TttdNm *nm = user_data;
  TttdClient *client = tttd_daemon_client (nm->daemon);

  nm->resync_id = 0;
  for (guint i = 0; i < TTTD_SCHED_MAX_LINKS; i++)
    {
      TttdClientLink *link = tttd_client_get_link (client, i);
      GHashTableIter iter;
      gpointer value;
      gboolean claimed = FALSE;

      if (link == NULL || link->source != TTTD_LINK_SOURCE_NETWORKMANAGER)
        continue;
      g_hash_table_iter_init (&iter, nm->devices);
      while (!claimed && g_hash_table_iter_next (&iter, NULL, &value))
        claimed = g_strcmp0 (((DeviceWatch *) value)->bonded, link->name) == 0;
      if (!claimed)
        {
          tttd_log_message (link->name, "dropped", "link %s leaves the bond: NetworkManager no longer has it",
                            link->name);
          tttd_daemon_remove_link (nm->daemon, link, NULL);
        }
    }
  return G_SOURCE_REMOVE;
}

static void
on_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  TttdNm *nm = user_data;
  gboolean running = nm_client_get_nm_running (nm->client);

  if (running == nm->running)
    return;
  nm->running = running;
  if (!running)
    {
      tttd_log_message (NULL, "networkmanager", "NetworkManager stopped; the links stay as they are");
      return;
    }
  tttd_log_message (NULL, "networkmanager", "NetworkManager is back; following its devices again");
  g_clear_handle_id (&nm->resync_id, g_source_remove);
  nm->resync_id = g_timeout_add (RESYNC_DELAY_MS, on_resync, nm);
}

static void
on_client_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  NMClient *client = nm_client_new_finish (result, &error);
  TttdNm *nm;
  const GPtrArray *devices;

  if (client == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tttd_log_warning (NULL, "networkmanager", "cannot follow NetworkManager: %s", error->message);
      return;
    }
  nm = user_data;
  nm->client = client;
  nm->running = nm_client_get_nm_running (client);
  if (!nm->running)
    tttd_log_message (NULL, "networkmanager",
                      "NetworkManager is not running; bonding the configured links until it is");
  g_signal_connect (client, "notify::" NM_CLIENT_NM_RUNNING, G_CALLBACK (on_running), nm);
  g_signal_connect (client, NM_CLIENT_DEVICE_ADDED, G_CALLBACK (on_device_added), nm);
  g_signal_connect (client, NM_CLIENT_DEVICE_REMOVED, G_CALLBACK (on_device_removed), nm);
  devices = nm_client_get_devices (client);
  for (guint i = 0; i < devices->len; i++)
    watch_device (nm, g_ptr_array_index (devices, i));
}

static void
on_pending_free (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

static void
on_reloading (gpointer data, gboolean begin)
{
  if (!begin)
    tttd_nm_reevaluate (data);
}

static const TttdEvents daemon_events = {
  .reloading = on_reloading,
};

TttdNm *
tttd_nm_new (TttdDaemon *daemon)
{
  TttdNm *nm = g_new0 (TttdNm, 1);

  tttd_daemon_add_events (daemon, &daemon_events, nm);
  nm->daemon = daemon;
  nm->cancellable = g_cancellable_new ();
  nm->devices = g_hash_table_new_full (NULL, NULL, NULL, device_watch_free);
  nm->pending = g_ptr_array_new_with_free_func (on_pending_free);
  nm_client_new_async (nm->cancellable, on_client_ready, nm);
  return nm;
}

void
tttd_nm_reevaluate (TttdNm *nm)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, nm->devices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    evaluate (value);
}

void
tttd_nm_free (TttdNm *nm)
{
  if (nm == NULL)
    return;
  g_cancellable_cancel (nm->cancellable);
  tttd_daemon_remove_events (nm->daemon, nm);
  g_clear_handle_id (&nm->resync_id, g_source_remove);
  g_clear_pointer (&nm->pending, g_ptr_array_unref);
  g_hash_table_remove_all (nm->devices);
  if (nm->client != NULL)
    g_signal_handlers_disconnect_by_data (nm->client, nm);
  g_clear_object (&nm->client);
  g_hash_table_unref (nm->devices);
  g_clear_object (&nm->cancellable);
  g_free (nm);
}
