/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* creates and configures the TUN device */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tttd-gso.h"
#include "tttd-tun.h"

int
tttd_tun_open (const char *name, gboolean want_offloads, gboolean *offloads, char **name_out, GError **error)
{
  struct ifreq ifr;
  int fd;

  *offloads = FALSE;
  fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot open /dev/net/tun: %s",
                   g_strerror (errsv));
      return -1;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (want_offloads ? IFF_VNET_HDR : 0);
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int errsv = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot create TUN device %s: %s%s", name,
                   g_strerror (errsv), errsv == EBUSY ? " (another program holds it; is tttd running already?)" : "");
      return -1;
    }
  if (want_offloads)
    {
      int size = TTTD_VNET_HDR_LEN;
      unsigned int features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
      /* without them the header stays, and says "nothing to do" every time */
      if (ioctl (fd, TUNSETVNETHDRSZ, &size) == 0 && ioctl (fd, TUNSETOFFLOAD, features) == 0)
        *offloads = TRUE;
      else
        (void) ioctl (fd, TUNSETOFFLOAD, 0u);
    }
  if (name_out != NULL)
    *name_out = g_strndup (ifr.ifr_name, IFNAMSIZ);
  return fd;
}
