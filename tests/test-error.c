/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* The TTTD_ERROR domain crosses D-Bus typed: each code encodes to its
 * org.tuntuntun.Tttd1.Error.<Name> and decodes back to the same domain and code. */
#include "config.h"

#include <gio/gio.h>

#include "tttd-error.h"
#include "tttd-names.h"

static const struct {
  TttdError code;
  const char *name;
} wire_names[] = {
  { TTTD_ERROR_FAILED, "Failed" },
  { TTTD_ERROR_CONFIG, "Config" },
  { TTTD_ERROR_UNKNOWN_INTERFACE, "UnknownInterface" },
  { TTTD_ERROR_UNKNOWN_STRATEGY, "UnknownStrategy" },
  { TTTD_ERROR_NOT_PERMITTED, "NotPermitted" },
  { TTTD_ERROR_INVALID_ARGUMENT, "InvalidArgument" },
  { TTTD_ERROR_EXISTS, "Exists" },
  { TTTD_ERROR_KEY, "Key" },
};

/* the receiving side (tttctl) decodes a name it never encoded: the domain
 * must be registered by its first use alone, before any encoding */
static void
test_decode_first (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *remote = NULL;

  (void) TTTD_ERROR;
  error = g_dbus_error_new_for_dbus_error (TTTD_DBUS_ERROR_PREFIX ".UnknownStrategy", "no strategy 'bogus'");
  g_assert_error (error, TTTD_ERROR, TTTD_ERROR_UNKNOWN_STRATEGY);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, TTTD_DBUS_ERROR_PREFIX ".UnknownStrategy");
  g_assert_true (g_dbus_error_strip_remote_error (error));
  g_assert_cmpstr (error->message, ==, "no strategy 'bogus'");
}

static void
test_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (wire_names); i++)
    {
      g_autoptr (GError) sent = g_error_new (TTTD_ERROR, wire_names[i].code, "code %u", wire_names[i].code);
      g_autofree char *name = g_dbus_error_encode_gerror (sent);
      g_autofree char *expected = g_strconcat (TTTD_DBUS_ERROR_PREFIX ".", wire_names[i].name, NULL);
      g_autoptr (GError) received = NULL;

      g_assert_cmpstr (name, ==, expected);
      received = g_dbus_error_new_for_dbus_error (name, sent->message);
      g_assert_error (received, TTTD_ERROR, (gint) wire_names[i].code);
      g_dbus_error_strip_remote_error (received);
      g_assert_cmpstr (received->message, ==, sent->message);
    }
}

/* a name of ours that this build does not know stays readable, untyped */
static void
test_unknown_name (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *remote = NULL;

  (void) TTTD_ERROR;
  error = g_dbus_error_new_for_dbus_error (TTTD_DBUS_ERROR_PREFIX ".FromTheFuture", "later");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, TTTD_DBUS_ERROR_PREFIX ".FromTheFuture");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the order matters: decoding comes before any encoding */
  g_test_add_func ("/tttd/error/decode-first", test_decode_first);
  g_test_add_func ("/tttd/error/round-trip", test_round_trip);
  g_test_add_func ("/tttd/error/unknown-name", test_unknown_name);
  return g_test_run ();
}
