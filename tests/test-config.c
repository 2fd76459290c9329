/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tttd-config.h"
#include "tttd-error.h"

#define K1        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define K2        "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
#define K3        "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M="
#define FILE_NAME "test.conf"

static const char client_conf[] = "# a client with every key set\n"
                                  "[tttd]\n"
                                  "mode=client\n"
                                  "tun=ttt1\n"
                                  "address=198.18.200.2/24;fd00:198:18::2/64\n"
                                  "mtu=1400\n"
                                  "strategy=weighted\n"
                                  "private-key-file=/etc/tttd/private.key\n"
                                  "probe-interval-ms=500\n"
                                  "rekey-after-seconds=300\n"
                                  "\n"
                                  "[client]\n"
                                  "server=203.0.113.7:5801;[2001:db8::7]\n"
                                  "server-public-key=" K1 "\n"
                                  "route-all=true\n"
                                  "routes=198.18.0.0/15;2001:db8:1::/48\n"
                                  "dns=198.18.0.53;2001:db8::53\n"
                                  "kill-switch=yes\n"
                                  "\n"
                                  "[links]\n"
                                  "networkmanager=false\n"
                                  "match=wl*;enp*;wwan*\n"
                                  "ignore=lo;ttt*;docker*\n"
                                  "static=usb0;eth1\n"
                                  "\n"
                                  "[link wwan0]\n"
                                  "weight=30\n"
                                  "priority=1\n"
                                  "metered=true\n"
                                  "enabled=true\n"
                                  "\n"
                                  "[link wlan0]\n"
                                  "weight=70\n"
                                  "enabled=false\n"
                                  "metered=0\n";

static const char server_conf[] = "[tttd]\n"
                                  "mode=server\n"
                                  "tun=ttt9\n"
                                  "address=198.18.200.1/24;fd00:198:18::1/64\n"
                                  "mtu=auto\n"
                                  "strategy=redundant\n"
                                  "private-key-file=/etc/tttd/server.key\n"
                                  "\n"
                                  "[server]\n"
                                  "listen=0.0.0.0:5800;[::]:5900\n"
                                  "nat=true\n"
                                  "pool=198.18.201.0/24;fd00:198:19::/64\n"
                                  "\n"
                                  "[peer laptop]\n"
                                  "public-key=" K2 "\n"
                                  "address=198.18.200.2/32;fd00:198:18::2/128\n"
                                  "\n"
                                  "[peer phone]\n"
                                  "public-key=" K3 "\n";

static const char minimal_client[] = "[tttd]\n"
                                     "mode=client\n"
                                     "private-key-file=/etc/tttd/private.key\n"
                                     "[client]\n"
                                     "server=203.0.113.7\n"
                                     "server-public-key=" K1 "\n";

typedef struct {
  char *tmpdir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = NULL;
}

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->tmpdir != NULL)
    rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

#define assert_contains(haystack, needle) \
  G_STMT_START \
  { \
    const char *h_ = (haystack), *n_ = (needle); \
    if (strstr (h_, n_) == NULL) \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, #haystack " contains " #needle, h_, \
                                  "~", n_); \
  } \
  G_STMT_END

/* "FILE:LINE:" starts the message, and the key is named */
static void
assert_error_at (const GError *error, const char *file, guint line, const char *key)
{
  g_autofree char *where = g_strdup_printf ("%s:%u: ", file, line);

  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG);
  if (!g_str_has_prefix (error->message, where))
    g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                                "message starts with FILE:LINE:", error->message, "~", where);
  if (key != NULL)
    assert_contains (error->message, key);
}

static GError *
load_error (const char *text)
{
  GError *error = NULL;
  g_autoptr (TttdConfig) config = tttd_config_load_data (FILE_NAME, text, &error);

  g_assert_null (config);
  g_assert_nonnull (error);
  return error;
}

