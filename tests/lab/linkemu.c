/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */

/* linkemu: a user-space link emulator for the test lab.
 *
 * The lab kernel has no netem, so each emulated path gets a middle namespace
 * where this program bridges two veths ("a" toward the client, "b" toward the
 * router) through AF_PACKET sockets and applies, per direction, delay, jitter,
 * loss, a rate limit with a drop-tail queue, reordering and black-holing.
 * "up" is a->b (client to router), "down" is b->a.
 *
 * Instead of a fixed rate, a direction can follow a capacity trace with
 * Mahimahi's mm-link semantics (linkemu-trace.c): a drop-tail byte queue
 * drained by the trace's delivery opportunities, then the delay. Loss can
 * come in bursts (Gilbert-Elliott) and capacity can stop on a schedule.
 *
 * A datagram control socket (--control PATH) takes one-line commands such as
 * "up delay=10 jitter=2 loss=5 rate=20mbit" and answers each; the same binary
 * is its client (--control PATH --send 'stats'). */

#define G_LOG_DOMAIN "linkemu"
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "linkemu-params.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define FRAME_BUFFER_SIZE     65536
#define RECEIVE_BATCH         64
#define CONTROL_BATCH         16
#define DEFAULT_SOCKET_BUFFER (4 * 1024 * 1024)

enum {
  RX_FRAMES,
  TX_FRAMES,
  RX_BYTES,
  TX_BYTES,
  DROP_LOSS,
  DROP_BLACKHOLE,
  DROP_QUEUE,
  DROP_ERROR,
  REORDERED,
  DROP_BURST,
  BURSTS,
  N_COUNTERS
};
static const char *const counter_names[N_COUNTERS] = { "rx",         "tx",         "rx-bytes",
                                                       "tx-bytes",   "drop-loss",  "drop-blackhole",
                                                       "drop-queue", "drop-error", "reordered",
                                                       "drop-burst", "bursts" };

typedef LinkFrame Frame;

typedef struct {
  const char *name;
  int in_fd;
  int out_fd;
  Params params;
  guint64 counters[N_COUNTERS];
  GRand *rand;
  gint64 link_free_ns;      /* when the emulated transmitter is idle again */
  gint64 last_departure_us; /* keeps jitter from reordering */
  guint64 next_seq;
  Frame **heap; /* min-heap on (departure_us, seq) */
  guint heap_len;
  guint heap_alloc;
  gsize heap_bytes;
  guint send_errors_logged;
  LinkBottleneck bottleneck; /* with a trace */
  gboolean gilbert_bad;
} Direction;

typedef struct {
  Direction up;
  Direction down;
  int fd_a;
  int fd_b;
  int control_fd;
  char *control_path;
  guint8 *buffer;
} Emulator;

static volatile sig_atomic_t quit_requested;
static volatile sig_atomic_t stats_requested;

static void
counters_append (const Direction *dir, GString *out)
{
  g_string_append (out, dir->name);
  for (guint i = 0; i < N_COUNTERS; i++)
    g_string_append_printf (out, " %s=%" G_GUINT64_FORMAT, counter_names[i], dir->counters[i]);
  g_string_append_printf (out, " queued=%u", dir->heap_len);
  if (dir->bottleneck.trace != NULL)
    g_string_append_printf (out,
                            " bottleneck-bytes=%" G_GSIZE_FORMAT " opportunities-used=%" G_GUINT64_FORMAT
                            " opportunities-lost=%" G_GUINT64_FORMAT " opportunity-bytes=%.0f",
                            dir->bottleneck.queued_bytes, dir->bottleneck.opportunities_used,
                            dir->bottleneck.opportunities_lost, LINK_TRACE_OPPORTUNITY_BYTES * dir->bottleneck.scale);
  g_string_append_c (out, '\n');
}

/* the delay line: a binary min-heap, so reordered frames can overtake */

static gboolean
frame_before (const Frame *x, const Frame *y)
{
  return x->departure_us < y->departure_us || (x->departure_us == y->departure_us && x->seq < y->seq);
}

