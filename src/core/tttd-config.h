/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"
#include "tttd-sched.h"

G_BEGIN_DECLS

typedef enum {
  TTTD_MODE_CLIENT,
  TTTD_MODE_SERVER,
} TttdMode;

#define TTTD_DEFAULT_TUN           "ttt0"
#define TTTD_LINK_WEIGHT_DEFAULT   10
#define TTTD_LINK_WEIGHT_MAX       1000
#define TTTD_LINK_PRIORITY_DEFAULT 10
#define TTTD_LINK_PRIORITY_MAX     1000
#define TTTD_FEC_AUTO              (-1)
#define TTTD_FEC_MAX_PERCENT       50

/* [link IFNAME] */
typedef struct {
  char *name;
  guint weight;
  guint priority;
  gboolean metered;
  gboolean metered_set; /* FALSE: follow NetworkManager */
  gboolean enabled;
} TttdLinkConfig;

/* [peer NAME] */
typedef struct {
  char *name;
  guint8 public_key[32];
  GArray *addresses; /* TttdPrefix */
} TttdPeerConfig;

typedef struct {
  char *source; /* the main file, for messages */
  TttdMode mode;
  char *tun;
  GArray *addresses; /* TttdPrefix */
  guint mtu;         /* 0: auto */
  TttdStrategy strategy;
  char *private_key_file;
  guint probe_interval_ms;
  guint rekey_after_seconds;
  gboolean retransmit; /* ask for lost packets again, and answer */
  gint fec;            /* TTTD_FEC_AUTO, 0 (off) or a percent of repair overhead */

  /* client */
  GArray *servers; /* TttdSockaddr */
  guint8 server_public_key[32];
  gboolean route_all;
  GArray *routes; /* TttdPrefix */
  GArray *dns;    /* TttdPrefix, host prefixes */
  gboolean kill_switch;

  /* links */
  gboolean networkmanager;
  char **match;
  char **ignore;
  char **static_links;
  GPtrArray *links; /* TttdLinkConfig */

  /* server */
  GArray *listen; /* TttdSockaddr */
  gboolean nat;
  GArray *pool;       /* TttdPrefix */
  GArray *forward_to; /* TttdPrefix: private, local or client destinations clients may reach with nat=true */
  GPtrArray *peers;   /* TttdPeerConfig */
} TttdConfig;

void tttd_config_free (TttdConfig *config);
const TttdLinkConfig *tttd_config_find_link (const TttdConfig *config, const char *name);
TttdLinkConfig tttd_config_link_settings (const TttdConfig *config, const char *name);
const char *tttd_mode_to_string (TttdMode mode);
/* 1 to 15 characters, none of '/', ':' or white space, not "." or ".." */
gboolean tttd_ifname_valid (const char *name);

/* streaming parser: feed the files one line at a time, in order (main file
 * first, then conf.d drop-ins); later settings override earlier ones */
typedef struct _TttdConfigParser TttdConfigParser;

TttdConfigParser *tttd_config_parser_new (void);
void tttd_config_parser_free (TttdConfigParser *parser);
void tttd_config_parser_begin_file (TttdConfigParser *parser, const char *filename);
gboolean tttd_config_parser_feed_line (TttdConfigParser *parser, const char *line, GError **error);
TttdConfig *tttd_config_parser_finish (TttdConfigParser *parser, GError **error);

gboolean tttd_config_parser_feed_data (TttdConfigParser *parser, const char *filename, const char *data, gsize len,
                                       GError **error);
TttdConfig *tttd_config_load (const char *path, const char *dropin_dir, GError **error);
TttdConfig *tttd_config_load_data (const char *filename, const char *data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdConfig, tttd_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdConfigParser, tttd_config_parser_free)

G_END_DECLS