static TttdConfig *
load_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  TttdConfig *config = tttd_config_load_data (FILE_NAME, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
assert_prefix (const TttdPrefix *prefix, const char *expected)
{
  g_autofree char *text = tttd_prefix_to_string (prefix);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_endpoint (const TttdSockaddr *sa, const char *expected)
{
  g_autofree char *text = tttd_sockaddr_to_string (sa);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_strv (char **strv, const char *joined)
{
  g_autofree char *text = g_strjoinv (";", strv);

  g_assert_cmpstr (text, ==, joined);
}

static void
assert_key (const guint8 key[32], const char *base64)
{
  gsize len = 0;
  g_autofree guint8 *want = g_base64_decode (base64, &len);

  g_assert_cmpmem (key, 32, want, len);
}

static void
test_client_full (Fixture *f, gconstpointer data)
{
  g_autoptr (TttdConfig) config = load_ok (client_conf);
  const TttdLinkConfig *link;

  g_assert_cmpstr (config->source, ==, FILE_NAME);
  g_assert_cmpint (config->mode, ==, TTTD_MODE_CLIENT);
  g_assert_cmpstr (tttd_mode_to_string (config->mode), ==, "client");
  g_assert_cmpstr (config->tun, ==, "ttt1");
  g_assert_cmpuint (config->addresses->len, ==, 2);
  assert_prefix (&g_array_index (config->addresses, TttdPrefix, 0), "198.18.200.2/24");
  assert_prefix (&g_array_index (config->addresses, TttdPrefix, 1), "fd00:198:18::2/64");
  g_assert_cmpuint (config->mtu, ==, 1400);
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_WEIGHTED);
  g_assert_cmpstr (config->private_key_file, ==, "/etc/tttd/private.key");
  g_assert_cmpuint (config->probe_interval_ms, ==, 500);
  g_assert_cmpuint (config->rekey_after_seconds, ==, 300);

  g_assert_cmpuint (config->servers->len, ==, 2);
  assert_endpoint (&g_array_index (config->servers, TttdSockaddr, 0), "203.0.113.7:5801");
  assert_endpoint (&g_array_index (config->servers, TttdSockaddr, 1), "[2001:db8::7]:5800");
  assert_key (config->server_public_key, K1);
  g_assert_true (config->route_all);
  g_assert_cmpuint (config->routes->len, ==, 2);
  assert_prefix (&g_array_index (config->routes, TttdPrefix, 0), "198.18.0.0/15");
  assert_prefix (&g_array_index (config->routes, TttdPrefix, 1), "2001:db8:1::/48");
  g_assert_cmpuint (config->dns->len, ==, 2);
  assert_prefix (&g_array_index (config->dns, TttdPrefix, 0), "198.18.0.53/32");
  assert_prefix (&g_array_index (config->dns, TttdPrefix, 1), "2001:db8::53/128");
  g_assert_true (config->kill_switch);

  g_assert_false (config->networkmanager);
  assert_strv (config->match, "wl*;enp*;wwan*");
  assert_strv (config->ignore, "lo;ttt*;docker*");
  assert_strv (config->static_links, "usb0;eth1");

  g_assert_cmpuint (config->links->len, ==, 2);
  link = tttd_config_find_link (config, "wwan0");
  g_assert_nonnull (link);
  g_assert_cmpstr (link->name, ==, "wwan0");
  g_assert_cmpuint (link->weight, ==, 30);
  g_assert_cmpuint (link->priority, ==, 1);
  g_assert_true (link->metered);
  g_assert_true (link->metered_set);
  g_assert_true (link->enabled);
  link = tttd_config_find_link (config, "wlan0");
  g_assert_nonnull (link);
  g_assert_cmpuint (link->weight, ==, 70);
  g_assert_cmpuint (link->priority, ==, TTTD_LINK_PRIORITY_DEFAULT);
  g_assert_false (link->metered);
  g_assert_true (link->metered_set);
  g_assert_false (link->enabled);
  g_assert_null (tttd_config_find_link (config, "eth0"));
  g_assert_cmpuint (config->peers->len, ==, 0);

  /* the settings for a link by name: the caller's name, not a copy */
  {
    char name[] = "wwan0";
    TttdLinkConfig settings = tttd_config_link_settings (config, name);
    g_assert_true (settings.name == name);
    g_assert_cmpuint (settings.weight, ==, 30);
    g_assert_cmpuint (settings.priority, ==, 1);
    g_assert_true (settings.metered);
  }
}

static void
test_server_full (Fixture *f, gconstpointer data)
{
  g_autoptr (TttdConfig) config = load_ok (server_conf);
  const TttdPeerConfig *peer;

  g_assert_cmpint (config->mode, ==, TTTD_MODE_SERVER);
  g_assert_cmpstr (tttd_mode_to_string (config->mode), ==, "server");
  g_assert_cmpstr (config->tun, ==, "ttt9");
  g_assert_cmpuint (config->addresses->len, ==, 2);
  assert_prefix (&g_array_index (config->addresses, TttdPrefix, 0), "198.18.200.1/24");
  g_assert_cmpuint (config->mtu, ==, 0);
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_REDUNDANT);
  g_assert_cmpstr (config->private_key_file, ==, "/etc/tttd/server.key");
  g_assert_cmpuint (config->listen->len, ==, 2);
  assert_endpoint (&g_array_index (config->listen, TttdSockaddr, 0), "0.0.0.0:5800");
  assert_endpoint (&g_array_index (config->listen, TttdSockaddr, 1), "[::]:5900");
  g_assert_true (config->nat);
  g_assert_cmpuint (config->pool->len, ==, 2);
  assert_prefix (&g_array_index (config->pool, TttdPrefix, 0), "198.18.201.0/24");
  assert_prefix (&g_array_index (config->pool, TttdPrefix, 1), "fd00:198:19::/64");

  g_assert_cmpuint (config->peers->len, ==, 2);
  peer = g_ptr_array_index (config->peers, 0);
  g_assert_cmpstr (peer->name, ==, "laptop");
  assert_key (peer->public_key, K2);
  g_assert_cmpuint (peer->addresses->len, ==, 2);
  assert_prefix (&g_array_index (peer->addresses, TttdPrefix, 0), "198.18.200.2/32");
  assert_prefix (&g_array_index (peer->addresses, TttdPrefix, 1), "fd00:198:18::2/128");
  peer = g_ptr_array_index (config->peers, 1);
  g_assert_cmpstr (peer->name, ==, "phone");
  assert_key (peer->public_key, K3);
  /* from the pool */
  g_assert_cmpuint (peer->addresses->len, ==, 0);
}

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (TttdConfig) config = load_ok (minimal_client);
  g_autoptr (TttdConfig) server = NULL;
  TttdLinkConfig settings;

  g_assert_cmpint (config->mode, ==, TTTD_MODE_CLIENT);
  g_assert_cmpstr (config->tun, ==, "ttt0");
  g_assert_cmpuint (config->addresses->len, ==, 0);
  g_assert_cmpuint (config->mtu, ==, 0);
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_ADAPTIVE);
  g_assert_cmpuint (config->probe_interval_ms, ==, 200);
  g_assert_cmpuint (config->rekey_after_seconds, ==, 120);
  g_assert_cmpuint (config->servers->len, ==, 1);
  assert_endpoint (&g_array_index (config->servers, TttdSockaddr, 0), "203.0.113.7:5800");
  g_assert_false (config->route_all);
  g_assert_false (config->kill_switch);
  g_assert_cmpuint (config->routes->len, ==, 0);
  g_assert_cmpuint (config->dns->len, ==, 0);
  g_assert_true (config->networkmanager);
  assert_strv (config->match, "*");
  assert_strv (config->ignore, "lo;ttt*");
  g_assert_nonnull (config->static_links);
  g_assert_null (config->static_links[0]);
  g_assert_cmpuint (config->links->len, ==, 0);

  /* a link without a group has the default settings */
  settings = tttd_config_link_settings (config, "wwan7");
  g_assert_cmpstr (settings.name, ==, "wwan7");
  g_assert_cmpuint (settings.weight, ==, TTTD_LINK_WEIGHT_DEFAULT);
  g_assert_cmpuint (settings.priority, ==, TTTD_LINK_PRIORITY_DEFAULT);
  g_assert_true (settings.enabled);
  g_assert_false (settings.metered_set);
  settings = tttd_config_link_settings (NULL, "wwan7");
  g_assert_cmpuint (settings.weight, ==, TTTD_LINK_WEIGHT_DEFAULT);

  /* a server listens on the default port of every IPv4 address */
  server = load_ok ("[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n"
                    "[peer a]\npublic-key=" K2 "\naddress=198.18.200.2\n");
  g_assert_cmpuint (server->listen->len, ==, 1);
  assert_endpoint (&g_array_index (server->listen, TttdSockaddr, 0), "0.0.0.0:5800");
  g_assert_cmpuint (server->pool->len, ==, 0);
}