static void
heap_push (Direction *dir, Frame *frame)
{
  guint i;

  if (dir->heap_len == dir->heap_alloc)
    {
      dir->heap_alloc = MAX (dir->heap_alloc * 2, 256);
      dir->heap = g_renew (Frame *, dir->heap, dir->heap_alloc);
    }
  i = dir->heap_len++;
  while (i > 0 && frame_before (frame, dir->heap[(i - 1) / 2]))
    {
      dir->heap[i] = dir->heap[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  dir->heap[i] = frame;
  dir->heap_bytes += frame->length;
}

static Frame *
heap_pop (Direction *dir)
{
  Frame *top = dir->heap[0];
  Frame *last = dir->heap[--dir->heap_len];
  guint i = 0;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= dir->heap_len)
        break;
      if (child + 1 < dir->heap_len && frame_before (dir->heap[child + 1], dir->heap[child]))
        child++;
      if (!frame_before (dir->heap[child], last))
        break;
      dir->heap[i] = dir->heap[child];
      i = child;
    }
  if (dir->heap_len > 0)
    dir->heap[i] = last;
  dir->heap_bytes -= top->length;
  return top;
}

static void
direction_transmit (Direction *dir, const guint8 *data, gsize length)
{
  ssize_t sent = send (dir->out_fd, data, length, MSG_DONTWAIT);

  if (sent == (ssize_t) length)
    {
      dir->counters[TX_FRAMES]++;
      dir->counters[TX_BYTES] += length;
      return;
    }
  /* a full socket buffer or a downed veth loses the frame, as a wire would */
  dir->counters[DROP_ERROR]++;
  if (dir->send_errors_logged < 5)
    {
      dir->send_errors_logged++;
      g_message ("%s: send failed: %s", dir->name, sent < 0 ? g_strerror (errno) : "short write");
    }
}

/* after the bottleneck: the delay, jitter and reordering */
static gint64
delay_departure (Direction *dir, gint64 base_us)
{
  const Params *p = &dir->params;
  gint64 delay_us = (gint64) p->delay_us;
  gint64 departure_us;

  if (p->jitter_us > 0.0)
    delay_us += (gint64) g_rand_double_range (dir->rand, -p->jitter_us, p->jitter_us);
  departure_us = base_us + MAX (delay_us, 0);
  if (p->reorder_percent > 0.0 && g_rand_double (dir->rand) * 100.0 < p->reorder_percent)
    {
      /* held back past its successors; it does not hold them back */
      departure_us += (gint64) p->reorder_delay_us;
      dir->counters[REORDERED]++;
    }
  else
    {
      departure_us = MAX (departure_us, dir->last_departure_us);
      dir->last_departure_us = departure_us;
    }
  return departure_us;
}

static void
on_bottleneck_release (LinkFrame *frame, gint64 at_us, gpointer user_data)
{
  Direction *dir = user_data;

  frame->departure_us = delay_departure (dir, at_us);
  frame->seq = dir->next_seq++;
  heap_push (dir, frame);
}

static void
direction_serve (Direction *dir, gint64 now_us)
{
  link_bottleneck_serve (&dir->bottleneck, &dir->params.outage, now_us, on_bottleneck_release, dir);
}

/* the trace's drop-tail queue: in bytes, or the time given at the trace's mean rate */
static void
direction_enqueue_trace (Direction *dir, const guint8 *data, gsize length, gint64 now_us)
{
  const Params *p = &dir->params;
  LinkBottleneck *bottleneck = &dir->bottleneck;
  double limit = p->queue_bytes != 0.0
                   ? p->queue_bytes
                   : p->queue_us / 1e6 * link_trace_mean_bps (bottleneck->trace) * bottleneck->scale / 8.0;
  Frame *frame;

  /* the opportunities before this frame came are gone or taken */
  direction_serve (dir, now_us);
  if (!g_queue_is_empty (&bottleneck->queue) && bottleneck->queued_bytes + length > limit)
    {
      dir->counters[DROP_QUEUE]++;
      return;
    }
  frame = g_malloc (sizeof (Frame) + length);
  frame->length = length;
  memcpy (frame->data, data, length);
  g_queue_push_tail (&bottleneck->queue, frame);
  bottleneck->queued_bytes += length;
}

