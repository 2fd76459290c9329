/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* per-link health: RTT, jitter, loss, delivery rate, capacity, pacing rate and state */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tttd-health.h"

#define MIN_DEAD_US      (60 * 1000)
#define RATE_WINDOW_US   (10 * G_USEC_PER_SEC)
#define LOSS_MIN_PACKETS 32
#define LOSS_MAX_US      (2 * G_USEC_PER_SEC)
#define ACTIVE_US        TTTD_HEALTH_ACTIVE_US
/* a healthy link without data this long is probed at the quiet rate */
#define QUIET_US (30 * G_USEC_PER_SEC)
/* ... and this long at the dormant rate: an idle tunnel's probes are most
 * of a server's work with many clients (WireGuard sends none at all on an
 * idle one); one every 5 s still keeps NAT bindings and finds a dead link
 * within about 10 s, and data brings the close watch back at once */
#define DORMANT_US (120 * G_USEC_PER_SEC)
/* pacing: the link's own queue we aim for (the ping of interactive traffic
 * waits in it), and how long the RTT's floor counts */
/* a standing queue of QUEUE_HIGH_US (or an eighth of the path's RTT, on a
 * long one) is a full link; under half of it the link has room */
#define QUEUE_HIGH_US 2000
/* pushing a little above the capacity is how more is found; each probe in
 * a row that finds it pushes further, up to MAX_PROBE_GAIN, so a link
 * whose capacity grew tenfold is followed within about a dozen probes */
#define PROBE_GAIN     1.03
#define MAX_PROBE_GAIN 1.25
/* ... after this many samples in a row held back with no queue: a link at
 * its capacity shows a queue within them (at 1.03), one that got faster
 * does not */
#define PROBE_PATIENCE       3
#define MAX_RATE_INTERVAL_US 500000
/* no link is paced below this (or thought congested by less): 1 Mbit/s */
#define MIN_PACING_BPS    125000
#define UNPACED_BPS       TTTD_HEALTH_UNPACED_BPS
#define MIN_RTT_WINDOW_US (10 * G_USEC_PER_SEC)

void
tttd_health_params_default (TttdHealthParams *params, guint idle_interval_ms)
{
  params->idle_interval_ms = idle_interval_ms;
  params->quiet_interval_ms = MAX (idle_interval_ms, 1000u);
  params->dormant_interval_ms = MAX (idle_interval_ms, 5000u);
  params->metered_interval_ms = MAX (idle_interval_ms, 10000u);
  params->active_interval_ms = MIN (idle_interval_ms, 50u);
  params->degraded_loss = 0.10;
  params->recovered_loss = 0.05;
  params->recover_us = 3 * G_USEC_PER_SEC;
  params->up_replies = 3;
}

void
tttd_health_init (TttdHealth *health, gint64 now_us)
{
  memset (health, 0, sizeof *health);
  health->state = TTTD_LINK_PROBING;
  health->state_since_us = now_us;
  health->created_us = now_us;
  health->answered = 1.0;
}

static void
set_state (TttdHealth *h, TttdLinkState state, gint64 now_us)
{
  if (h->state == state)
    return;
  if (state == TTTD_LINK_DOWN)
    h->down_count++;
  /* what was lost while it was down is not the loss of a working link */
  if (h->state == TTTD_LINK_DOWN)
    {
      memset (&h->out, 0, sizeof h->out);
      memset (&h->in, 0, sizeof h->in);
      h->rate_base_set = FALSE;
    }
  h->state = state;
  h->state_since_us = now_us;
  h->good_replies = 0;
  h->good_since_us = now_us;
}

double
tttd_health_loss (const TttdHealth *health)
{
  return MAX (health->out.loss, health->in.loss);
}

/* loss over the packets counted since the last sample; samples of few
 * packets are pooled so that one lost probe on an idle link is not 100% */
