/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The tuntuntun authors */

/* linkemu-params: the link emulator's per-direction settings and the
 * KEY=VALUE words of its control commands. */

#include "config.h"

#include <string.h>

#include "linkemu-params.h"

#define DEFAULT_QUEUE_US         50000
#define DEFAULT_REORDER_DELAY_US 5000

void
link_params_init (Params *params)
{
  memset (params, 0, sizeof *params);
  params->queue_us = DEFAULT_QUEUE_US;
  params->reorder_delay_us = DEFAULT_REORDER_DELAY_US;
  params->trace_scale = 1.0;
  params->outage.first_us = -1.0;
}

/* values are numbers with the units tc users type */
typedef struct {
  const char *suffix;
  double scale;
} Unit;

static const Unit duration_units[] = { { "", 1e3 }, { "ms", 1e3 }, { "us", 1.0 }, { "s", 1e6 }, { NULL, 0.0 } };
static const Unit percent_units[] = { { "", 1.0 }, { "%", 1.0 }, { NULL, 0.0 } };
static const Unit rate_units[] = { { "", 1.0 },     { "bit", 1.0 }, { "k", 1e3 },    { "kbit", 1e3 }, { "m", 1e6 },
                                   { "mbit", 1e6 }, { "g", 1e9 },   { "gbit", 1e9 }, { NULL, 0.0 } };
static const Unit scale_units[] = { { "", 1.0 }, { "x", 1.0 }, { NULL, 0.0 } };
static const Unit byte_units[] = { { "", 1.0 },        { "b", 1.0 },        { "k", 1024.0 }, { "kb", 1024.0 },
                                   { "m", 1048576.0 }, { "mb", 1048576.0 }, { NULL, 0.0 } };

static const struct {
  const char *key;
  const Unit *units;
  double max;
  gsize offset;
} numeric_keys[] = {
  { "delay", duration_units, 60e6, G_STRUCT_OFFSET (Params, delay_us) },
  { "jitter", duration_units, 60e6, G_STRUCT_OFFSET (Params, jitter_us) },
  { "loss", percent_units, 100.0, G_STRUCT_OFFSET (Params, loss_percent) },
  { "rate", rate_units, 1e12, G_STRUCT_OFFSET (Params, rate_bps) },
  { "reorder", percent_units, 100.0, G_STRUCT_OFFSET (Params, reorder_percent) },
  { "reorder-delay", duration_units, 60e6, G_STRUCT_OFFSET (Params, reorder_delay_us) },
  { "trace-offset", duration_units, 4e9, G_STRUCT_OFFSET (Params, trace_offset_us) },
  { "trace-scale", scale_units, 1000.0, G_STRUCT_OFFSET (Params, trace_scale) },
  { "outage-every", duration_units, 1e10, G_STRUCT_OFFSET (Params, outage.every_us) },
  { "outage-for", duration_units, 1e10, G_STRUCT_OFFSET (Params, outage.for_us) },
  { "outage-first", duration_units, 1e10, G_STRUCT_OFFSET (Params, outage.first_us) },
};

static gboolean
parse_value (const char *key, const char *value, const Unit *units, double max, double *out, GError **error)
{
  char *end = NULL;
  double number = g_ascii_strtod (value, &end);

  if (end != value && number >= 0.0)
    for (const Unit *unit = units; unit->suffix != NULL; unit++)
      if (g_ascii_strcasecmp (end, unit->suffix) == 0 && number * unit->scale <= max)
        {
          *out = number * unit->scale;
          return TRUE;
        }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: '%s' is out of range or has an unknown unit", key,
               value);
  return FALSE;
}

/* gilbert=LOSS,BURST (mean loss in percent, mean burst in packets), or off */
static gboolean
params_set_gilbert (Params *params, const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", 2);
  double loss;
  double burst;

  if (g_strv_contains ((const char *const[]){ "off", "0", NULL }, value))
    {
      params->gilbert_p = params->gilbert_r = 0.0;
      return TRUE;
    }
  if (parts[1] == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "gilbert: '%s' is not LOSS%%,BURST (e.g. 1%%,5) or off", value);
      return FALSE;
    }
  return parse_value ("gilbert", parts[0], percent_units, 100.0, &loss, error) &&
         parse_value ("gilbert", parts[1], scale_units, 1e6, &burst, error) &&
         link_gilbert_from_mean (loss / 100.0, burst, &params->gilbert_p, &params->gilbert_r, error);
}

