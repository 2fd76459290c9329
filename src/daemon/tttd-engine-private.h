/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
#pragma once

#include "tttd-engine.h"
#include "tttd-resend.h"

G_BEGIN_DECLS

struct _TttdEngine {
  int                  tun_fd;
  guint                mtu;
  guint                max_mtu;
  gsize                buf_size;
  TttdPool             pool;
  TttdRxBatch          rx;
  TttdHealthParams     health;
  const TttdEngineOps *ops;
  gpointer             data;
  GHashTable          *indexes;      /* local index -> TttdPeer */
  GPtrArray           *holding;      /* peers with packets in their reorder buffer */
  GPtrArray           *pacing;       /* peers with packets their pacers hold */
  TttdTxQueue         *dirty[64];
  guint                n_dirty;
  gint64               now_us;       /* the time of this batch */
  gint64               max_pace_us;
  gboolean             vnet;
  guint8              *tun_buf;      /* one read: a virtio_net_hdr and up to 64 KiB */
  TttdEngineStats      stats;
  guint64              tx_dropped;
  TttdResend           resend;       /* the last packets sent, for a link that dies */
};

gboolean tttd_engine_seal_and_queue (TttdEngine *engine, TttdPeer *peer, TttdKeypair *keypair,
                                     guint link, guint8 *buf, const TttdInner *inner, gsize payload_len);
gboolean tttd_engine_seal_and_pace (TttdEngine *engine, TttdPeer *peer, TttdKeypair *keypair,
                                    guint link, guint8 *buf, const TttdInner *inner, gsize payload_len);
void     tttd_engine_path_unpace (TttdEngine *engine, TttdPath *path);
guint    tttd_engine_wire_overhead (const TttdPath *path);
void     tttd_engine_hold (TttdEngine *engine, TttdPeer *peer);
void     tttd_engine_forget_peer (TttdEngine *engine, TttdPeer *peer);
TttdReorderDeliver tttd_engine_deliver_func (void);

void     tttd_peer_check_paths (TttdPeer *peer, gint64 now_us);
void     tttd_peer_receive_probe (TttdPeer *peer, guint link, const TttdInner *inner, const guint8 *body);

G_END_DECLS