static void
loss_sample (TttdLossMeter *m, guint32 tx_count, guint32 rx_count, gint64 now_us)
{
  guint32 dtx, drx;

  if (!m->base_set)
    {
      m->base_set = TRUE;
      m->tx_base = tx_count;
      m->rx_base = rx_count;
      m->since_us = now_us;
      return;
    }
  dtx = tx_count - m->tx_base;
  drx = rx_count - m->rx_base;
  /* counters that went backwards (a restart) or nonsense: start over */
  if (dtx > (1u << 30) || drx > (1u << 30))
    {
      m->base_set = FALSE;
      return;
    }
  m->tx_base = tx_count;
  m->rx_base = rx_count;
  m->tx_acc += dtx;
  m->lost_acc += drx < dtx ? dtx - drx : 0;
  /* more received than sent: in-flight packets of the last interval */
  if (drx > dtx)
    m->lost_acc -= MIN (m->lost_acc, drx - dtx);
  if (m->tx_acc >= LOSS_MIN_PACKETS || (m->tx_acc > 0 && now_us - m->since_us >= LOSS_MAX_US))
    {
      double sample = (double) m->lost_acc / (double) m->tx_acc;
      m->loss = m->loss * 0.75 + sample * 0.25;
      if (m->loss < 1e-4)
        m->loss = 0;
      m->tx_acc = 0;
      m->lost_acc = 0;
      m->since_us = now_us;
    }
}

static void
rtt_sample (TttdHealth *h, guint64 rtt, gint64 now_us)
{
  if (h->srtt_us == 0)
    {
      h->srtt_us = rtt;
      h->rttvar_us = rtt / 2;
    }
  else
    {
      guint64 diff = rtt > h->srtt_us ? rtt - h->srtt_us : h->srtt_us - rtt;
      h->rttvar_us = (3 * h->rttvar_us + diff) / 4;
      h->srtt_us = (7 * h->srtt_us + rtt) / 8;
    }
  /* the path's own RTT, without queues: the least seen lately (a route
   * that grew longer must not look like a standing queue for ever) */
  if (h->min_rtt_us == 0 || rtt <= h->min_rtt_us || now_us - h->min_rtt_stamp_us > MIN_RTT_WINDOW_US)
    {
      h->min_rtt_us = rtt;
      h->min_rtt_stamp_us = now_us;
    }
  if (h->last_rtt_us != 0)
    {
      /* RFC 3550's interarrival jitter, on RTT samples */
      double d = (double) rtt - (double) h->last_rtt_us;
      h->jitter_us += ((d < 0 ? -d : d) - h->jitter_us) / 16.0;
    }
  h->last_rtt_us = rtt;
}

/* pacing.  A link is not paced until it shows a queue of its own while we
 * push it: then its capacity is what it delivered meanwhile.  From there
 * the rate follows that queue: none, push above the capacity, further
 * with each probe that finds more room (which is how a link that got
 * faster is followed); a little, hold; more, drain it, the faster the
 * longer it is. */
static void
update_pacing (TttdHealth *h, guint64 queue, gboolean backlogged)
{
  guint64 high = tttd_health_queue_high_us (h);

  /* pacing protects the buffers of slow links (a modem's); a link this
   * fast has its limit in the machine, where a queue of ours only adds delay */
  if (h->capacity_Bps == 0 || h->capacity_Bps > UNPACED_BPS)
    {
      h->pacing_Bps = 0;
      h->gain = 1.0;
      return;
    }
  if (queue < high / 2 && backlogged && h->probe_step > PROBE_PATIENCE)
    h->gain =
      MIN (1.0 + (PROBE_GAIN - 1.0) * (double) (1u << MIN (h->probe_step - PROBE_PATIENCE, 3u)), MAX_PROBE_GAIN);
  else if (queue < high / 2 && backlogged)
    h->gain = PROBE_GAIN;
  else if (queue < high / 2)
    h->gain = PROBE_GAIN;
  else if (queue < high)
    h->gain = 1.0;
  else if (queue < 4 * high)
    h->gain = 0.9;
  else if (queue < 16 * high)
    h->gain = 0.8; /* drain a long queue within about one probe interval */
  else
    h->gain = 0.6; /* a modem's deep buffer, filled while its capacity fell */
  h->pacing_Bps = MAX ((guint64) ((double) h->capacity_Bps * h->gain), MIN_PACING_BPS);
}

/* one timestamp of the far end's clock on a datagram just in: the queue on
 * the way here is how far the least one-way delay since the last report
 * is above the least lately */