static void
test_comments (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdConfig) config = NULL;

  /* a '#' inside a value (not after a blank) belongs to it */
  config = load_ok ("[tttd]\n"
                    "mode=client            # client | server\n"
                    "  tun = ttt3\t# spaces around '=' and a tab before '#'\n"
                    "strategy=flow-hash #no space after the hash\n"
                    "private-key-file=/etc/tttd/key#1\n"
                    "mtu=auto # or a number\r\n"
                    "[client]\n"
                    "server=203.0.113.7:5800;198.51.100.1 # two of them\n"
                    "server-public-key=" K1 "   # the server's\n"
                    "[links]\n"
                    "match=wl#*;en* # odd names\n");
  g_assert_cmpstr (config->tun, ==, "ttt3");
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_FLOW_HASH);
  g_assert_cmpstr (config->private_key_file, ==, "/etc/tttd/key#1");
  g_assert_cmpuint (config->mtu, ==, 0);
  g_assert_cmpuint (config->servers->len, ==, 2);
  assert_strv (config->match, "wl#*;en*");
  g_clear_pointer (&config, tttd_config_free);

  /* "false#x" is no boolean: the comment needs a blank before it */
  error = load_error ("[tttd]\nmode=client\nprivate-key-file=/k\n[client]\nserver=203.0.113.7\n"
                      "server-public-key=" K1 "\nroute-all=false#x\n");
  assert_error_at (error, FILE_NAME, 7, "[client] route-all: ");
}

/* the example of DESIGN.md, keys filled in: what users will copy */
static void
test_design_example (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdConfig) config = tttd_config_load_data (
    FILE_NAME,
    "[tttd]\n"
    "mode=client                    # client | server\n"
    "tun=ttt0                       # TUN device name\n"
    "address=198.18.200.2/24        # this end's tunnel address(es), ';'-separated, v4 and/or v6\n"
    "mtu=auto                       # or a number\n"
    "strategy=adaptive              # see below\n"
    "private-key-file=/etc/tttd/private.key\n"
    "\n"
    "[client]\n"
    "server=203.0.113.7:5800        # server endpoint(s), ';'-separated\n"
    "server-public-key=" K1 "\n"
    "route-all=false                # send all traffic through the tunnel\n"
    "\n"
    "[links]                        # client: which links to bond\n"
    "networkmanager=true            # follow NetworkManager\n"
    "match=*                        # interface-name globs, ';'-separated\n"
    "ignore=lo;ttt*                 # globs never bonded\n"
    "static=                        # interfaces bonded even without NetworkManager\n"
    "\n"
    "[link wwan0]                   # per-link settings, by interface name\n"
    "weight=30\n"
    "priority=1\n"
    "metered=true\n"
    "enabled=true\n"
    "\n"
    "[server]\n"
    "listen=0.0.0.0:5800            # ';'-separated, v4 and/or v6\n"
    "nat=true                       # forward and masquerade client traffic\n"
    "\n"
    "[peer laptop]                  # server: one group per allowed client\n"
    "public-key=" K2 "\n"
    "address=198.18.200.2/32\n",
    &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (tttd_config_link_settings (config, "wwan0").weight, ==, 30);
  assert_strv (config->static_links, "");
}

