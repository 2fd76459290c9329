#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# Prometheus metrics of a real client and server: "tttctl metrics" passes
# "promtool check metrics", and a real Prometheus scraping "tttctl metrics
# --http" behind systemd-socket-activate (what tttd-metrics.socket with
# Accept=yes does) shows tttd_ series with interface and peer labels, whose
# byte counters are above zero after traffic and grow with more.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require iperf3 promtool prometheus curl python3 systemd-socket-activate
lab_topology --paths 2
tttd_lab_keys 1
SBUS=$(tttd_lab_bus server)
CBUS=$(tttd_lab_bus client)
TTTD_SERVER_BUS=$SBUS tttd_lab_server
TTTD_CLIENT_BUS=$CBUS tttd_lab_client 0
tttd_lab_wait_connected 0
client=${LAB_NS_CLIENT[0]}
lab_iperf_server iperf "$LAB_NS_SERVER"
lab_iperf "$client" "$TTTD_SERVER_TUN" 2 >/dev/null || lab_fail "iperf3 through the tunnel failed"
sleep 1.5   # counters reach D-Bus at most once a second

# value NAME{LABELS} FILE: the sample's value, empty if it is missing
value () { awk -v key="$1" '$1 == key { print $2 }' "$2"; }

# ---------------------------------------------------------------- the text
tttd_ctl "$CBUS" metrics > "$LAB_DIR/client.prom" || lab_fail "tttctl metrics failed on the client"
tttd_ctl "$SBUS" metrics > "$LAB_DIR/server.prom" || lab_fail "tttctl metrics failed on the server"
for side in client server; do
  promtool check metrics < "$LAB_DIR/$side.prom" > "$LAB_DIR/promtool-$side.txt" 2>&1 \
    || { cat "$LAB_DIR/promtool-$side.txt" >&2; lab_fail "promtool check metrics rejects the $side's metrics"; }
  lab_log "$side: $(grep -vc '^#' "$LAB_DIR/$side.prom") samples, promtool check metrics passes"
done
for i in 0 1; do
  tx=$(value "tttd_link_transmit_bytes_total{interface=\"wan$i\"}" "$LAB_DIR/client.prom")
  lab_log "client wan$i: tttd_link_transmit_bytes_total $tx"
  [[ -n $tx ]] && (( tx > 100000 )) || lab_fail "client: wan$i sent ${tx:-no} bytes by its metrics"
  [[ $(value "tttd_link_state{interface=\"wan$i\",state=\"up\"}" "$LAB_DIR/client.prom") == 1 ]] \
    || lab_fail "client: wan$i is not state=\"up\" by its metrics"
  [[ $(value "tttd_link_state{interface=\"wan$i\",state=\"down\"}" "$LAB_DIR/client.prom") == 0 ]] \
    || lab_fail "client: wan$i has no state=\"down\" 0 series"
done
rtt=$(value 'tttd_link_rtt_seconds{interface="wan0"}' "$LAB_DIR/client.prom")
awk -v r="$rtt" 'BEGIN { exit !(r > 0 && r < 1) }' || lab_fail "client: wan0's RTT is '$rtt' seconds"
rx=$(value 'tttd_peer_receive_bytes_total{peer="c0"}' "$LAB_DIR/server.prom")
lab_log "server: tttd_peer_receive_bytes_total{peer=\"c0\"} $rx"
[[ -n $rx ]] && (( rx > 100000 )) || lab_fail "server: peer c0 received ${rx:-no} bytes by its metrics"
[[ $(value 'tttd_peer_state{peer="c0",state="connected"}' "$LAB_DIR/server.prom") == 1 ]] \
  || lab_fail "server: peer c0 is not connected by its metrics"
hs=$(value 'tttd_handshakes_total{result="completed"}' "$LAB_DIR/server.prom")
[[ -n $hs ]] && (( hs >= 1 )) || lab_fail "server: ${hs:-no} completed handshakes by its metrics"
grep -q '^tttd_dropped_packets_total{reason="rx-auth-failed"} ' "$LAB_DIR/server.prom" \
  || lab_fail "server: no drop counter for rx-auth-failed"