static void
direction_enqueue (Direction *dir, const guint8 *data, gsize length, gint64 now_us)
{
  const Params *p = &dir->params;
  gint64 base_us = now_us;
  gint64 departure_us;
  Frame *frame;

  if (p->blackhole)
    {
      dir->counters[DROP_BLACKHOLE]++;
      return;
    }
  if (p->loss_percent > 0.0 && g_rand_double (dir->rand) * 100.0 < p->loss_percent)
    {
      dir->counters[DROP_LOSS]++;
      return;
    }
  if (p->gilbert_p > 0.0)
    {
      gboolean was_bad = dir->gilbert_bad;

      if (link_gilbert_step (&dir->gilbert_bad, p->gilbert_p, p->gilbert_r, dir->rand))
        {
          dir->counters[BURSTS] += was_bad ? 0 : 1;
          dir->counters[DROP_BURST]++;
          return;
        }
    }
  if (dir->heap_bytes + dir->bottleneck.queued_bytes + length > LINK_MAX_QUEUED_BYTES)
    {
      dir->counters[DROP_QUEUE]++;
      return;
    }
  if (dir->bottleneck.trace != NULL)
    {
      direction_enqueue_trace (dir, data, length, now_us);
      return;
    }
  if (p->rate_bps > 0.0)
    {
      /* serialisation at the link rate behind a drop-tail queue */
      gint64 now_ns = now_us * 1000;
      gint64 backlog_ns = MAX (dir->link_free_ns - now_ns, 0);
      gint64 tx_ns = (gint64) (length * 8e9 / p->rate_bps);
      double limit_ns = p->queue_bytes != 0.0 ? p->queue_bytes * 8e9 / p->rate_bps : p->queue_us * 1e3;

      if (backlog_ns > 0 && backlog_ns + tx_ns > limit_ns)
        {
          dir->counters[DROP_QUEUE]++;
          return;
        }
      dir->link_free_ns = now_ns + backlog_ns + tx_ns;
      base_us = (dir->link_free_ns + 999) / 1000;
    }
  departure_us = delay_departure (dir, base_us);
  if (departure_us <= now_us && dir->heap_len == 0)
    {
      direction_transmit (dir, data, length);
      return;
    }
  frame = g_malloc (sizeof (Frame) + length);
  frame->departure_us = departure_us;
  frame->seq = dir->next_seq++;
  frame->length = length;
  memcpy (frame->data, data, length);
  heap_push (dir, frame);
}

static void
direction_flush (Direction *dir, gint64 now_us)
{
  while (dir->heap_len > 0 && dir->heap[0]->departure_us <= now_us)
    {
      g_autofree Frame *frame = heap_pop (dir);

      direction_transmit (dir, frame->data, frame->length);
    }
}

static gboolean
direction_receive (Direction *dir, guint8 *buffer, GError **error)
{
  for (guint i = 0; i < RECEIVE_BATCH; i++)
    {
      struct sockaddr_ll from = { 0 };
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom (dir->in_fd, buffer, FRAME_BUFFER_SIZE, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *) &from,
                            &from_len);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EAGAIN || saved == EWOULDBLOCK || saved == EINTR || saved == ENETDOWN)
            return TRUE;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: receive failed: %s", dir->name,
                       g_strerror (saved));
          return FALSE;
        }
      if (from.sll_pkttype == PACKET_OUTGOING)
        continue;
      dir->counters[RX_FRAMES]++;
      dir->counters[RX_BYTES] += (guint64) n;
      if (n > FRAME_BUFFER_SIZE)
        {
          dir->counters[DROP_ERROR]++;
          continue;
        }
      direction_enqueue (dir, buffer, (gsize) n, g_get_monotonic_time ());
    }
  return TRUE;
}

/* a new trace, offset or "restart": the clock starts again at the offset;
 * without a trace any more, the bottleneck's frames go on at once */
static void
direction_commit (Direction *dir, const Params *params, gboolean restart, gint64 now_us)
{
  LinkBottleneck *bottleneck = &dir->bottleneck;
  guint32 offset_ms = (guint32) (params->trace_offset_us / 1e3);

  if (params->trace == NULL && bottleneck->trace != NULL)
    while (!g_queue_is_empty (&bottleneck->queue))
      {
        Frame *frame = g_queue_pop_head (&bottleneck->queue);

        bottleneck->queued_bytes -= frame->length;
        on_bottleneck_release (frame, now_us, dir);
      }
  if (params->gilbert_p <= 0.0)
    dir->gilbert_bad = FALSE;
  if (params->trace != bottleneck->trace || restart ||
      (params->trace != NULL && offset_ms % params->trace->period_ms != bottleneck->offset_ms))
    link_bottleneck_set (bottleneck, params->trace, offset_ms, params->trace_scale, now_us);
  else
    bottleneck->scale = params->trace_scale;
  dir->params = *params;
}

