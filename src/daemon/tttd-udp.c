/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* non-blocking UDP link sockets, batched receive and send queues */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tttd-udp.h"

#define SOCKET_BUFFER (4 * 1024 * 1024)

static int
fail (int fd, GError **error, const char *what)
{
  int errsv = errno;

  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what, g_strerror (errsv));
  return -1;
}

static void
set_buffer (int fd, int force, int plain)
{
  int size = SOCKET_BUFFER;

  /* FORCE exceeds rmem_max but needs CAP_NET_ADMIN, which tttd has */
  if (setsockopt (fd, SOL_SOCKET, force, &size, sizeof size) < 0)
    (void) setsockopt (fd, SOL_SOCKET, plain, &size, sizeof size);
}

int
tttd_udp_open (int family, const char *device, const TttdSockaddr *local, guint32 fwmark, GError **error)
{
  int fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  int one = 1;

  if (fd < 0)
    return fail (-1, error, "cannot create a UDP socket");
  if (family == AF_INET6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    return fail (fd, error, "cannot make the socket IPv6-only");
  set_buffer (fd, SO_RCVBUFFORCE, SO_RCVBUF);
  set_buffer (fd, SO_SNDBUFFORCE, SO_SNDBUF);
  if (fwmark != 0 && setsockopt (fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof fwmark) < 0)
    return fail (fd, error, "cannot set the socket's firewall mark");
  if (device != NULL && setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t) strlen (device) + 1) < 0)
    {
      g_autofree char *what = g_strdup_printf ("cannot bind a socket to %s", device);
      return fail (fd, error, what);
    }
  if (local != NULL)
    {
      if (local->sa.sa_family == AF_INET6 || local->sa.sa_family == AF_INET)
        {
          /* a server may listen on an address it does not have yet */
          (void) setsockopt (fd, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
                             family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one, sizeof one);
        }
      if (bind (fd, &local->sa, tttd_sockaddr_len (local)) < 0)
        {
          g_autofree char *addr = tttd_sockaddr_to_string (local);
          g_autofree char *what = g_strdup_printf ("cannot bind a socket to %s", addr);
          return fail (fd, error, what);
        }
    }
  return fd;
}

gboolean
tttd_udp_local (int fd, TttdSockaddr *out)
{
  socklen_t len = sizeof *out;

  memset (out, 0, sizeof *out);
  return getsockname (fd, &out->sa, &len) == 0;
}

