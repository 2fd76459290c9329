/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Reads the private key file, refusing one that someone else could read,
 * write or swap: not a regular file, not ours, or in a directory others may
 * write to. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tttd-crypto.h"
#include "tttd-error.h"
#include "tttd-keyfile.h"

static gboolean key_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
key_error (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, TTTD_ERROR, TTTD_ERROR_KEY, message);
  return FALSE;
}

/* someone who may write to a directory on the way may put another file in
 * the key's place; a sticky directory (/tmp) lets nobody rename another's */
static gboolean
check_directories (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  char resolved[PATH_MAX];

  if (realpath (dir, resolved) == NULL)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot resolve the directory of the private key %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  for (g_autofree char *at = g_strdup (resolved);;)
    {
      struct stat st;
      g_autofree char *up = NULL;

      if (stat (at, &st) < 0)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "cannot check %s, a directory of the private key %s: %s", at, path, g_strerror (errsv));
          return FALSE;
        }
      if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
        return key_error (error,
                          "the private key %s is in %s, which group or others can write to "
                          "(mode %04o); fix it with: chmod go-w %s",
                          path, at, (guint) (st.st_mode & 07777), at);
      if (st.st_uid != 0 && st.st_uid != geteuid ())
        return key_error (error, "the private key %s is in %s, owned by uid %u (not root, not uid %u)", path, at,
                          (guint) st.st_uid, (guint) geteuid ());
      if (g_strcmp0 (at, "/") == 0)
        return TRUE;
      up = g_path_get_dirname (at);
      g_free (at);
      at = g_steal_pointer (&up);
    }
}

gboolean
tttd_keyfile_read (const char *path, guint8 key[32], GError **error)
{
  char text[128];
  struct stat st;
  ssize_t n;
  int fd;
  gboolean ok;

  /* O_NONBLOCK: a FIFO or a device in the key's place must not hang us */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot read the private key %s: %s", path,
                   errsv == ELOOP ? "it is a symbolic link" : g_strerror (errsv));
      return FALSE;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return key_error (error, "the private key %s is not a regular file", path);
    }
  if (st.st_uid != geteuid () && st.st_uid != 0)
    {
      close (fd);
      return key_error (error,
                        "the private key %s belongs to uid %u, not to root nor to uid %u; "
                        "fix it with: chown %u %s",
                        path, (guint) st.st_uid, (guint) geteuid (), (guint) geteuid (), path);
    }
  /* like ssh and wg-quick: a secret others can read is no secret */
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (fd);
      return key_error (error,
                        "the private key %s can be read by group or others (mode %04o); "
                        "fix it with: chmod 600 %s",
                        path, (guint) (st.st_mode & 07777), path);
    }
  if (!check_directories (path, error))
    {
      close (fd);
      return FALSE;
    }
  n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n < 0)
    {
      sodium_memzero (text, sizeof text);
      return key_error (error, "cannot read the private key %s", path);
    }
  text[n] = '\0';
  ok = tttd_key_from_base64 (text, key, error);
  sodium_memzero (text, sizeof text);
  if (!ok)
    g_prefix_error (error, "%s: ", path);
  return ok;
}
