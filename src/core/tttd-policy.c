/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */
/* which NetworkManager device becomes a link, decided on a plain snapshot */
#include "config.h"

#include "tttd-policy.h"

TttdAction
tttd_policy_decide (const TttdNetSnapshot *snap, const TttdConfig *config, const char *tun_name)
{
  TttdAction action = { FALSE, NULL, FALSE, NULL };
  const char *name = snap->ip_iface != NULL && *snap->ip_iface ? snap->ip_iface : snap->iface;
  TttdLinkConfig settings;

  action.ifname = name;
  if (name == NULL || *name == '\0')
    {
      action.reason = "it has no interface";
      return action;
    }
  if (!config->networkmanager)
    {
      action.reason = "[links] networkmanager=false";
      return action;
    }
  if (g_strcmp0 (name, tun_name) == 0)
    {
      action.reason = "it is tttd's own tunnel";
      return action;
    }
  if (snap->kind == TTTD_NET_KIND_LOOPBACK || snap->kind == TTTD_NET_KIND_TUNNEL)
    {
      action.reason = "it is a loopback or tunnel device";
      return action;
    }
  if (tttd_glob_list_match (config->ignore, name))
    {
      action.reason = "it matches [links] ignore=";
      return action;
    }
  if (!tttd_glob_list_match (config->match, name))
    {
      action.reason = "it does not match [links] match=";
      return action;
    }
  /* a static link is the configuration's, whatever NetworkManager says */
  if (g_strv_contains ((const char *const *) config->static_links, name))
    {
      action.reason = "it is a [links] static= link";
      return action;
    }
  if (snap->state != TTTD_NET_STATE_ACTIVATED)
    {
      action.reason = "it is not activated";
      return action;
    }
  if (snap->n_ipv4 == 0 && snap->n_ipv6 == 0)
    {
      action.reason = "it has no usable address";
      return action;
    }
  settings = tttd_config_link_settings (config, name);
  action.bond = TRUE;
  action.reason = "activated";
  if (settings.metered_set)
    action.metered = settings.metered;
  else
    action.metered = snap->metered == TTTD_NET_METERED_YES || snap->metered == TTTD_NET_METERED_GUESS_YES;
  return action;
}
