/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Keeps the process's secrets out of core dumps and away from debuggers. */
#include "config.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <gio/gio.h>

#include "tttd-harden.h"

gboolean
tttd_harden_process (GError **error)
{
  struct rlimit none = { 0, 0 };

  /* the key pairs sit on the plain heap (sodium_malloc's guard pages cost
   * too many mappings with thousands of peers): the whole process is kept
   * out of dumps instead */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot keep the keys out of core dumps (PR_SET_DUMPABLE): %s", g_strerror (errsv));
      return FALSE;
    }
  /* a core_pattern pipe (systemd-coredump) dumps even a non-dumpable
   * process when fs.suid_dumpable=2, but honours a core limit of 0; under
   * the unit, LimitCORE=0 has set it and the system call filter refuses
   * setrlimit, which is fine */
  if (setrlimit (RLIMIT_CORE, &none) < 0 && errno != EPERM)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot turn core dumps off (RLIMIT_CORE): %s",
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}