# tttd not there: tttd_up 0, exit 3, still valid
status=0
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_DIR/no-bus "$TTTCTL_BIN" metrics > "$LAB_DIR/down.prom" 2>/dev/null || status=$?
(( status == 3 )) || lab_fail "tttctl metrics without tttd exited $status, not 3"
grep -qx 'tttd_up 0' "$LAB_DIR/down.prom" || lab_fail "tttctl metrics without tttd does not say tttd_up 0"
promtool check metrics < "$LAB_DIR/down.prom" >/dev/null 2>&1 || lab_fail "promtool rejects the tttd_up 0 text"

# ---------------------------------------------------------------- HTTP
CLIENT_ADDR=${LAB_CLIENT_ADDR[0,0]}
lab_spawn http-client "$client" systemd-socket-activate --inetd --accept -l "$CLIENT_ADDR:9586" \
  -E "DBUS_SYSTEM_BUS_ADDRESS=$CBUS" "$TTTCTL_BIN" metrics --http
lab_spawn http-server "$LAB_NS_SERVER" systemd-socket-activate --inetd --accept -l "$LAB_SERVER_ADDR:9586" \
  -E "DBUS_SYSTEM_BUS_ADDRESS=$SBUS" "$TTTCTL_BIN" metrics --http
lab_wait_for 5 lab__listening "$client" 9586 || lab_fail "the client's metrics socket is not listening"
lab_wait_for 5 lab__listening "$LAB_NS_SERVER" 9586 || lab_fail "the server's metrics socket is not listening"
http () { lab_exec "$LAB_NS_ROUTER" curl -s --max-time 5 "$@"; }
code=$(http -o /dev/null -w '%{http_code}' "http://$CLIENT_ADDR:9586/nothing")
[[ $code == 404 ]] || lab_fail "GET /nothing answered $code, not 404"
code=$(http -o /dev/null -w '%{http_code}' -X POST "http://$CLIENT_ADDR:9586/metrics")
[[ $code == 405 ]] || lab_fail "POST /metrics answered $code, not 405"
type=$(http -o /dev/null -w '%{content_type}' "http://$CLIENT_ADDR:9586/metrics")
[[ $type == "text/plain; version=0.0.4; charset=utf-8" ]] || lab_fail "GET /metrics: Content-Type '$type'"
lab_log "HTTP: /nothing 404, POST 405, GET /metrics $type"
times=$(for n in 1 2 3 4 5; do http -o /dev/null -w '%{time_total}\n' "http://$CLIENT_ADDR:9586/metrics"; done | sort -n | tr '\n' ' ')
lab_log "HTTP: one scrape of the client (a new tttctl each), 5 runs, seconds: $times"

# ---------------------------------------------------------------- Prometheus
mkdir -p "$LAB_DIR/prometheus"
cat > "$LAB_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tttd-client
    static_configs: [{ targets: ["$CLIENT_ADDR:9586"] }]
  - job_name: tttd-server
    static_configs: [{ targets: ["$LAB_SERVER_ADDR:9586"] }]
YML
promtool check config "$LAB_DIR/prometheus.yml" >/dev/null || lab_fail "promtool rejects the test's prometheus.yml"
lab_spawn prometheus "$LAB_NS_ROUTER" prometheus --config.file="$LAB_DIR/prometheus.yml" \
  --storage.tsdb.path="$LAB_DIR/prometheus" --web.listen-address=127.0.0.1:9090 --log.level=warn