static void
test_bad_lines (Fixture *f, gconstpointer data)
{
  struct {
    const char *text;
    guint line;
    const char *needle;
  } cases[] = {
    { "[tttd]\nmode=client\n[tunnel]\n", 3, "tunnel" },
    { "[tttd]\n[Client]\n", 2, "Client" },
    { "[link]\nweight=1\n", 1, "link" },
    { "[peer]\npublic-key=" K2 "\n", 1, "peer" },
    { "[tttd]\nmode=client\nbogus=1\n", 3, "[tttd] bogus: unknown key" },
    { "[tttd]\nlisten=0.0.0.0\n", 2, "[tttd] listen: unknown key" },
    { "[client]\nmode=client\n", 2, "[client] mode: unknown key" },
    { "[link wwan0]\npublic-key=" K2 "\n", 2, "[link wwan0] public-key: unknown key" },
    { "[peer laptop]\nweight=3\n", 2, "[peer laptop] weight: unknown key" },
    { "[tttd]\nMode=client\n", 2, "Mode" },
    { "mode=client\n[tttd]\n", 1, "mode" },
    { "\n# comment\n  tun = ttt0\n", 3, "tun" },
    { "[tttd]\nmode client\n", 2, "mode client" },
    { "[tttd]\n\nprivate-key-file\n", 3, "private-key-file" },
    { "[tttd\nmode=client\n", 1, "[tttd" },
    { "[tttd]]x\n", 1, "[tttd]]x" },
    { "[link a/b]\nweight=1\n", 1, "a/b" },
    { "[link abcdefghijklmnop]\n", 1, "abcdefghijklmnop" },
    { "[link wl an0]\n", 1, "wl an0" },
    { "[link ]\n", 1, "link" },
    { "[peer ]\n", 1, "peer" },
    { "[peer    ]\n", 1, "peer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("case %u: %s", i, cases[i].text);
      error = load_error (cases[i].text);
      assert_error_at (error, FILE_NAME, cases[i].line, cases[i].needle);
    }
}

typedef struct {
  const char *group;
  const char *key;
  const char *value;
} BadValue;

static const BadValue bad_values[] = {
  { "tttd", "mode", "" },
  { "tttd", "mode", "Client" },
  { "tttd", "mode", "both" },
  { "tttd", "tun", "" },
  { "tttd", "tun", "abcdefghijklmnop" },
  { "tttd", "tun", "ttt/0" },
  { "tttd", "tun", "ttt:0" },
  { "tttd", "tun", "ttt 0" },
  { "tttd", "tun", "." },
  { "tttd", "tun", ".." },
  { "tttd", "address", "198.18.200.300/24" },
  { "tttd", "address", "198.18.200.2/33" },
  { "tttd", "address", "2001:db8::1/129" },
  { "tttd", "address", "tunnel" },
  { "tttd", "address", "198.18.200.2/" },
  { "tttd", "address", "198.18.200.2/24;bad" },
  { "tttd", "mtu", "0" },
  { "tttd", "mtu", "575" },
  { "tttd", "mtu", "65001" },
  { "tttd", "mtu", "-1" },
  { "tttd", "mtu", "1500x" },
  { "tttd", "mtu", "" },
  { "tttd", "mtu", "Auto" },
  { "tttd", "strategy", "fastest" },
  { "tttd", "strategy", "" },
  { "tttd", "strategy", "Adaptive" },
  { "tttd", "private-key-file", "private.key" },
  { "tttd", "private-key-file", "" },
  { "tttd", "probe-interval-ms", "19" },
  { "tttd", "probe-interval-ms", "60001" },
  { "tttd", "probe-interval-ms", "fast" },
  { "tttd", "probe-interval-ms", "" },
  { "tttd", "rekey-after-seconds", "1" },
  { "tttd", "rekey-after-seconds", "86401" },
  { "tttd", "rekey-after-seconds", "1e3" },
  { "tttd", "rekey-after-seconds", "0x10" },
  { "tttd", "retransmit", "maybe" },
  { "tttd", "retransmit", "" },
  { "tttd", "fec", "0" },
  { "tttd", "fec", "51" },
  { "tttd", "fec", "10%" },
  { "tttd", "fec", "" },
  { "tttd", "fec", "Auto" },
  { "tttd", "fec", "on" },
  { "tttd", "fec", "-1" },
  { "client", "server", "203.0.113.7:0" },
  { "client", "server", "203.0.113.7:65536" },
  { "client", "server", "[2001:db8::7" },
  { "client", "server", "[2001:db8::7]5800" },
  { "client", "server", "vpn.example.org:5800" },
  { "client", "server", "203.0.113.7:port" },
  { "client", "server", "203.0.113.7;nonsense" },
  { "client", "server-public-key", "" },
  { "client", "server-public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" },
  { "client", "server-public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==" },
  { "client", "server-public-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" },
  { "client", "server-public-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
  { "client", "server-public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh!=" },
  { "client", "server-public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUF-YXGBkaGxwdHh8=" },
  { "client", "server-public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUF_YXGBkaGxwdHh8=" },
  { "client", "route-all", "maybe" },
  { "client", "route-all", "" },
  { "client", "route-all", "2" },
  { "client", "routes", "198.18.0.0" },
  { "client", "routes", "198.18.0.0/15;bad/8" },
  { "client", "dns", "198.18.0.300" },
  { "client", "dns", "dns.example" },
  { "client", "kill-switch", "on" },
  { "links", "networkmanager", "enable" },
  { "links", "static", "usb/0" },
  { "links", "static", "eth0;abcdefghijklmnop" },
  { "link wwan0", "weight", "0" },
  { "link wwan0", "weight", "1001" },
  { "link wwan0", "weight", "heavy" },
  { "link wwan0", "priority", "1001" },
  { "link wwan0", "priority", "-1" },
  { "link wwan0", "metered", "perhaps" },
  { "link wwan0", "enabled", "2" },
  { "server", "listen", "0.0.0.0:0" },
  { "server", "listen", "anywhere" },
  { "server", "nat", "y" },
  { "server", "pool", "198.18.0.0" },
  { "server", "pool", "198.18.0.0/40" },
  { "peer laptop", "public-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" },
  { "peer laptop", "public-key", "not a key" },
  { "peer laptop", "address", "198.18.200.2/33" },
  { "peer laptop", "address", "laptop" },
};

static void
test_bad_values (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      const BadValue *bad = &bad_values[i];
      gboolean server = g_str_has_prefix (bad->group, "server") || g_str_has_prefix (bad->group, "peer");
      const char *base = server ? server_conf : client_conf;
      g_autofree char *text = g_strdup_printf ("%s[%s]\n%s=%s\n", base, bad->group, bad->key, bad->value);
      g_autofree char *key = g_strdup_printf ("[%s] %s: ", bad->group, bad->key);
      g_autoptr (GError) error = NULL;

      g_test_message ("[%s] %s=%s", bad->group, bad->key, bad->value);
      error = load_error (text);
      assert_error_at (error, FILE_NAME, count_lines (base) + 2, key);
    }
}

static void
test_good_bounds (Fixture *f, gconstpointer data)
{
  const char *good[] = {
    "[tttd]\nmtu=576\n",
    "[tttd]\nmtu=65000\n",
    "[tttd]\nmtu=1280\n",
    "[tttd]\nprobe-interval-ms=20\n",
    "[tttd]\nprobe-interval-ms=60000\n",
    "[tttd]\nrekey-after-seconds=2\n",
    "[tttd]\nrekey-after-seconds=86400\n",
    "[tttd]\nfec=1\n",
    "[tttd]\nfec=50\n",
    "[tttd]\nfec=off\nretransmit=false\n",
    "[link wwan0]\nweight=1\n",
    "[link wwan0]\nweight=1000\n",
    "[link wwan0]\npriority=0\n",
    "[link wwan0]\npriority=1000\n",
    "[tttd]\ntun=abcdefghijklmno\n",
    "[links]\nstatic=\n",
    "[client]\nroute-all=1\nkill-switch=no\n",
    "[client]\nroute-all=0\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strconcat (client_conf, good[i], NULL);
      g_autoptr (TttdConfig) config = NULL;
      g_test_message ("%s", good[i]);
      config = load_ok (text);
      g_assert_nonnull (config);
    }
}

/* loss recovery: on by default, off or a fixed FEC share when asked */
static void
test_recovery (Fixture *f, gconstpointer data)
{
  g_autoptr (TttdConfig) plain = load_ok (client_conf);
  g_autofree char *off_text = g_strconcat (client_conf, "[tttd]\nretransmit=false\nfec=off\n", NULL);
  g_autoptr (TttdConfig) off = load_ok (off_text);
  g_autofree char *fixed_text = g_strconcat (client_conf, "[tttd]\nfec=25\nretransmit=yes\n", NULL);
  g_autoptr (TttdConfig) fixed = load_ok (fixed_text);
  g_autofree char *again_text = g_strconcat (client_conf, "[tttd]\nfec=25\nfec=auto\n", NULL);
  g_autoptr (TttdConfig) again = load_ok (again_text);

  g_assert_true (plain->retransmit);
  g_assert_cmpint (plain->fec, ==, TTTD_FEC_AUTO);
  g_assert_false (off->retransmit);
  g_assert_cmpint (off->fec, ==, 0);
  g_assert_true (fixed->retransmit);
  g_assert_cmpint (fixed->fec, ==, 25);
  g_assert_cmpint (again->fec, ==, TTTD_FEC_AUTO);
}

static void
test_strategy_names (Fixture *f, gconstpointer data)
{
  const char *names[] = {
    "balance-rr", "weighted", "active-backup", "redundant", "lowest-rtt", "metered-overflow", "flow-hash", "adaptive",
  };
  g_autofree char *text = g_strconcat (minimal_client, "[tttd]\nstrategy=round-robin\n", NULL);
  g_autoptr (GError) error = load_error (text);

  /* the message says what would have been right */
  assert_error_at (error, FILE_NAME, 8, "[tttd] strategy: ");
  assert_contains (error->message, "round-robin");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *ok = g_strdup_printf ("%s[tttd]\nstrategy=%s\n", minimal_client, names[i]);
      g_autoptr (TttdConfig) config = load_ok (ok);
      assert_contains (error->message, names[i]);
      g_assert_cmpstr (tttd_strategy_to_string (config->strategy), ==, names[i]);
    }
}

