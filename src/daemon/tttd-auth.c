/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* who may call tttd's D-Bus methods: root, a trusted uid, or whom polkit admits */
#include "config.h"

#include "tttd-auth.h"
#include "tttd-error.h"

struct _TttdAuth {
  GCancellable *cancellable;
  gboolean has_trusted_uid;
  guint32 trusted_uid;
};

typedef struct {
  TttdAuth *auth;
  gpointer owner;
  GDBusMethodInvocation *invocation;
  const char *action;
  TttdAuthorizedFunc func;
  gpointer data;
  GDestroyNotify destroy;
} AuthCall;

static void
auth_call_free (AuthCall *call)
{
  if (call->destroy != NULL)
    call->destroy (call->data);
  g_object_unref (call->invocation);
  g_free (call);
}

static void
auth_deny (AuthCall *call, const char *why)
{
  g_dbus_method_invocation_return_error (call->invocation, TTTD_ERROR, TTTD_ERROR_NOT_PERMITTED,
                                         "%s is not allowed to %s: %s",
                                         g_dbus_method_invocation_get_sender (call->invocation),
                                         g_dbus_method_invocation_get_method_name (call->invocation), why);
  auth_call_free (call);
}

static void
on_polkit_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuthCall *call = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  gboolean authorized = FALSE, challenge = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* the service is going away */
      auth_call_free (call);
      return;
    }
  if (reply == NULL)
    {
      auth_deny (call, "only root may, and polkit is not available");
      return;
    }
  g_variant_get (reply, "((bb@a{ss}))", &authorized, &challenge, NULL);
  if (!authorized)
    {
      auth_deny (call, "polkit says no");
      return;
    }
  call->func (call->owner, call->invocation, call->data);
  auth_call_free (call);
}

static void
on_caller_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuthCall *call = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder subject;
  guint32 uid = G_MAXUINT32;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      auth_call_free (call);
      return;
    }
  if (reply != NULL)
    g_variant_get (reply, "(u)", &uid);
  if (uid == 0 || (call->auth->has_trusted_uid && uid == call->auth->trusted_uid))
    {
      call->func (call->owner, call->invocation, call->data);
      auth_call_free (call);
      return;
    }
  g_variant_builder_init (&subject, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&subject, "{sv}", "name",
                         g_variant_new_string (g_dbus_method_invocation_get_sender (call->invocation)));
  g_dbus_connection_call (G_DBUS_CONNECTION (source), "org.freedesktop.PolicyKit1",
                          "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority",
                          "CheckAuthorization",
                          g_variant_new ("((sa{sv})sa{ss}us)", "system-bus-name", &subject, call->action, NULL,
                                         1u /* allow interaction */, ""),
                          G_VARIANT_TYPE ("((bba{ss}))"), G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT,
                          call->auth->cancellable, on_polkit_checked, call);
}

void
tttd_auth_check (TttdAuth *auth, gpointer owner, GDBusMethodInvocation *invocation, const char *action,
                 TttdAuthorizedFunc func, gpointer data, GDestroyNotify destroy)
{
  AuthCall *call = g_new0 (AuthCall, 1);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  call->auth = auth;
  call->owner = owner;
  call->invocation = g_object_ref (invocation);
  call->action = action;
  call->func = func;
  call->data = data;
  call->destroy = destroy;
  if (sender == NULL)
    {
      /* a peer-to-peer connection: only who could connect to us */
      func (owner, invocation, data);
      auth_call_free (call);
      return;
    }
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          auth->cancellable, on_caller_uid, call);
}

TttdAuth *
tttd_auth_new (void)
{
  TttdAuth *auth = g_new0 (TttdAuth, 1);

  auth->cancellable = g_cancellable_new ();
  return auth;
}

void
tttd_auth_free (TttdAuth *auth)
{
  if (auth == NULL)
    return;
  /* pending checks end without calling back */
  g_cancellable_cancel (auth->cancellable);
  g_clear_object (&auth->cancellable);
  g_free (auth);
}

void
tttd_auth_set_trusted_uid (TttdAuth *auth, guint32 uid)
{
  auth->has_trusted_uid = TRUE;
  auth->trusted_uid = uid;
}