gboolean
link_params_set (Params *params, const char *token, LinkTrace *loaded, GError **error)
{
  g_auto (GStrv) pair = g_strsplit (token, "=", 2);
  const char *key = pair[0];
  const char *value = pair[1];

  if (g_str_equal (token, "clear"))
    {
      link_params_init (params);
      return TRUE;
    }
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "'%s' is not key=value or 'clear'", token);
      return FALSE;
    }
  if (g_str_equal (key, "blackhole"))
    {
      gboolean on = g_strv_contains ((const char *const[]){ "1", "on", "yes", "true", NULL }, value);

      if (!on && !g_strv_contains ((const char *const[]){ "0", "off", "no", "false", NULL }, value))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "blackhole: '%s' is not on/off", value);
          return FALSE;
        }
      params->blackhole = on;
      return TRUE;
    }
  if (g_str_equal (key, "trace"))
    {
      /* the caller loaded the file once for both directions */
      params->trace = g_strv_contains ((const char *const[]){ "off", "none", NULL }, value) ? NULL : loaded;
      return TRUE;
    }
  if (g_str_equal (key, "gilbert"))
    return params_set_gilbert (params, value, error);
  if (g_str_equal (key, "ge-p") || g_str_equal (key, "ge-r"))
    {
      double percent;

      if (!parse_value (key, value, percent_units, 100.0, &percent, error))
        return FALSE;
      *(g_str_equal (key, "ge-p") ? &params->gilbert_p : &params->gilbert_r) = percent / 100.0;
      return TRUE;
    }
  if (g_str_equal (key, "queue"))
    {
      gboolean in_time = g_str_has_suffix (value, "s");
      double number;

      if (!parse_value (key, value, in_time ? duration_units : byte_units, in_time ? 60e6 : LINK_MAX_QUEUED_BYTES,
                        &number, error))
        return FALSE;
      params->queue_us = in_time ? number : 0.0;
      params->queue_bytes = in_time ? 0.0 : number;
      return TRUE;
    }
  if (g_str_equal (key, "rate") && g_strv_contains ((const char *const[]){ "off", "none", "unlimited", NULL }, value))
    value = "0";
  for (gsize i = 0; i < G_N_ELEMENTS (numeric_keys); i++)
    if (g_str_equal (key, numeric_keys[i].key))
      return parse_value (key, value, numeric_keys[i].units, numeric_keys[i].max,
                          G_STRUCT_MEMBER_P (params, numeric_keys[i].offset), error);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
               "unknown key '%s' (delay, jitter, loss, rate, queue, reorder, reorder-delay, "
               "blackhole, trace, trace-offset, trace-scale, gilbert, ge-p, ge-r, outage-every, "
               "outage-for, outage-first)",
               key);
  return FALSE;
}

void
link_params_append (const Params *params, const char *name, GString *out)
{
  g_string_append_printf (out, "%s delay=%.3f jitter=%.3f loss=%g rate=%.0f", name, params->delay_us / 1e3,
                          params->jitter_us / 1e3, params->loss_percent, params->rate_bps);
  if (params->queue_bytes != 0.0)
    g_string_append_printf (out, " queue=%.0f", params->queue_bytes);
  else
    g_string_append_printf (out, " queue=%.3fms", params->queue_us / 1e3);
  g_string_append_printf (out, " reorder=%g reorder-delay=%.3f blackhole=%d", params->reorder_percent,
                          params->reorder_delay_us / 1e3, params->blackhole ? 1 : 0);
  if (params->trace != NULL)
    g_string_append_printf (out, " trace=%s trace-offset=%.0f trace-scale=%g trace-mbit=%.2f", params->trace->path,
                            params->trace_offset_us / 1e3, params->trace_scale,
                            link_trace_mean_bps (params->trace) * params->trace_scale / 1e6);
  if (params->gilbert_p > 0.0)
    g_string_append_printf (out, " ge-p=%g ge-r=%g gilbert=%g,%g", params->gilbert_p * 100.0, params->gilbert_r * 100.0,
                            100.0 * params->gilbert_p / (params->gilbert_p + params->gilbert_r),
                            params->gilbert_r > 0.0 ? 1.0 / params->gilbert_r : 0.0);
  if (params->outage.every_us > 0.0)
    g_string_append_printf (out, " outage-every=%.3f outage-for=%.3f outage-first=%.3f", params->outage.every_us / 1e3,
                            params->outage.for_us / 1e3,
                            (params->outage.first_us >= 0.0 ? params->outage.first_us : params->outage.every_us) / 1e3);
  g_string_append_c (out, '\n');
}