static void
test_required (Fixture *f, gconstpointer data)
{
  struct {
    const char *text;
    guint line; /* 0: no line to name */
    const char *key;
  } cases[] = {
    { "", 0, "[tttd] mode: " },
    { "# nothing\n[tttd]\ntun=ttt0\n", 0, "[tttd] mode: " },
    { "[tttd]\nmode=client\n", 2, "[tttd] private-key-file: " },
    { "[tttd]\nmode=client\nprivate-key-file=/k\n[client]\nserver-public-key=" K1 "\n", 2, "[client] server: " },
    { "[tttd]\nmode=client\nprivate-key-file=/k\n[client]\nserver=\nserver-public-key=" K1 "\n", 2,
      "[client] server: " },
    { "[tttd]\nmode=client\nprivate-key-file=/k\n[client]\nserver=203.0.113.7\n", 2, "[client] server-public-key: " },
    { "[tttd]\nmode=server\nprivate-key-file=/k\n[peer a]\npublic-key=" K2 "\naddress=198.18.200.2\n", 2,
      "[tttd] address: " },
    { "[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n", 2, "public-key" },
    { "[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n[peer a]\naddress=198.18.200.2\n", 5,
      "[peer a] public-key: " },
    { "[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n[peer a]\npublic-key=" K2 "\n", 2,
      "[peer a] address: " },
    { "[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n[server]\npool=\n[peer a]\npublic-key=" K2
      "\n",
      2, "[peer a] address: " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("case %u", i);
      error = load_error (cases[i].text);
      if (cases[i].line != 0)
        assert_error_at (error, FILE_NAME, cases[i].line, cases[i].key);
      else
        {
          g_assert_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG);
          g_assert_true (g_str_has_prefix (error->message, FILE_NAME ": "));
          assert_contains (error->message, cases[i].key);
        }
    }

  /* a pool makes the peer addresses optional; a client needs no peers */
  {
    g_autoptr (TttdConfig) config = load_ok ("[tttd]\nmode=server\nprivate-key-file=/k\naddress=198.18.200.1/24\n"
                                             "[server]\npool=198.18.201.0/24\n[peer a]\npublic-key=" K2 "\n");
    g_assert_cmpuint (config->peers->len, ==, 1);
  }
}

