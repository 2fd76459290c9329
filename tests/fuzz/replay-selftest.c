/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* A fuzz target that aborts on every non-empty input: replayed by
 * replay-main.c, its test must fail, which shows that a crashing target
 * fails the corpus replay. */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size > 0 && data != NULL)
    abort ();
  return 0;
}
