/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tttd-config.h"
#include "tttd-error.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* the input is a main file and, after the first NUL byte, a drop-in: the
 * parser must never crash, and every error it reports names a file */
int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (TttdConfigParser) parser = tttd_config_parser_new ();
  g_autoptr (TttdConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *nul = memchr (data, '\0', size);
  gsize main_len = nul != NULL ? (gsize) (nul - data) : size;

  if (!tttd_config_parser_feed_data (parser, "fuzz.conf", (const char *) data, main_len, &error))
    {
      if (error == NULL || !g_str_has_prefix (error->message, "fuzz.conf"))
        abort ();
      return 0;
    }
  if (nul != NULL &&
      !tttd_config_parser_feed_data (parser, "fuzz.d/10.conf", (const char *) nul + 1, size - main_len - 1, &error))
    {
      if (error == NULL || !g_str_has_prefix (error->message, "fuzz.d/10.conf"))
        abort ();
      return 0;
    }
  config = tttd_config_parser_finish (parser, &error);
  if ((config == NULL) == (error == NULL))
    abort ();
  if (error != NULL && !g_str_has_prefix (error->message, "fuzz"))
    abort ();
  if (config != NULL)
    {
      /* what was accepted is usable */
      if (config->private_key_file == NULL || config->tun == NULL || strlen (config->tun) > 15)
        abort ();
      if (config->mode == TTTD_MODE_CLIENT && config->servers->len == 0)
        abort ();
      if (config->mode == TTTD_MODE_SERVER && (config->peers->len == 0 || config->listen->len == 0))
        abort ();
      for (guint i = 0; i < config->links->len; i++)
        {
          const TttdLinkConfig *link = g_ptr_array_index (config->links, i);
          TttdLinkConfig settings = tttd_config_link_settings (config, link->name);
          if (settings.weight != link->weight || link->weight < 1 || link->weight > TTTD_LINK_WEIGHT_MAX)
            abort ();
        }
    }
  return 0;
}
