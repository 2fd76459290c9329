/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* Unit test of the process hardening: after it, no core dump and no
 * ptrace by the same user. */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "tttd-harden.h"

static void
test_not_dumpable (void)
{
  g_autoptr (GError) error = NULL;
  struct rlimit core;

  g_assert_true (tttd_harden_process (&error));
  g_assert_no_error (error);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &core), ==, 0);
  g_assert_cmpuint (core.rlim_cur, ==, 0);
  g_assert_cmpuint (core.rlim_max, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tttd/harden/not-dumpable", test_not_dumpable);
  return g_test_run ();
}
