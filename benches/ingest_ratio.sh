#!/usr/bin/env bash
# Webhook ingest as a ratio to a trivial HTTP handler, same load generator, same run.
#
#   cargo build --release --bin agentpass-sms --example loadgen --example trivial_ingest
#   bash benches/ingest_ratio.sh [rounds] [requests] [connections]
#
# Each round runs the trivial handler (examples/trivial_ingest: every POST 200 with empty
# TwiML, nothing checked or stored) and then a fresh `agentpass-sms serve` (mock mode, a
# new data dir: signature check, parse, durable write before the 200), both driven by
# examples/loadgen with the same arguments, and prints both rates and their ratio.
# BIN_DIR picks other builds (default target/release).
set -euo pipefail
rounds=${1:-3}
requests=${2:-50000}
connections=${3:-64}
bin=${BIN_DIR:-target/release}
examples=${EXAMPLES_DIR:-$bin/examples}
port_t=18788
port_s=18787
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

rate() { grep -oE '[0-9.]+ req/s' | head -1 | cut -d' ' -f1; }

wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  return 1
}

for round in $(seq 1 "$rounds"); do
  "$examples/trivial_ingest" --listen 127.0.0.1:$port_t 2>/dev/null &
  tpid=$!
  wait_port $port_t
  t=$("$examples/loadgen" --url http://127.0.0.1:$port_t --token t --key k \
      --numbers 100 --connections "$connections" --requests "$requests" | rate)
  kill $tpid; wait $tpid 2>/dev/null || true

  rm -rf "$work/data"
  RUST_LOG=warn "$bin/agentpass-sms" serve --data-dir "$work/data" --listen 127.0.0.1:$port_s &
  spid=$!
  wait_port $port_s
  s=$("$examples/loadgen" --url http://127.0.0.1:$port_s --data-dir "$work/data" \
      --numbers 100 --connections "$connections" --requests "$requests" | rate)
  kill $spid; wait $spid 2>/dev/null || true

  awk -v r="$round" -v t="$t" -v s="$s" \
    'BEGIN { printf "round %s: trivial %.0f req/s, agentpass-sms %.0f req/s, ratio %.3f\n", r, t, s, s / t }'
done