void
tttd_health_owd_sample (TttdHealth *h, guint32 far_time_us, gint64 now_us)
{
  guint32 raw = (guint32) now_us - far_time_us;
  gint64 owd;

  if (!h->owd_set)
    {
      h->owd_set = TRUE;
      h->owd_base = raw;
      h->owd_min_us = 0;
      h->owd_min_stamp_us = now_us;
    }
  owd = (gint32) (raw - h->owd_base);
  if (owd <= h->owd_min_us || now_us - h->owd_min_stamp_us > MIN_RTT_WINDOW_US)
    {
      h->owd_min_us = owd;
      h->owd_min_stamp_us = now_us;
    }
  if (h->owd_interval_n++ == 0 || owd < h->owd_interval_min_us)
    h->owd_interval_min_us = owd;
}

/* what we report of the queue on the way here: the standing queue since
 * the last report (the last one again when nothing came meanwhile) */
static guint32
take_rx_queue (TttdHealth *h)
{
  if (h->owd_interval_n > 0)
    h->rx_queue_us = (guint32) CLAMP (h->owd_interval_min_us - h->owd_min_us, 0, G_MAXINT32);
  h->owd_interval_n = 0;
  return h->rx_queue_us;
}

guint64
tttd_health_queue_high_us (const TttdHealth *health)
{
  return MAX ((guint64) QUEUE_HIGH_US, health->min_rtt_us / 8);
}

/* the capacity: the most delivered over the last samples (a delivery is
 * never more than the link can carry, but often less: a flow that paused,
 * a cellular scheduler's lull).  A queue that grows says what it is now:
 * cap () forgets the higher samples */
static void
capacity_update (TttdHealth *h)
{
  guint64 most = 0;

  for (guint i = 0; i < h->capacity_filled; i++)
    most = MAX (most, h->capacity_ring[i]);
  h->capacity_Bps = most;
}

static void
capacity_push (TttdHealth *h, guint64 sample)
{
  h->capacity_ring[h->capacity_next++ % TTTD_CAPACITY_SAMPLES] = sample;
  h->capacity_filled = MIN (h->capacity_filled + 1, TTTD_CAPACITY_SAMPLES);
  capacity_update (h);
}

static void
capacity_cap (TttdHealth *h, guint64 most)
{
  for (guint i = 0; i < h->capacity_filled; i++)
    h->capacity_ring[i] = MIN (h->capacity_ring[i], most);
  capacity_push (h, most);
}

/* one delivery sample: the far end's byte count now against the last one,
 * timed by the far end's clock (ours would add the jitter of the way back),
 * and what we sent meanwhile */
