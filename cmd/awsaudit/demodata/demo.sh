#!/usr/bin/env bash
# The demo through real Fluent Bit: "make demo" runs this instead of
# "awsaudit demo" when fluent-bit is on the PATH. It starts "awsaudit broker"
# (in-memory Kafka on 127.0.0.1, a free port) in the background, runs
# fluent-bit with build/out_awsaudit.so over a generated classic
# configuration (tail input of the demo file, read from the head, exiting at
# its end; output awsaudit), then prints every topic with "awsaudit consume".
#
# UNTESTED: it was written where no fluent-bit binary was available.
#
# Usage (from the repository root, after "make build" and building
# build/awsaudit): cmd/awsaudit/demodata/demo.sh [INPUT_FILE]
set -euo pipefail

build=${BUILD:-build}
awsaudit=$build/awsaudit
fluent_bit=${FLUENT_BIT:-fluent-bit}
so=$(cd "$build" && pwd)/out_awsaudit.so # dlopen gets the path as written
input=${1:-cmd/awsaudit/demodata/audit.log}
input=$(cd "$(dirname "$input")" && pwd)/$(basename "$input")
topics=(aws.audit.s3_access aws.audit.cloudtrail aws.audit.dlq)

tmp=$(mktemp -d)
broker_pid=
cleanup() {
	if [ -n "$broker_pid" ]; then
		kill "$broker_pid" 2>/dev/null || true
		wait "$broker_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The broker prints its address as the first line of stdout.
"$awsaudit" broker --listen 127.0.0.1:0 >"$tmp/broker.addr" 2>"$tmp/broker.log" &
broker_pid=$!
for _ in $(seq 100); do
	[ -s "$tmp/broker.addr" ] && break
	sleep 0.1
done
addr=$(head -n 1 "$tmp/broker.addr")
if [ -z "$addr" ]; then
	echo "demo.sh: awsaudit broker did not start:" >&2
	cat "$tmp/broker.log" >&2
	exit 1
fi

cat >"$tmp/fluent-bit.conf" <<EOF
[SERVICE]
    Flush     1
    Grace     5
    Log_Level info

[INPUT]
    Name           tail
    Tag            aws.audit.demo
    Path           $input
    Read_from_Head On
    Exit_On_Eof    On

[OUTPUT]
    Name             awsaudit
    Match            *
    # Flush off Fluent Bit's engine thread (without it the plugin warns).
    Workers          1
    Brokers          $addr
    Topic_S3_Access  ${topics[0]}
    Topic_CloudTrail ${topics[1]}
    DLQ_Topic        ${topics[2]}
    Metrics_Interval off
EOF

echo "== fluent-bit $("$fluent_bit" --version 2>/dev/null | head -n 1)"
echo "== broker: in-memory Kafka (awsaudit broker) on $addr; input: $input"
run=("$fluent_bit" -e "$so" -c "$tmp/fluent-bit.conf")
if command -v timeout >/dev/null 2>&1; then
	run=(timeout 60 "${run[@]}")
fi
"${run[@]}"

for t in "${topics[@]}"; do
	echo
	echo "== $t"
	"$awsaudit" consume --brokers "$addr" --topic "$t" --timeout 2s --headers
done
