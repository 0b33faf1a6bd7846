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

# The jdoe alert turns out to be a false positive: undo the Commvault
# quarantine (re-enables the account) and show the link and the state.
cv_id=$($q actions list --since 10m --target cv --user jdoe --status completed --json |
  grep -o '"id": *"act_[0-9a-f]*"' | head -1 | grep -o 'act_[0-9a-f]*')
say "6. jdoe was a false positive: undo the Commvault quarantine ($cv_id)"
$q action undo "$cv_id" --reason "demo: false positive" --wait
say "quellctl actions show $cv_id"
$q actions show "$cv_id"