static void
rate_sample (TttdHealth *h, guint32 far_rx_bytes, guint32 far_time_us, gint64 now_us)
{
  guint32 interval = far_time_us - h->rate_far_time_base;

  /* a gap (the link was silent, or idle and barely probed): an average
   * over it says nothing of what the link carries now; start over */
  if (h->rate_base_set && interval > MAX_RATE_INTERVAL_US)
    h->rate_base_set = FALSE;
  if (h->rate_base_set && interval >= 20000)
    {
      guint32 bytes = far_rx_bytes - h->rate_bytes_base;
      guint32 sent = h->tx_bytes - h->rate_sent_base;
      if (bytes < (1u << 30) && sent < (1u << 30))
        {
          guint64 sent_Bps = (guint64) sent * G_USEC_PER_SEC / (guint64) interval;
          /* our queue: the far end sees it in our packets' one-way delay */
          guint64 queue = h->tx_queue_us;
          /* a queue while we send this much is ours; an idle link is one
           * we send next to nothing on */
          gboolean pushed = sent_Bps >= MIN_PACING_BPS;
          gboolean idle = h->pacing_Bps == 0 || sent_Bps * 2 < h->pacing_Bps;
          gboolean backlogged = now_us - h->backlogged_us < 100000;
          guint64 high = tttd_health_queue_high_us (h);

          h->delivery_Bps = (guint64) bytes * G_USEC_PER_SEC / (guint64) interval;
          h->peak_delivery_Bps = MAX (h->peak_delivery_Bps - h->peak_delivery_Bps / 64, h->delivery_Bps);
          /* a queue that grows (we sent more than it delivered), twice in a
           * row (a ramp has data in flight), is the link's limit; one that
           * does not is a burst, or the gain of 0.9 drains it */
          gboolean saturated = queue >= high && pushed;
          /* a tenth of what we sent not delivered: a link that is full,
           * not a receiver that drops a little while its CPU is busy */
          gboolean growing = saturated && h->delivery_Bps * 10 < sent_Bps * 9;

          /* or it delivers under half of what we push, before its deep
           * buffer's delay has even reached the far end (a cellular link
           * whose capacity fell tenfold): the queue is seen a queue's
           * delay late, the delivery at once */
          growing = growing || (pushed && backlogged && h->capacity_Bps != 0 && h->delivery_Bps * 2 < sent_Bps);
          h->congested = growing ? h->congested + 1 : 0;
          /* unpaced, and a long queue while we push it, that does not grow:
           * an ack-clocked flow (TCP) keeps a drop-tail buffer full and
           * sends just what the link delivers, so that the queue never
           * grows by a tenth; the link is full all the same */
          h->standing = h->capacity_Bps == 0 && saturated && queue >= 4 * high ? h->standing + 1 : 0;
          /* held back by our pacer while the link shows no queue: each
           * such sample in a row pushes further above the estimate, so
           * that a link that got much faster is found within a dozen
           * samples; the first queue it makes ends the probe */
          if (backlogged && queue < high / 2)
            h->probe_step++;
          else
            h->probe_step = 0;
          if (h->congested >= 2)
            {
              /* full twice in a row: what it delivers is what it carries
               * now (a cellular link's capacity falls tenfold in a second);
               * not below half of what we sent: right after traffic moved
               * onto a link, the far end's counters still cover the time it
               * was idle, and a sample of next to nothing would pace it to
               * a crawl */
              capacity_cap (h, MAX (h->delivery_Bps, MIN (sent_Bps / 2, h->capacity_Bps / 4)));
            }
          else if (growing && h->capacity_Bps == 0)
            {
              /* unpaced so far (a flow's start): the first sign is enough */
              capacity_cap (h, MAX (h->delivery_Bps, sent_Bps / 2));
            }
          else if (h->standing >= 2)
            capacity_cap (h, h->delivery_Bps);
          else if (saturated && h->capacity_Bps != 0 && h->delivery_Bps < h->capacity_Bps && backlogged)
            {
              /* a standing queue we keep full: what the link delivers now
               * is all it can (by at most 30% a sample: one noisy sample
               * must not starve a link), and an estimate above it (from
               * samples over its shaper's bursts) would only keep the
               * queue growing */
              capacity_cap (h, MAX (h->delivery_Bps, h->capacity_Bps * 7 / 10));
            }
          else if (h->capacity_Bps != 0 && h->delivery_Bps > h->capacity_Bps)
            capacity_push (h, h->delivery_Bps);
          else if (h->capacity_Bps != 0 && queue < high / 2 && idle &&
                   h->capacity_Bps < 2 * h->peak_delivery_Bps + MIN_PACING_BPS)
            capacity_push (h, h->capacity_Bps + h->capacity_Bps / 20);
          else if (h->capacity_Bps != 0 && backlogged)
            {
              /* held back by our pacer, so not a sample of a flow that
               * sent less than it could: older, higher ones age out */
              capacity_push (h, h->delivery_Bps);
            }
          update_pacing (h, queue, backlogged);
        }
      h->rate_base_set = FALSE;
    }
  if (!h->rate_base_set)
    {
      h->rate_base_set = TRUE;
      h->rate_bytes_base = far_rx_bytes;
      h->rate_sent_base = h->tx_bytes;
      h->rate_far_time_base = far_time_us;
    }
}

/* any answer shows the link alive: states move up, with hysteresis */
static void
alive (TttdHealth *h, const TttdHealthParams *params, gint64 now_us)
{
  h->unanswered = 0;
  h->good_replies++;
  switch (h->state)
    {
    case TTTD_LINK_PROBING: set_state (h, TTTD_LINK_UP, now_us); break;
    case TTTD_LINK_DOWN:
      /* a link that flapped before must prove itself longer */
      if (h->good_replies >= params->up_replies * MIN (h->down_count, 4u))
        set_state (h, TTTD_LINK_UP, now_us);
      break;
    case TTTD_LINK_UP:
      if (tttd_health_loss (h) > params->degraded_loss)
        set_state (h, TTTD_LINK_DEGRADED, now_us);
      break;
    case TTTD_LINK_DEGRADED:
      if (tttd_health_loss (h) > params->recovered_loss)
        h->good_since_us = now_us;
      else if (now_us - h->good_since_us >= params->recover_us)
        set_state (h, TTTD_LINK_UP, now_us);
      break;
    default: break;
    }
}