static void
direction_clear (Direction *dir)
{
  link_bottleneck_clear (&dir->bottleneck);
  while (dir->heap_len > 0)
    g_free (heap_pop (dir));
  g_clear_pointer (&dir->heap, g_free);
  g_clear_pointer (&dir->rand, g_rand_free);
}

/* control commands */

static gboolean
emulator_command (Emulator *self, const char *line, GString *reply, GError **error)
{
  g_auto (GStrv) tokens = g_strsplit_set (line, " \t\r\n", -1);
  gboolean set_up = TRUE;
  gboolean set_down = TRUE;
  Params up = self->up.params;
  Params down = self->down.params;
  g_autoptr (LinkTrace) loaded = NULL;
  gboolean restart = FALSE;
  gint64 now_us;
  guint first = 0;
  guint settings = 0;

  while (tokens[first] != NULL && tokens[first][0] == '\0')
    first++;
  if (tokens[first] == NULL || g_str_equal (tokens[first], "help"))
    {
      g_string_append (reply, "commands: [up|down|both] [clear] [restart] [KEY=VALUE...]; show; "
                              "stats; reset-stats (see linkemu --help)\n");
      return TRUE;
    }
  if (g_str_equal (tokens[first], "stats"))
    {
      counters_append (&self->up, reply);
      counters_append (&self->down, reply);
      return TRUE;
    }
  if (g_str_equal (tokens[first], "show"))
    {
      link_params_append (&self->up.params, "up", reply);
      link_params_append (&self->down.params, "down", reply);
      return TRUE;
    }
  if (g_str_equal (tokens[first], "reset-stats"))
    {
      memset (self->up.counters, 0, sizeof self->up.counters);
      memset (self->down.counters, 0, sizeof self->down.counters);
      self->up.bottleneck.opportunities_used = self->up.bottleneck.opportunities_lost = 0;
      self->down.bottleneck.opportunities_used = self->down.bottleneck.opportunities_lost = 0;
      g_string_append (reply, "ok\n");
      return TRUE;
    }
  if (g_str_equal (tokens[first], "up"))
    set_down = FALSE;
  else if (g_str_equal (tokens[first], "down"))
    set_up = FALSE;
  if (set_up != set_down || g_str_equal (tokens[first], "both"))
    first++; /* else no direction given: both */
  for (guint i = first; tokens[i] != NULL; i++)
    {
      if (tokens[i][0] == '\0')
        continue;
      if (g_str_equal (tokens[i], "restart"))
        {
          restart = TRUE;
          settings++;
          continue;
        }
      /* one file for both directions */
      if (g_str_has_prefix (tokens[i], "trace=") && loaded == NULL &&
          !g_strv_contains ((const char *const[]){ "trace=off", "trace=none", NULL }, tokens[i]))
        {
          loaded = link_trace_load (tokens[i] + strlen ("trace="), error);
          if (loaded == NULL)
            return FALSE;
        }
      /* parse into copies so a bad command changes nothing */
      if ((set_up && !link_params_set (&up, tokens[i], loaded, error)) ||
          (set_down && !link_params_set (&down, tokens[i], loaded, error)))
        return FALSE;
      settings++;
    }
  if ((set_up && up.outage.every_us > 0.0 && up.trace == NULL) ||
      (set_down && down.outage.every_us > 0.0 && down.trace == NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "outages stop a trace's opportunities: set trace=FILE too");
      return FALSE;
    }
  if (settings == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "nothing to set in '%s'", line);
      return FALSE;
    }
  now_us = g_get_monotonic_time ();
  if (set_up)
    direction_commit (&self->up, &up, restart, now_us);
  if (set_down)
    direction_commit (&self->down, &down, restart, now_us);
  g_string_append (reply, "ok\n");
  return TRUE;
}