# query PROMQL: "label=value ... value" per series (job and instance left out)
query () {
  http --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    labels = " ".join("%s=%s" % kv for kv in sorted(r["metric"].items()) if kv[0] not in ("instance", "job"))
    print(labels, r["value"][1])'
}
two_up () { [[ $(query 'tttd_up == 1' | wc -l) == 2 ]]; }
lab_wait_for 30 two_up || lab_fail "Prometheus did not scrape tttd_up 1 from both (see $LAB_DIR/prometheus.log)"
query 'up{job=~"tttd-.*"}' > "$LAB_DIR/up.txt"
[[ $(grep -c ' 1$' "$LAB_DIR/up.txt") == 2 ]] || lab_fail "Prometheus: the scrapes are not up: $(cat "$LAB_DIR/up.txt")"

query 'tttd_link_transmit_bytes_total{job="tttd-client"}' > "$LAB_DIR/q-link1.txt"
query 'tttd_peer_receive_bytes_total{job="tttd-server"}' > "$LAB_DIR/q-peer1.txt"
lab_log "Prometheus: $(tr '\n' ';' < "$LAB_DIR/q-link1.txt") $(cat "$LAB_DIR/q-peer1.txt")"
for i in 0 1; do
  grep -q "^__name__=tttd_link_transmit_bytes_total interface=wan$i [1-9]" "$LAB_DIR/q-link1.txt" \
    || lab_fail "Prometheus has no non-zero tttd_link_transmit_bytes_total for interface wan$i"
done
peer1=$(awk '$2 == "peer=c0" { print $3 }' "$LAB_DIR/q-peer1.txt")
link1=$(awk '$2 == "interface=wan0" { print $3 }' "$LAB_DIR/q-link1.txt")
[[ -n $peer1 ]] && (( peer1 > 0 )) || lab_fail "Prometheus has no non-zero tttd_peer_receive_bytes_total{peer=\"c0\"}"
[[ $(query 'tttd_link_state{job="tttd-client",state="up"}' | grep -c ' 1$') == 2 ]] \
  || lab_fail "Prometheus does not see both links with state=\"up\""

# more traffic: the counters grow in Prometheus
lab_iperf "$client" "$TTTD_SERVER_TUN" 2 >/dev/null || lab_fail "iperf3 through the tunnel failed (second run)"
grown () {
  local link peer
  link=$(query 'tttd_link_transmit_bytes_total{job="tttd-client",interface="wan0"}' | awk '{ print $3 }')
  peer=$(query 'tttd_peer_receive_bytes_total{job="tttd-server",peer="c0"}' | awk '{ print $3 }')
  [[ -n $link && -n $peer ]] && (( link > link1 + 100000 && peer > peer1 + 100000 ))
}
lab_wait_for 10 grown || lab_fail "Prometheus: the byte counters did not grow after more traffic (wan0 from $link1, c0 from $peer1)"
lab_log "Prometheus: after more traffic wan0 $link1 -> $(query 'tttd_link_transmit_bytes_total{job="tttd-client",interface="wan0"}' | awk '{ print $3 }'), c0 $peer1 -> $(query 'tttd_peer_receive_bytes_total{job="tttd-server",peer="c0"}' | awk '{ print $3 }')"
rate=$(query 'rate(tttd_link_transmit_bytes_total{job="tttd-client"}[5s])' | awk '{ s += $NF } END { printf "%d", s * 8 / 1e6 }')
lab_log "Prometheus: rate() of both links over the last 5 s: $rate Mbit/s"

# the client goes away: the scrape still answers, with tttd_up 0
lab_kill tttd-c0
lab_wait_exit tttd-c0 10 || true
http "http://$CLIENT_ADDR:9586/metrics" > "$LAB_DIR/gone.prom" || lab_fail "no answer from the scrape once tttd stopped"
grep -qx 'tttd_up 0' "$LAB_DIR/gone.prom" || lab_fail "the scrape after tttd stopped does not say tttd_up 0"
grep -q '^tttd_link' "$LAB_DIR/gone.prom" && lab_fail "the scrape after tttd stopped still has link series"
lab_log "HTTP: after tttd stopped: tttd_up 0"
tttd_lab_pass
