/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* A main () for a libFuzzer target built by the normal compiler: it feeds
 * every file of the corpus directories named on the command line to
 * LLVMFuzzerTestOneInput, so that meson test replays each corpus in every
 * build (the ASan one too). A crash or abort in the target fails the test. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* the inputs of one directory, sorted so that a failure is reproducible */
static gboolean
replay_dir (const char *dir_path, guint *count, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, names->pdata[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;
      guint8 *input;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!g_file_get_contents (path, &contents, &len, error))
        return FALSE;
      /* a copy of exactly its size, so that ASan sees a read past its end */
      input = malloc (len > 0 ? len : 1);
      if (input == NULL)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s: out of memory", path);
          return FALSE;
        }
      memcpy (input, contents, len);
      printf ("%s (%zu bytes)\n", path, (size_t) len);
      fflush (stdout);
      LLVMFuzzerTestOneInput (input, len);
      free (input);
      (*count)++;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint count = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS-DIRECTORY...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!replay_dir (argv[i], &count, &error))
        {
          fprintf (stderr, "%s: %s\n", argv[0], error->message);
          return 1;
        }
    }
  /* an empty corpus replays nothing and proves nothing */
  if (count == 0)
    {
      fprintf (stderr, "%s: no inputs in the corpus\n", argv[0]);
      return 1;
    }
  printf ("%u inputs replayed\n", count);
  return 0;
}