static void
emulator_handle_control (Emulator *self)
{
  char line[2048];

  for (guint i = 0; i < CONTROL_BATCH; i++)
    {
      struct sockaddr_un peer;
      socklen_t peer_len = sizeof peer;
      g_autoptr (GString) reply = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      ssize_t n =
        recvfrom (self->control_fd, line, sizeof line - 1, MSG_DONTWAIT, (struct sockaddr *) &peer, &peer_len);

      if (n < 0)
        return;
      line[n] = '\0';
      g_strchomp (line);
      if (!emulator_command (self, line, reply, &error))
        g_string_printf (reply, "error: %s\n", error->message);
      else if (g_str_has_prefix (reply->str, "ok"))
        g_message ("control: %s", line);
      if (peer_len > sizeof (sa_family_t))
        (void) sendto (self->control_fd, reply->str, reply->len, MSG_DONTWAIT, (struct sockaddr *) &peer, peer_len);
    }
}

static gboolean
control_address (const char *path, struct sockaddr_un *addr, GError **error)
{
  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr->sun_path)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG, "control socket path '%s' is too long", path);
      return FALSE;
    }
  strcpy (addr->sun_path, path);
  return TRUE;
}

static gboolean
open_control (Emulator *self, const char *path, GError **error)
{
  struct sockaddr_un addr;

  if (!control_address (path, &addr, error))
    return FALSE;
  self->control_fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  (void) unlink (path);
  if (self->control_fd < 0 || bind (self->control_fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot bind control socket '%s': %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  self->control_path = g_strdup (path);
  return TRUE;
}

static int
open_packet_socket (const char *ifname, int buffer_size, GError **error)
{
  struct sockaddr_ll addr = { 0 };
  struct packet_mreq mreq = { 0 };
  unsigned ifindex = if_nametoindex (ifname);
  int one = 1;
  int fd;

  if (ifindex == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NODEV, "no interface '%s': %s", ifname, g_strerror (errno));
      return -1;
    }
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons (ETH_P_ALL);
  addr.sll_ifindex = (int) ifindex;
  mreq.mr_ifindex = (int) ifindex;
  mreq.mr_type = PACKET_MR_PROMISC;
  /* protocol 0 until bound, so no frame of another interface is queued */
  fd = socket (AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0 ||
      (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof buffer_size) < 0 &&
       setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size) < 0) ||
      (setsockopt (fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer_size, sizeof buffer_size) < 0 &&
       setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &buffer_size, sizeof buffer_size) < 0) ||
      bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "packet socket on '%s': %s", ifname,
                   g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static void
on_signal (int signum)
{
  if (signum == SIGUSR1)
    stats_requested = 1;
  else
    quit_requested = 1;
}

static void
print_stats (Emulator *self)
{
  g_autoptr (GString) out = g_string_new (NULL);

  counters_append (&self->up, out);
  counters_append (&self->down, out);
  fputs (out->str, stderr);
  fflush (stderr);
}

static struct timespec *
next_timeout (Emulator *self, struct timespec *ts)
{
  gint64 next = G_MAXINT64;
  gint64 wait_us;

  if (self->up.heap_len > 0)
    next = self->up.heap[0]->departure_us;
  if (self->down.heap_len > 0)
    next = MIN (next, self->down.heap[0]->departure_us);
  if (!g_queue_is_empty (&self->up.bottleneck.queue))
    next = MIN (next, self->up.bottleneck.next_us);
  if (!g_queue_is_empty (&self->down.bottleneck.queue))
    next = MIN (next, self->down.bottleneck.next_us);
  if (next == G_MAXINT64)
    return NULL; /* idle: sleep until a frame or command comes */
  wait_us = next - g_get_monotonic_time ();
  if (wait_us < 0)
    wait_us = 0;
  ts->tv_sec = wait_us / G_USEC_PER_SEC;
  ts->tv_nsec = (wait_us % G_USEC_PER_SEC) * 1000;
  return ts;
}

