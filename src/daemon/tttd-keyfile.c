/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* reads the private-key file, refusing one others could read */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tttd-crypto.h"
#include "tttd-error.h"
#include "tttd-keyfile.h"

gboolean
tttd_keyfile_read (const char *path, guint8 key[32], GError **error)
{
  char text[128];
  struct stat st;
  ssize_t n;
  int fd;
  gboolean ok;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot read the private key %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY, "the private key %s is not a regular file", path);
      return FALSE;
    }
  /* like ssh and wg-quick: a secret others can read is no secret */
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (fd);
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY,
                   "the private key %s can be read by group or others (mode %04o); "
                   "fix it with: chmod 600 %s", path, (guint) (st.st_mode & 07777), path);
      return FALSE;
    }
  n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n < 0)
    {
      g_set_error (error, TTTD_ERROR, TTTD_ERROR_KEY, "cannot read the private key %s", path);
      return FALSE;
    }
  text[n] = '\0';
  ok = tttd_key_from_base64 (text, key, error);
  sodium_memzero (text, sizeof text);
  if (!ok)
    g_prefix_error (error, "%s: ", path);
  return ok;
}
