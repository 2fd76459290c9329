/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-addr.h"

G_BEGIN_DECLS

/**
 * TttdAllowedIps:
 *
 * The tunnel addresses and who owns them, as WireGuard's allowed-ips: one
 * path-compressed binary trie per address family. The server asks it where a
 * packet goes (the longest prefix holding its destination) and whether a
 * peer may send from a source (the longest prefix holding it is the peer's).
 * An owner is an opaque non-NULL pointer; a lookup allocates nothing.
 */
typedef struct _TttdAllowedIps TttdAllowedIps;

TttdAllowedIps *tttd_allowed_ips_new (void);
void tttd_allowed_ips_free (TttdAllowedIps *table);
void tttd_allowed_ips_clear (TttdAllowedIps *table);
guint tttd_allowed_ips_count (const TttdAllowedIps *table);
/* the host bits of the prefix are ignored; FALSE (nothing changes) when
 * exactly this prefix has an owner already */
gboolean tttd_allowed_ips_insert (TttdAllowedIps *table, const TttdPrefix *prefix, gpointer owner);
/* the owner of the longest prefix that holds addr, or NULL */
gpointer tttd_allowed_ips_lookup (const TttdAllowedIps *table, int family, const guint8 *addr);
/* the owner of a prefix that holds, equals or lies inside prefix, or NULL;
 * found (if not NULL) gets that prefix */
gpointer tttd_allowed_ips_find_overlap (const TttdAllowedIps *table, const TttdPrefix *prefix, TttdPrefix *found);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdAllowedIps, tttd_allowed_ips_free)

G_END_DECLS
