#!/usr/bin/env bash
# With `make run` going: sends the sample alerts through the real ingest
# (signed like a SIEM would sign them) and prints what Quell did.
set -euo pipefail
cd "$(dirname "$0")/../.."
export QUELL_CONFIG="${QUELL_CONFIG:-quell.yaml}"
q=bin/quellctl

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. A high-severity alert about jdoe (severity 85: the policy quarantines at >= 70 on all three targets)"
$q webhook send demo deploy/local/alerts/high-severity.json --id demo-delivery-1-$$
say "2. The SIEM retries the same delivery: accepted, stored once, acted on once"
$q webhook send demo deploy/local/alerts/high-severity.json --id demo-delivery-1-$$
say "3. A low-severity alert about asmith (severity 20: no rule matches, nothing happens)"
$q webhook send demo deploy/local/alerts/low-severity.json
say "4. A critical alert about mroe, already locked out everywhere (read-before-write: skipped, nothing written)"
$q webhook send demo deploy/local/alerts/already-quarantined.json
say "5. A responder quarantines asmith by hand and waits for the outcome"
$q action quarantine --target bi --user asmith --reason "demo: responder action" --wait

sleep 1
say "What happened (quellctl actions list --since 10m):"
$q actions list --since 10m