gboolean
tttd_udp_enable_gro (int fd)
{
  int one = 1;

  return setsockopt (fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
}

void
tttd_rx_batch_init (TttdRxBatch *batch)
{
  memset (batch, 0, sizeof *batch);
  for (guint i = 0; i < TTTD_RX_MESSAGES; i++)
    batch->bufs[i] = g_malloc (TTTD_RX_BUFFER);
}

void
tttd_rx_batch_clear (TttdRxBatch *batch)
{
  for (guint i = 0; i < TTTD_RX_MESSAGES; i++)
    g_clear_pointer (&batch->bufs[i], g_free);
}

int
tttd_rx_batch_recv (TttdRxBatch *batch, int fd)
{
  int n;

  for (guint i = 0; i < TTTD_RX_MESSAGES; i++)
    {
      batch->iov[i].iov_base = batch->bufs[i];
      batch->iov[i].iov_len = TTTD_RX_BUFFER;
      batch->msgs[i].msg_hdr = (struct msghdr){
        .msg_name = &batch->from[i],
        .msg_namelen = sizeof batch->from[i],
        .msg_iov = &batch->iov[i],
        .msg_iovlen = 1,
        .msg_control = batch->ctrl[i],
        .msg_controllen = sizeof batch->ctrl[i],
      };
    }
  n = recvmmsg (fd, batch->msgs, TTTD_RX_MESSAGES, MSG_DONTWAIT, NULL);
  if (n <= 0)
    return 0;
  for (int i = 0; i < n; i++)
    {
      struct msghdr *hdr = &batch->msgs[i].msg_hdr;
      struct cmsghdr *cmsg;
      batch->segment[i] = batch->msgs[i].msg_len;
      for (cmsg = CMSG_FIRSTHDR (hdr); cmsg != NULL; cmsg = CMSG_NXTHDR (hdr, cmsg))
        if (cmsg->cmsg_level == SOL_UDP && cmsg->cmsg_type == UDP_GRO)
          {
            int size;
            memcpy (&size, CMSG_DATA (cmsg), sizeof size);
            if (size > 0)
              batch->segment[i] = (guint) size;
          }
    }
  return n;
}

void
tttd_tx_queue_init (TttdTxQueue *queue, int fd, TttdBufferRelease release, gpointer release_data)
{
  memset (queue, 0, sizeof *queue);
  queue->fd = fd;
  queue->release = release;
  queue->release_data = release_data;
  queue->gso = TRUE;
}

gboolean
tttd_tx_queue_add (TttdTxQueue *queue, const TttdSockaddr *dest, gpointer buf, const guint8 *data, gsize len)
{
  guint i = queue->n;

  if (i == TTTD_BATCH)
    return FALSE;
  queue->dest[i] = *dest;
  queue->iov[i].iov_base = (void *) data;
  queue->iov[i].iov_len = len;
  queue->bufs[i] = buf;
  queue->msgs[i].msg_hdr = (struct msghdr){
    .msg_name = &queue->dest[i],
    .msg_namelen = tttd_sockaddr_len (dest),
    .msg_iov = &queue->iov[i],
    .msg_iovlen = 1,
  };
  queue->n++;
  return TRUE;
}

/* the largest UDP payload one GSO send may carry */
#define GSO_MAX_BYTES    60000
#define GSO_MAX_SEGMENTS 64

/* group runs of datagrams of one size (the last of a run may be shorter)
 * to one place into one message with UDP_SEGMENT: the stack handles a run
 * as one packet until the wire */
static guint
build_gso (TttdTxQueue *queue)
{
  guint m = 0;

  for (guint i = 0; i < queue->n;)
    {
      gsize size = queue->iov[i].iov_len, total = size;
      guint j = i + 1;
      struct msghdr *hdr = &queue->gso_msgs[m].msg_hdr;

      while (j < queue->n && j - i < GSO_MAX_SEGMENTS && total + queue->iov[j].iov_len <= GSO_MAX_BYTES &&
             queue->iov[j].iov_len <= size && queue->iov[j - 1].iov_len == size &&
             tttd_sockaddr_equal (&queue->dest[j], &queue->dest[i]))
        total += queue->iov[j++].iov_len;
      *hdr = queue->msgs[i].msg_hdr;
      hdr->msg_iovlen = j - i;
      if (j - i > 1)
        {
          struct cmsghdr *cmsg;
          guint16 segment = (guint16) size;
          hdr->msg_control = queue->gso_ctrl[m];
          hdr->msg_controllen = CMSG_SPACE (sizeof segment);
          cmsg = CMSG_FIRSTHDR (hdr);
          cmsg->cmsg_level = SOL_UDP;
          cmsg->cmsg_type = UDP_SEGMENT;
          cmsg->cmsg_len = CMSG_LEN (sizeof segment);
          memcpy (CMSG_DATA (cmsg), &segment, sizeof segment);
        }
      queue->gso_count[m++] = j - i;
      i = j;
    }
  return m;
}

static void
release_all (TttdTxQueue *queue)
{
  for (guint i = 0; i < queue->n; i++)
    if (queue->bufs[i] != NULL && queue->release != NULL)
      queue->release (queue->bufs[i], queue->release_data);
  queue->n = 0;
}

/* FALSE: the kernel or device refuses GSO; send them one by one */
static gboolean
flush_gso (TttdTxQueue *queue)
{
  guint messages = build_gso (queue);
  guint done = 0;

  while (done < messages)
    {
      int n = sendmmsg (queue->fd, queue->gso_msgs + done, messages - done, MSG_DONTWAIT);
      if (n > 0)
        {
          for (int k = 0; k < n; k++)
            queue->sent += queue->gso_count[done + (guint) k];
          done += (guint) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      queue->last_errno = n < 0 ? errno : 0;
      if (n < 0 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) && queue->gso_count[done] > 1 && done == 0)
        return FALSE;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
        {
          for (guint k = done; k < messages; k++)
            queue->dropped += queue->gso_count[k];
          break;
        }
      queue->dropped += queue->gso_count[done];
      done++;
    }
  release_all (queue);
  return TRUE;
}

void
tttd_tx_queue_flush (TttdTxQueue *queue)
{
  guint done = 0;

  if (queue->n == 0)
    return;
  if (queue->gso && queue->n > 1)
    {
      if (flush_gso (queue))
        return;
      queue->gso = FALSE;
    }
  while (done < queue->n)
    {
      int n = sendmmsg (queue->fd, queue->msgs + done, queue->n - done, MSG_DONTWAIT);
      if (n > 0)
        {
          done += (guint) n;
          queue->sent += (guint) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      queue->last_errno = n < 0 ? errno : 0;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
        {
          /* the socket buffer is full: drop the rest, as a router would */
          queue->dropped += queue->n - done;
          break;
        }
      /* this one cannot go (no route, too big): drop it, send the rest */
      queue->dropped++;
      done++;
    }
  release_all (queue);
}