static gboolean
emulator_run (Emulator *self, GError **error)
{
  static const int signals[] = { SIGUSR1, SIGTERM, SIGINT, SIGHUP };
  struct sigaction action = { 0 };
  sigset_t blocked, unblocked;
  struct pollfd fds[3];
  nfds_t nfds = self->control_fd >= 0 ? 3 : 2;

  action.sa_handler = on_signal;
  sigemptyset (&blocked);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      sigaction (signals[i], &action, NULL);
      sigaddset (&blocked, signals[i]);
    }
  /* signals only arrive inside ppoll, so no wakeup is lost */
  sigprocmask (SIG_BLOCK, &blocked, &unblocked);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    sigdelset (&unblocked, signals[i]);

  fds[0] = (struct pollfd){ .fd = self->fd_a, .events = POLLIN };
  fds[1] = (struct pollfd){ .fd = self->fd_b, .events = POLLIN };
  fds[2] = (struct pollfd){ .fd = self->control_fd, .events = POLLIN };

  while (!quit_requested)
    {
      struct timespec ts;
      gint64 now = g_get_monotonic_time ();
      int ready;

      direction_serve (&self->up, now);
      direction_serve (&self->down, now);
      direction_flush (&self->up, now);
      direction_flush (&self->down, now);
      ready = ppoll (fds, nfds, next_timeout (self, &ts), &unblocked);
      if (ready < 0 && errno != EINTR)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "ppoll: %s", g_strerror (errno));
          return FALSE;
        }
      if (stats_requested)
        {
          stats_requested = 0;
          print_stats (self);
        }
      if (ready <= 0)
        continue;
      if (fds[0].revents != 0 && !direction_receive (&self->up, self->buffer, error))
        return FALSE;
      if (fds[1].revents != 0 && !direction_receive (&self->down, self->buffer, error))
        return FALSE;
      if (nfds > 2 && fds[2].revents != 0)
        emulator_handle_control (self);
    }
  return TRUE;
}

static void
emulator_clear (Emulator *self)
{
  direction_clear (&self->up);
  direction_clear (&self->down);
  if (self->fd_a >= 0)
    close (self->fd_a);
  if (self->fd_b >= 0)
    close (self->fd_b);
  if (self->control_fd >= 0)
    close (self->control_fd);
  if (self->control_path != NULL)
    (void) unlink (self->control_path);
  g_free (self->control_path);
  g_free (self->buffer);
}

/* client mode: send one command, print the answer */
static int
run_client (const char *path, const char *command, int timeout_ms)
{
  g_autofree char *own_path = g_strdup_printf ("%s.%d", path, (int) getpid ());
  struct sockaddr_un addr;
  struct sockaddr_un own_addr;
  g_autoptr (GError) error = NULL;
  struct pollfd pfd;
  char reply[8192];
  ssize_t n = -1;
  int fd;

  /* the answer needs an address; a path, since abstract names stay inside
   * one network namespace and the emulator runs in another */
  if (!control_address (path, &addr, &error) || !control_address (own_path, &own_addr, &error))
    {
      g_printerr ("linkemu: %s\n", error->message);
      return 2;
    }
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  (void) unlink (own_path);
  if (fd < 0 || bind (fd, (struct sockaddr *) &own_addr, sizeof own_addr) < 0 ||
      sendto (fd, command, strlen (command), 0, (struct sockaddr *) &addr, sizeof addr) < 0)
    g_printerr ("linkemu: cannot send to '%s': %s\n", path, g_strerror (errno));
  else
    {
      pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
      if (poll (&pfd, 1, timeout_ms) > 0)
        n = recv (fd, reply, sizeof reply - 1, 0);
      if (n < 0)
        g_printerr ("linkemu: no answer from '%s'\n", path);
    }
  if (fd >= 0)
    close (fd);
  (void) unlink (own_path);
  if (n < 0)
    return 2;
  reply[n] = '\0';
  fputs (reply, stdout);
  return g_str_has_prefix (reply, "error") ? 1 : 0;
}

static gboolean
emulator_open (Emulator *self, const char *iface_a, const char *iface_b, const char *control, int buffer_size,
               GError **error)
{
  self->fd_a = open_packet_socket (iface_a, buffer_size, error);
  if (self->fd_a < 0)
    return FALSE;
  self->fd_b = open_packet_socket (iface_b, buffer_size, error);
  if (self->fd_b < 0)
    return FALSE;
  self->up.in_fd = self->down.out_fd = self->fd_a;
  self->down.in_fd = self->up.out_fd = self->fd_b;
  return control == NULL || open_control (self, control, error);
}