void
tttd_health_probe_sent (TttdHealth *health, TttdProbe *probe, guint32 timestamp, guint interval_ms, gint64 now_us)
{
  guint slot = health->pending_next++ % G_N_ELEMENTS (health->pending);

  /* the probe this slot held went unanswered */
  if (health->pending[slot].sent_us != 0)
    health->answered -= health->answered / 8;
  probe->echo = (guint32) MIN (health->last_rtt_us, G_MAXUINT32);
  probe->tx_packets = health->tx_packets + 1;
  probe->rx_packets = health->rx_packets;
  probe->rx_bytes = health->rx_bytes;
  probe->rx_queue_us = take_rx_queue (health);
  health->pending[slot].timestamp = timestamp;
  health->pending[slot].tx_packets = probe->tx_packets;
  health->pending[slot].sent_us = now_us;
  health->last_probe_us = now_us;
  health->promised_ms = interval_ms;
  if (health->unanswered++ == 0)
    health->first_unanswered_us = now_us;
}

void
tttd_health_reply_received (TttdHealth *health, const TttdHealthParams *params, const TttdProbe *reply,
                            guint32 reply_timestamp, gint64 now_us)
{
  for (guint i = 0; i < G_N_ELEMENTS (health->pending); i++)
    {
      gint64 sent_us = health->pending[i].sent_us;

      if (sent_us == 0 || health->pending[i].timestamp != reply->echo)
        continue;
      rtt_sample (health, (guint64) MAX (now_us - sent_us, 1), now_us);
      health->answered += (1.0 - health->answered) / 8;
      loss_sample (&health->out, health->pending[i].tx_packets, reply->rx_packets, now_us);
      health->pending[i].sent_us = 0;
      /* a link keeps order: a probe sent before this one and still
       * unanswered was lost */
      for (guint j = 0; j < G_N_ELEMENTS (health->pending); j++)
        if (health->pending[j].sent_us != 0 && health->pending[j].sent_us < sent_us)
          {
            health->pending[j].sent_us = 0;
            health->answered -= health->answered / 8;
          }
      break;
    }
  loss_sample (&health->in, reply->tx_packets, health->rx_packets, now_us);
  tttd_health_owd_sample (health, reply_timestamp, now_us);
  health->tx_queue_us = reply->rx_queue_us;
  rate_sample (health, reply->rx_bytes, reply_timestamp, now_us);
  alive (health, params, now_us);
}

void
tttd_health_probe_received (TttdHealth *health, const TttdHealthParams *params, const TttdProbe *probe,
                            guint32 probe_timestamp, guint peer_interval_ms, TttdProbe *reply, gint64 now_us)
{
  /* the prober said when its next probe comes; a silence well past that is
   * a dead link (the longer of old and new, as a change races the probe) */
  health->peer_probe_gap_us =
    MAX ((gint64) peer_interval_ms * 1000,
         now_us - health->last_peer_probe_us < health->peer_probe_gap_us ? health->peer_probe_gap_us : 0);
  health->last_peer_probe_us = now_us;
  /* the prober measures the RTT and tells us; a path is symmetric */
  if (probe->echo != 0)
    rtt_sample (health, probe->echo, now_us);
  loss_sample (&health->in, probe->tx_packets, health->rx_packets, now_us);
  loss_sample (&health->out, health->tx_packets, probe->rx_packets, now_us);
  tttd_health_owd_sample (health, probe_timestamp, now_us);
  health->tx_queue_us = probe->rx_queue_us;
  rate_sample (health, probe->rx_bytes, probe_timestamp, now_us);
  alive (health, params, now_us);

  reply->echo = probe_timestamp;
  reply->tx_packets = health->tx_packets + 1;
  reply->rx_packets = health->rx_packets;
  reply->rx_bytes = health->rx_bytes;
  reply->rx_queue_us = take_rx_queue (health);
}

gboolean
tttd_health_note_data (TttdHealth *health, gint64 now_us)
{
  gboolean woke = health->last_data_us == 0 || now_us - health->last_data_us >= ACTIVE_US;

  health->last_data_us = now_us;
  return woke;
}

