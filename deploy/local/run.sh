#!/usr/bin/env bash
# Starts Quell on one machine: the BeyondInsight simulator, the worker (which
# embeds NATS JetStream, data under ./data/nats) and the ingest, all on
# loopback. Ctrl-C stops them cleanly (SIGTERM, in reverse order).
set -euo pipefail
cd "$(dirname "$0")/../.."
export QUELL_CONFIG="${QUELL_CONFIG:-quell.yaml}"
mkdir -p data/logs
pids=()

stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  echo "stopped; logs are in data/logs/"
}
trap stop INT TERM EXIT

# ready host port path: true when GET path answers 200 (no curl needed).
ready() {
  { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3
  local status
  read -r status <&3 || true
  exec 3>&-
  [[ $status == *" 200 "* ]]
}

wait_for() { # name port
  for _ in $(seq 1 150); do
    if ready 127.0.0.1 "$2" /readyz; then return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "$1 did not become ready; see data/logs/$1.log" >&2
  tail -n 20 "data/logs/$1.log" >&2
  exit 1
}

bin/pamsim -listen 127.0.0.1:8441 \
  -beyondinsight-api-key-file deploy/local/secrets/bi-api-key -beyondinsight-runas quell-svc \
  -commvault-listen 127.0.0.1:8442 -commvault-username quell-svc \
  -commvault-password-file deploy/local/secrets/commvault-password \
  -threadfix-listen 127.0.0.1:8443 -threadfix-api-key-file deploy/local/secrets/threadfix-api-key \
  >data/logs/pamsim.log 2>&1 &
pids+=($!)
bin/worker >data/logs/worker.log 2>&1 &
pids+=($!)
wait_for worker 8081
bin/ingest >data/logs/ingest.log 2>&1 &
pids+=($!)
wait_for ingest 8080

cat <<MSG

Quell is running on this machine:
  ingest     http://127.0.0.1:8080   (POST /v1/webhooks/demo, /v1/events, /v1/actions; API /v1, docs/api.md)
  console    http://127.0.0.1:8080/ui   (sign in with the token in deploy/local/secrets/approver-token)
  worker     http://127.0.0.1:8081   (/healthz, /readyz, /metrics)
  NATS       nats://127.0.0.1:4222   (embedded JetStream, data in ./data/nats)
  simulators http://127.0.0.1:8441/BeyondTrust/api/public/v3   (BeyondInsight)
             http://127.0.0.1:8442/webconsole/api                (Commvault)
             http://127.0.0.1:8443/threadfix/rest/latest         (ThreadFix)

In another terminal:
  make demo                                   send sample alerts and show what happened
  bin/quellctl actions list                   outcomes of actions
  bin/quellctl webhook send demo FILE.json    send your own signed alert

Logs follow (also in data/logs/). Ctrl-C to stop.

MSG
tail -n +1 -F data/logs/worker.log data/logs/ingest.log &
pids+=($!)
wait "${pids[2]}"
