/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* authorization of D-Bus method calls: root may do anything (and, in
 * tests, one trusted uid); anyone else as polkit says for the call's
 * action, when the bus policy lets the call through at all.  Checks are
 * asynchronous: the loop never waits for polkit. */

typedef struct _TttdAuth TttdAuth;

/* the call may go ahead; owner and data as given to tttd_auth_check */
typedef void (*TttdAuthorizedFunc) (gpointer owner, GDBusMethodInvocation *invocation, gpointer data);

TttdAuth *tttd_auth_new (void);
/* pending checks are cancelled: their calls are neither run nor answered */
void tttd_auth_free (TttdAuth *auth);
void tttd_auth_set_trusted_uid (TttdAuth *auth, guint32 uid);
/* runs func once the caller may do action, else answers the call with
 * TTTD_ERROR_NOT_PERMITTED; destroy (data) in either case */
void tttd_auth_check (TttdAuth *auth, gpointer owner, GDBusMethodInvocation *invocation, const char *action,
                      TttdAuthorizedFunc func, gpointer data, GDestroyNotify destroy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdAuth, tttd_auth_free)

G_END_DECLS
