#!/usr/bin/env bash
# make demo: lotsense-cloud (embedded broker, SQLite under ./data) and one simulated
# cold-room gateway, until Ctrl-C. Environment: BIN, HTTP, SPEED, MQTT.
set -euo pipefail
BIN=${BIN:-bin}
HTTP=${HTTP:-127.0.0.1:8080}
SPEED=${SPEED:-60}
MQTT=${MQTT:-127.0.0.1:1883}
CONFIG=${CONFIG:-firmware-config/examples/demo-cold-room.yaml}
mkdir -p data

cloud= gw=
stop() {
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	[ -n "$gw" ] && kill -TERM "$gw" 2>/dev/null || true
	[ -n "$gw" ] && wait "$gw" 2>/dev/null || true
	[ -n "$cloud" ] && kill -TERM "$cloud" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# The demo's rule: above 8 °C for more than 15 minutes (of demo time).
"$BIN/lotsense-cloud" serve -data data/cloud -http "$HTTP" -mqtt-listen "$MQTT" -rule-limit 8 -rule-delay 15m -log-level info &
cloud=$!
for _ in $(seq 1 100); do
	if (exec 3<>"/dev/tcp/${HTTP%:*}/${HTTP##*:}") 2>/dev/null; then break; fi
	kill -0 "$cloud" 2>/dev/null || { echo "demo: lotsense-cloud did not start" >&2; exit 1; }
	sleep 0.1
done

"$BIN/lotsense-gateway" run -config "$CONFIG" -broker "tcp://$MQTT" -speed "$SPEED" -summary 5s &
gw=$!
cat <<MSG

  lotsense demo: open http://$HTTP
  Cold room 1 loses cooling after 10 demo minutes; at ${SPEED}x an excursion is
  confirmed about 35 s from now, and its lots go on hold. Ctrl-C stops the demo.
  Alerts:   curl -s http://$HTTP/api/alerts
  Lots:     curl -s http://$HTTP/api/lots

MSG
wait -n "$cloud" "$gw"
