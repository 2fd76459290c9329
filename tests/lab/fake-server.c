/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* A hostile tttd server for the lab: it answers a real client's initiations
 * with a response of its choosing (a cipher the client never offered, or
 * addresses that would take over its routes).
 *
 * fake-server KEYFILE ADDRESS:PORT SECONDS MODE [PREFIX...]
 *   MODE: a cipher number (1 = ChaCha20-Poly1305, 33 = none), sent with the
 *   PREFIXes as the client's addresses. Prints how many responses it sent. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tttd-handshake.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  TttdResponsePayload response = { 0 };
  TttdSockaddr local;
  guint8 private_key[32];
  TttdIdentity *identity;
  TttdHandshake hs;
  gint64 end;
  guint answered = 0;
  int fd;

  if (argc < 5 || argc - 5 > TTTD_RESPONSE_ADDRESSES)
    {
      fprintf (stderr, "usage: fake-server KEYFILE ADDRESS:PORT SECONDS CIPHER [PREFIX...]\n");
      return 2;
    }
  if (!tttd_crypto_init (&error) || !g_file_get_contents (argv[1], &text, NULL, &error) ||
      !tttd_key_from_base64 (g_strstrip (text), private_key, &error) ||
      !tttd_sockaddr_parse (argv[2], 5800, &local, &error))
    {
      fprintf (stderr, "fake-server: %s\n", error->message);
      return 1;
    }
  identity = tttd_identity_new (private_key);
  end = g_get_monotonic_time () + (gint64) (atof (argv[3]) * G_USEC_PER_SEC);
  response.cipher = (guint8) atoi (argv[4]);
  for (int i = 5; i < argc; i++)
    if (!tttd_prefix_parse (argv[i], TRUE, &response.addresses[response.n_addresses++], &error))
      {
        fprintf (stderr, "fake-server: %s\n", error->message);
        return 1;
      }
  fd = socket (local.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, &local.sa, tttd_sockaddr_len (&local)) < 0)
    {
      fprintf (stderr, "fake-server: %s: %s\n", argv[2], g_strerror (errno));
      return 1;
    }
  while (g_get_monotonic_time () < end)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      guint8 msg[2048], out[TTTD_RESPONSE_LEN];
      TttdInitPayload init;
      TttdSessionKeys keys;
      TttdSockaddr from;
      socklen_t from_len = sizeof from;
      ssize_t n;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      n = recvfrom (fd, msg, sizeof msg, 0, &from.sa, &from_len);
      if (n <= 0 || tttd_handshake_consume_initiation (&hs, identity, msg, (gsize) n, &init) != TTTD_HANDSHAKE_OK)
        continue;
      if (tttd_handshake_create_response (&hs, identity, 0x5eed0000u + answered, &response, out, &keys) !=
          TTTD_HANDSHAKE_OK)
        continue;
      if (sendto (fd, out, sizeof out, 0, &from.sa, from_len) == (ssize_t) sizeof out)
        answered++;
      tttd_handshake_clear (&hs);
    }
  printf ("%u\n", answered);
  close (fd);
  tttd_identity_free (identity);
  return 0;
}