int
main (int argc, char **argv)
{
  g_autofree char *iface_a = NULL;
  g_autofree char *iface_b = NULL;
  g_autofree char *control = NULL;
  g_autofree char *send_command = NULL;
  gint64 seed = -1;
  int buffer_size = DEFAULT_SOCKET_BUFFER;
  int timeout_ms = 2000;
  const GOptionEntry entries[] = {
    { "iface-a", 'a', 0, G_OPTION_ARG_STRING, &iface_a, "Interface toward the client", "IFACE" },
    { "iface-b", 'b', 0, G_OPTION_ARG_STRING, &iface_b, "Interface toward the router", "IFACE" },
    { "control", 'c', 0, G_OPTION_ARG_FILENAME, &control, "Control socket path", "PATH" },
    { "send", 's', 0, G_OPTION_ARG_STRING, &send_command, "Send one command to --control, print the answer", "CMD" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default: random)", "N" },
    { "buffer", 0, 0, G_OPTION_ARG_INT, &buffer_size, "Socket buffer size in bytes", "BYTES" },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_ms, "How long --send waits", "MS" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[COMMAND...] - emulate a network path");
  g_autoptr (GError) error = NULL;
  Emulator self = { .fd_a = -1, .fd_b = -1, .control_fd = -1 };
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (
    context, "Commands (arguments, or over the control socket):\n"
             "  [up|down|both] [clear] [delay=MS] [jitter=MS] [loss=PCT] [rate=RATE] [queue=BYTES|MSms]\n"
             "  [reorder=PCT] [reorder-delay=MS] [blackhole=on|off]\n"
             "  [trace=FILE|off] [trace-offset=MS] [trace-scale=K] [gilbert=LOSS%,BURST|off] [ge-p=PCT]\n"
             "  [ge-r=PCT] [outage-every=S] [outage-for=S] [outage-first=S] [restart]; show; stats; reset-stats\n"
             "trace: Mahimahi mm-link format, one ms time a line, each line 1504 bytes that may\n"
             "  leave the drop-tail queue (queue=BYTES, or a time at the trace's mean rate),\n"
             "  bytes not packets; the trace repeats; trace-scale=2 gives each line 3008 bytes.\n"
             "  The delay follows the queue. restart (or a new trace or offset) starts the\n"
             "  trace clock again at trace-offset; outages count from that start.\n"
             "gilbert: a good and a bad state, all lost in the bad one; r = 1/BURST,\n"
             "  p = LOSS r / (1 - LOSS) per packet (ge-p, ge-r set them directly).\n"
             "SIGUSR1 prints the counters to stderr.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("linkemu: %s\n", error->message);
      return 2;
    }
  if (send_command != NULL)
    return control != NULL ? run_client (control, send_command, timeout_ms) : 2;
  if (iface_a == NULL || iface_b == NULL)
    {
      g_printerr ("linkemu: --iface-a and --iface-b are required (or --control and --send)\n");
      return 2;
    }

  /* microsecond wakeups: the default 50 us timer slack would blur them */
  (void) prctl (PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  self.up.name = "up";
  self.down.name = "down";
  link_params_init (&self.up.params);
  link_params_init (&self.down.params);
  self.up.rand = seed >= 0 ? g_rand_new_with_seed ((guint32) (seed * 2)) : g_rand_new ();
  self.down.rand = seed >= 0 ? g_rand_new_with_seed ((guint32) (seed * 2 + 1)) : g_rand_new ();
  self.buffer = g_malloc (FRAME_BUFFER_SIZE);

  for (int i = 1; ok && i < argc; i++)
    {
      g_autoptr (GString) reply = g_string_new (NULL);

      ok = emulator_command (&self, argv[i], reply, &error);
    }
  if (ok)
    ok = emulator_open (&self, iface_a, iface_b, control, buffer_size, &error);
  if (ok)
    {
      g_message ("bridging %s <-> %s", iface_a, iface_b);
      ok = emulator_run (&self, &error);
      print_stats (&self);
    }
  if (!ok)
    g_printerr ("linkemu: %s\n", error->message);
  emulator_clear (&self);
  return ok ? 0 : 1;
}