/* a [peer NAME] group without any key is a peer without a public key */
static void
test_empty_peer_group (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strconcat (server_conf, "[peer tablet]\n", NULL);
  g_autoptr (GError) error = load_error (text);

  g_assert_error (error, TTTD_ERROR, TTTD_ERROR_CONFIG);
  assert_contains (error->message, FILE_NAME);
  assert_contains (error->message, "[peer tablet] public-key: ");
}

static void
test_duplicate_peers (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strconcat (server_conf, "[peer tablet]\naddress=198.18.200.9\npublic-key=" K2 "\n", NULL);
  g_autoptr (GError) error = load_error (text);

  assert_error_at (error, FILE_NAME, count_lines (server_conf) + 3, "[peer tablet] public-key: ");
  assert_contains (error->message, "laptop");
  /* a group given twice is one peer, not a duplicate */
  {
    g_autofree char *twice = g_strconcat (server_conf, "[peer laptop]\naddress=198.18.200.7\n", NULL);
    g_autoptr (TttdConfig) config = load_ok (twice);
    const TttdPeerConfig *peer = g_ptr_array_index (config->peers, 0);
    g_assert_cmpuint (config->peers->len, ==, 2);
    g_assert_cmpuint (peer->addresses->len, ==, 1);
    assert_prefix (&g_array_index (peer->addresses, TttdPrefix, 0), "198.18.200.7/32");
  }
}

/* two peers with one tunnel address: the later one is named, at the line of
 * its address */
static void
test_duplicate_addresses (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strconcat (server_conf, "address=198.18.200.9/32;fd00:198:18::2/128\n", NULL);
  g_autoptr (GError) error = load_error (text);

  assert_error_at (error, FILE_NAME, count_lines (server_conf) + 1, "[peer phone] address: ");
  assert_contains (error->message, "fd00:198:18::2/128");
  assert_contains (error->message, "laptop");
  /* an address given again in the same group is no clash */
  {
    g_autofree char *again =
      g_strconcat (server_conf, "address=198.18.200.9/32\n[peer laptop]\naddress=198.18.200.2/32\n", NULL);
    g_autoptr (TttdConfig) config = load_ok (again);
    g_assert_cmpuint (config->peers->len, ==, 2);
  }
}

/* a prefix that holds another peer's, or lies in one, or holds the server's
 * own address: refused at the line of the later address */
static void
test_overlapping_addresses (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *address;
    const char *named;
  } cases[] = {
    { "198.18.200.0/28", "198.18.200.0/28 " }, /* holds laptop's and the server's */
    { "198.18.200.2/31", "198.18.200.2/32 of [peer laptop]" },
    { "fd00:198:18::2/127", "fd00:198:18::2/128 of [peer laptop]" },
    { "198.18.200.0/30", "" }, /* holds both */
    { "198.18.200.1/32", "the server's own address 198.18.200.1/32" },
    { "198.18.200.0/31", "the server's own address 198.18.200.1/32" },
    { "fd00:198:18::1/128", "the server's own address fd00:198:18::1/128" },
    { "0.0.0.0/0", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("%saddress=%s\n", server_conf, cases[i].address);
      g_autoptr (GError) error = load_error (text);
      assert_error_at (error, FILE_NAME, count_lines (server_conf) + 1, "[peer phone] address: ");
      assert_contains (error->message, cases[i].named);
    }
  /* and the other way round: a host inside a wider prefix listed first */
  {
    g_autofree char *text = g_strconcat (server_conf,
                                         "address=198.18.200.16/28\n"
                                         "[peer tablet]\npublic-key=" K1 "\naddress=198.18.200.21/32\n",
                                         NULL);
    g_autoptr (GError) error = load_error (text);
    assert_error_at (error, FILE_NAME, count_lines (server_conf) + 4, "[peer tablet] address: ");
    assert_contains (error->message, "198.18.200.21/32 overlaps 198.18.200.16/28 of [peer phone]");
  }
  /* next to each other, and in the tunnel's subnet: fine */
  {
    g_autofree char *text = g_strconcat (server_conf,
                                         "address=198.18.200.16/28;198.18.200.3/32\n"
                                         "[peer tablet]\npublic-key=" K1 "\naddress=198.18.200.32/28\n",
                                         NULL);
    g_autoptr (TttdConfig) config = load_ok (text);
    g_assert_cmpuint (config->peers->len, ==, 3);
  }
}

