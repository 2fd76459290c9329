/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include <glib.h>

#include "tttd-daemon.h"

G_BEGIN_DECLS

/* follows NetworkManager (libnm): a device that is activated with an
 * address and matches [links] becomes a link, and stops being one when it
 * is deactivated or goes away; NetworkManager not running is a normal state */
typedef struct _TttdNm TttdNm;

TttdNm *tttd_nm_new (TttdDaemon *daemon);
/* the configuration changed (reload): decide again for every device */
void tttd_nm_reevaluate (TttdNm *nm);
void tttd_nm_free (TttdNm *nm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TttdNm, tttd_nm_free)

G_END_DECLS