guint
tttd_health_interval_ms (const TttdHealth *health, const TttdHealthParams *params, gboolean metered, gint64 now_us)
{
  /* a link in use is watched closely, so that its failure shows at once */
  if (health->last_data_us != 0 && now_us - health->last_data_us < ACTIVE_US)
    return params->active_interval_ms;
  if (metered)
    return params->metered_interval_ms;
  /* a tunnel that has been idle a while: a probe a second still tells a
   * dead link within seconds, and data brings the close watch back at
   * once; a link coming up or not answering keeps the idle rate */
  if (health->state == TTTD_LINK_UP && now_us - MAX (health->last_data_us, health->state_since_us) >= DORMANT_US)
    return params->dormant_interval_ms;
  if (health->state == TTTD_LINK_UP && now_us - MAX (health->last_data_us, health->state_since_us) >= QUIET_US)
    return params->quiet_interval_ms;
  return params->idle_interval_ms;
}

gint64
tttd_health_next_probe (const TttdHealth *health, const TttdHealthParams *params, gboolean metered, gint64 now_us)
{
  guint interval_ms = tttd_health_interval_ms (health, params, metered, now_us);

  if (health->last_probe_us == 0)
    return now_us;
  /* the far end was told when this probe comes and takes a silence past
   * that for a dead link: a link that just went quiet (or metered) keeps
   * the promise once, and the probe announces the longer interval */
  if (health->promised_ms != 0)
    interval_ms = MIN (interval_ms, health->promised_ms);
  return health->last_probe_us + (gint64) interval_ms * 1000;
}

/* how many probes in a row must go unanswered before a link is dead: three
 * on a clean link, and on a lossy one as many as make a run that long by
 * chance rarer than once in 10,000 probes (about once in 8 minutes at the
 * 50 ms of a busy link): with 19% of exchanges lost (10% each way) six,
 * with half lost fourteen */
static guint
silent_probes (const TttdHealth *health)
{
  /* the share of probes answered swings with chance; the packet counters
   * of both directions are steadier: the worse of the two */
  double lost = MAX (1.0 - health->answered, 1.0 - (1.0 - health->out.loss) * (1.0 - health->in.loss));

  if (lost <= 0.05)
    return 3;
  if (lost >= 0.6)
    return 18;
  return CLAMP ((guint) ceil (log (1e-4) / log (lost)), 3u, 18u);
}

gint64
tttd_health_dead_after (const TttdHealth *health, const TttdHealthParams *params, gboolean metered, gint64 now_us)
{
  gint64 rto = (gint64) (health->srtt_us + 4 * health->rttvar_us);

  /* the probes in a row that may go unanswered, each given an RTO to come back */
  return MAX (MIN_DEAD_US,
              (gint64) (silent_probes (health) - 1) * tttd_health_interval_ms (health, params, metered, now_us) * 1000 +
                rto);
}

gboolean
tttd_health_tick (TttdHealth *health, const TttdHealthParams *params, gboolean metered, gint64 now_us)
{
  /* a down link proves itself with replies that no silence as long as the
   * one that took it down interrupts (on a lossy link, single losses do
   * not, or it would never come back) */
  if (health->state == TTTD_LINK_DOWN && health->unanswered >= silent_probes (health))
    health->good_replies = 0;
  if (health->state != TTTD_LINK_DOWN && health->unanswered >= silent_probes (health))
    {
      gint64 last = MAX (health->last_rx_us, health->first_unanswered_us);
      if (now_us - last >= tttd_health_dead_after (health, params, metered, now_us))
        set_state (health, TTTD_LINK_DOWN, now_us);
    }
  /* the far end probes this link: silence well past its usual spacing,
   * as many of its probes lost in a row as the link's loss makes rare (two
   * on a clean link; with 30% lost each way, a lossy link idle between its
   * probes would otherwise flap down every few seconds) */
  if (health->state != TTTD_LINK_DOWN && health->peer_probe_gap_us != 0 &&
      now_us - health->last_rx_us > (gint64) MAX (2u, silent_probes (health) - 1) * health->peer_probe_gap_us +
                                      MIN_DEAD_US + (gint64) (health->srtt_us + 4 * health->rttvar_us))
    set_state (health, TTTD_LINK_DOWN, now_us);
  return now_us >= tttd_health_next_probe (health, params, metered, now_us);
}