/* host bits in a peer's prefix or in a pool are a typo, not a guess */
static void
test_host_bits (Fixture *f, gconstpointer data)
{
  g_autofree char *peer = g_strconcat (server_conf, "address=198.18.200.5/28\n", NULL);
  g_autofree char *pool = g_strconcat (server_conf, "[server]\npool=fd00:198:19::1/64\n", NULL);
  g_autoptr (GError) error = load_error (peer);

  assert_error_at (error, FILE_NAME, count_lines (server_conf) + 1, "[peer phone] address: ");
  assert_contains (error->message,
                   "198.18.200.5/28 has host bits set (a host is 198.18.200.5/32, the network 198.18.200.0/28)");
  g_clear_error (&error);
  error = load_error (pool);
  assert_error_at (error, FILE_NAME, count_lines (server_conf) + 2, "[server] pool: ");
  assert_contains (error->message, "fd00:198:19::1/64 has host bits set");
}

static void
test_forward_to (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strconcat (
    server_conf, "address=198.18.200.3/32\n[server]\nforward-to=198.19.77.0/24;169.254.169.254;fd00::/8\n", NULL);
  g_autofree char *bad =
    g_strconcat (server_conf, "address=198.18.200.3/32\n[server]\nforward-to=198.19.77.1/24\n", NULL);
  g_autoptr (TttdConfig) config = load_ok (text);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (config->forward_to->len, ==, 3);
  assert_prefix (&g_array_index (config->forward_to, TttdPrefix, 0), "198.19.77.0/24");
  assert_prefix (&g_array_index (config->forward_to, TttdPrefix, 1), "169.254.169.254/32");
  assert_prefix (&g_array_index (config->forward_to, TttdPrefix, 2), "fd00::/8");
  error = load_error (bad);
  assert_error_at (error, FILE_NAME, count_lines (server_conf) + 3, "[server] forward-to: ");
}

static void
feed_bytes_error (const char *data, gsize len, guint line)
{
  g_autoptr (TttdConfigParser) parser = tttd_config_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (tttd_config_parser_feed_data (parser, FILE_NAME, data, len, &error));
  assert_error_at (error, FILE_NAME, line, NULL);
}

static void
test_not_utf8 (Fixture *f, gconstpointer data)
{
  const char latin1[] = "[tttd]\nmode=client\ntun=t\xe9t0\n";

  feed_bytes_error (latin1, sizeof latin1 - 1, 3);
}

static void
test_nul (Fixture *f, gconstpointer data)
{
  const char nul[] = "[tttd]\nmode=client\0\nprivate-key-file=/k\n";

  feed_bytes_error (nul, sizeof nul - 1, 2);
}

static void
test_streaming (Fixture *f, gconstpointer data)
{
  g_autoptr (TttdConfigParser) parser = tttd_config_parser_new ();
  g_autoptr (TttdConfig) config = NULL;
  g_auto (GStrv) lines = g_strsplit (minimal_client, "\n", -1);
  g_autoptr (GError) error = NULL;

  tttd_config_parser_begin_file (parser, "/etc/tttd/tttd.conf");
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (tttd_config_parser_feed_line (parser, lines[i], &error));
  g_assert_no_error (error);
  tttd_config_parser_begin_file (parser, "/etc/tttd/conf.d/10-links.conf");
  g_assert_true (tttd_config_parser_feed_line (parser, "[link usb0]", &error));
  g_assert_true (tttd_config_parser_feed_line (parser, "weight=99", &error));
  g_assert_true (tttd_config_parser_feed_line (parser, "[tttd]", &error));
  g_assert_true (tttd_config_parser_feed_line (parser, "mtu=1300", &error));
  g_assert_no_error (error);
  /* a new file starts outside any group, counting lines from 1 again */
  tttd_config_parser_begin_file (parser, "/etc/tttd/conf.d/20-bad.conf");
  g_assert_true (tttd_config_parser_feed_line (parser, "", &error));
  g_assert_false (tttd_config_parser_feed_line (parser, "mtu=1200", &error));
  assert_error_at (error, "/etc/tttd/conf.d/20-bad.conf", 2, "mtu");
  g_clear_error (&error);

  config = tttd_config_parser_finish (parser, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->source, ==, "/etc/tttd/tttd.conf");
  g_assert_cmpuint (config->mtu, ==, 1300);
  g_assert_cmpuint (tttd_config_link_settings (config, "usb0").weight, ==, 99);

  /* a bad value is found at the end but named by its own file and line */
  {
    g_autoptr (TttdConfigParser) p2 = tttd_config_parser_new ();
    g_autoptr (TttdConfig) c2 = NULL;
    tttd_config_parser_begin_file (p2, "main.conf");
    g_assert_true (tttd_config_parser_feed_data (p2, "main.conf", minimal_client, strlen (minimal_client), &error));
    g_assert_true (tttd_config_parser_feed_data (p2, "drop.conf", "\n\n[link usb0]\nweight=0\n", 22, &error));
    g_assert_no_error (error);
    c2 = tttd_config_parser_finish (p2, &error);
    g_assert_null (c2);
    assert_error_at (error, "drop.conf", 4, "[link usb0] weight: ");
  }
}

