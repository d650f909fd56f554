#!/usr/bin/env bash
# make demo: lotsense-cloud (embedded broker, SQLite under ./data) and one simulated
# cold-room gateway, until Ctrl-C. Environment: BIN, HTTP, SPEED, MQTT.
set -euo pipefail
BIN=${BIN:-bin}
HTTP=${HTTP:-127.0.0.1:8080}
SPEED=${SPEED:-60}
MQTT=${MQTT:-127.0.0.1:1883}
CONFIG=${CONFIG:-firmware-config/examples/demo-cold-room.yaml}
DATA=data/cloud
CREDS=data/demo-credentials
mkdir -p data

# The demo user (role qa, a random password) and a read-only API token for curl, made
# once with the real CLI and kept in $CREDS (mode 600) for the next runs.
demo_user() {
	local cli="$BIN/lotsense-cloud" users pw token
	users=$("$cli" user list -data "$DATA" 2>/dev/null || true) # no database yet on a fresh machine
	if grep -q '^demo ' <<<"$users"; then
		"$cli" user enable demo -data "$DATA" >/dev/null
		if [ -f "$CREDS" ]; then
			# shellcheck source=/dev/null
			. "$CREDS"
			return
		fi
		pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
		printf '%s\n' "$pw" | "$cli" user passwd demo -data "$DATA" >/dev/null
	else
		pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
		printf '%s\n' "$pw" | "$cli" user add demo -role qa -data "$DATA" >/dev/null
	fi
	token=$("$cli" token add -user demo -name "make demo (curl)" -scope read -data "$DATA" 2>/dev/null)
	(umask 077 && printf 'DEMO_PASSWORD=%q\nDEMO_TOKEN=%q\n' "$pw" "$token" >"$CREDS")
	DEMO_PASSWORD=$pw DEMO_TOKEN=$token
}
demo_user
# The site's master data: products, the site's places by GLN, a customer and a
# supplier, so tracking events carry GLNs and product descriptions.
"$BIN/lotsense-cloud" registry import -data "$DATA" deploy/demo/registry.json >/dev/null

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
"$BIN/lotsense-cloud" serve -data "$DATA" -http "$HTTP" -mqtt-listen "$MQTT" -rule-limit 8 -rule-delay 15m -log-level info &
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
  and sign in as   user: demo   password: $DEMO_PASSWORD   (role qa; kept in $CREDS)
  Cold room 1 loses cooling after 10 demo minutes; at ${SPEED}x an excursion is
  confirmed about 35 s from now, and its lots go on hold. Ctrl-C stops the demo.
  Alerts:   curl -s -H "Authorization: Bearer $DEMO_TOKEN" http://$HTTP/api/alerts
  Lots:     curl -s -H "Authorization: Bearer $DEMO_TOKEN" http://$HTTP/api/lots
  Trace:    curl -s -H "Authorization: Bearer $DEMO_TOKEN" 'http://$HTTP/api/trace/forward?lot=09506000134383/DEMO-B2'
  Events:   curl -s -H "Authorization: Bearer $DEMO_TOKEN" 'http://$HTTP/api/trace/events?type=receiving'

MSG
wait -n "$cloud" "$gw"
