/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tttd-crypto.h"

static int
cmd_genkey (void)
{
  guint8 *key = sodium_malloc (32);
  char text[TTTD_KEY_BASE64_LEN + 1];

  tttd_key_generate (key);
  tttd_key_to_base64 (key, text);
  sodium_free (key);
  g_print ("%s\n", text);
  sodium_memzero (text, sizeof text);
  return EXIT_SUCCESS;
}

static int
cmd_pubkey (void)
{
  char line[256];
  guint8 *key = sodium_malloc (32);
  guint8 pub[32];
  char text[TTTD_KEY_BASE64_LEN + 1];
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (fgets (line, sizeof line, stdin) == NULL)
    {
      sodium_free (key);
      g_printerr (_("tttctl: pubkey: expected a private key on standard input\n"));
      return EXIT_FAILURE;
    }
  ok = tttd_key_from_base64 (line, key, &error) && tttd_key_public (key, pub);
  sodium_memzero (line, sizeof line);
  sodium_free (key);
  if (!ok)
    {
      g_printerr (_("tttctl: pubkey: %s\n"), error ? error->message : _("not a usable private key"));
      return EXIT_FAILURE;
    }
  tttd_key_to_base64 (pub, text);
  g_print ("%s\n", text);
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (sodium_init () < 0)
    return EXIT_FAILURE;
  if (argc >= 2 && strcmp (argv[1], "genkey") == 0)
    return cmd_genkey ();
  if (argc >= 2 && strcmp (argv[1], "pubkey") == 0)
    return cmd_pubkey ();
  g_printerr (_("Usage: tttctl genkey | pubkey\n"));
  return 2;
}