static void
write_file (Fixture *f, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (f->tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static void
test_dropins (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TttdConfig) config = NULL;
  g_autofree char *main_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *bad = NULL;

  f->tmpdir = g_dir_make_tmp ("tttd-config-XXXXXX", &error);
  g_assert_no_error (error);
  main_path = g_build_filename (f->tmpdir, "tttd.conf", NULL);
  dir = g_build_filename (f->tmpdir, "conf.d", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_file (f, "tttd.conf", client_conf);
  /* read in name order, whatever order they were written in */
  write_file (f, "conf.d/20-second.conf", "[tttd]\nstrategy=redundant\n[link wwan0]\npriority=3\n");
  write_file (f, "conf.d/10-first.conf",
              "[tttd]\nstrategy=lowest-rtt\ntun=ttt5\n[link wwan0]\nweight=5\npriority=2\n"
              "[client]\nserver=198.51.100.9\n");
  write_file (f, "conf.d/README", "not a configuration file\n");
  write_file (f, "conf.d/30-off.conf.disabled", "[nonsense\n");

  config = tttd_config_load (main_path, dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstr (config->source, ==, main_path);
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_REDUNDANT);
  g_assert_cmpstr (config->tun, ==, "ttt5");
  g_assert_cmpuint (tttd_config_link_settings (config, "wwan0").weight, ==, 5);
  g_assert_cmpuint (tttd_config_link_settings (config, "wwan0").priority, ==, 3);
  /* a list is replaced, not appended to */
  g_assert_cmpuint (config->servers->len, ==, 1);
  assert_endpoint (&g_array_index (config->servers, TttdSockaddr, 0), "198.51.100.9:5800");
  /* untouched keys keep the main file's values */
  g_assert_cmpuint (config->mtu, ==, 1400);
  g_clear_pointer (&config, tttd_config_free);

  /* no drop-in directory at all is fine */
  config = tttd_config_load (main_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (config->strategy, ==, TTTD_STRATEGY_WEIGHTED);
  g_clear_pointer (&config, tttd_config_free);
  {
    g_autofree char *none = g_build_filename (f->tmpdir, "missing.d", NULL);
    config = tttd_config_load (main_path, none, &error);
    g_assert_no_error (error);
    g_clear_pointer (&config, tttd_config_free);
  }

  /* an error in a drop-in names the drop-in */
  write_file (f, "conf.d/40-bad.conf", "[tttd]\n\nmtu=1\n");
  bad = g_build_filename (dir, "40-bad.conf", NULL);
  config = tttd_config_load (main_path, dir, &error);
  g_assert_null (config);
  assert_error_at (error, bad, 3, "[tttd] mtu: ");
  g_clear_error (&error);
  write_file (f, "conf.d/40-bad.conf", "weight=5\n");
  config = tttd_config_load (main_path, dir, &error);
  g_assert_null (config);
  assert_error_at (error, bad, 1, "weight");
  g_clear_error (&error);

  /* and a duplicate peer key across files names the later one */
  g_assert_cmpint (g_unlink (bad), ==, 0);
  write_file (f, "tttd.conf", server_conf);
  write_file (f, "conf.d/50-peer.conf", "# another peer\n[peer tablet]\npublic-key=" K3 "\naddress=198.18.200.5\n");
  config = tttd_config_load (main_path, dir, &error);
  g_assert_null (config);
  g_free (bad);
  bad = g_build_filename (dir, "50-peer.conf", NULL);
  assert_error_at (error, bad, 3, "[peer tablet] public-key: ");
  assert_contains (error->message, "phone");
  g_clear_error (&error);

  /* no main file */
  {
    g_autofree char *none = g_build_filename (f->tmpdir, "none.conf", NULL);
    config = tttd_config_load (none, dir, &error);
    g_assert_null (config);
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/tttd/config/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("client-full", test_client_full);
  ADD ("server-full", test_server_full);
  ADD ("defaults", test_defaults);
  ADD ("comments", test_comments);
  ADD ("bad-lines", test_bad_lines);
  ADD ("bad-values", test_bad_values);
  ADD ("good-bounds", test_good_bounds);
  ADD ("strategy-names", test_strategy_names);
  ADD ("recovery", test_recovery);
  ADD ("required", test_required);
  ADD ("duplicate-peers", test_duplicate_peers);
  ADD ("duplicate-addresses", test_duplicate_addresses);
  ADD ("streaming", test_streaming);
  ADD ("dropins", test_dropins);
  ADD ("overlapping-addresses", test_overlapping_addresses);
  ADD ("host-bits", test_host_bits);
  ADD ("forward-to", test_forward_to);
  ADD ("design-example", test_design_example);
  ADD ("empty-peer-group", test_empty_peer_group);
  ADD ("not-utf8", test_not_utf8);
  ADD ("nul", test_nul);
#undef ADD

  return g_test_run ();
}
