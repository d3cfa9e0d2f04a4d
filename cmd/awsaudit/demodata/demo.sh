#!/usr/bin/env bash
# The demo through real Fluent Bit: "make demo" runs this instead of
# "awsaudit demo" when fluent-bit is on the PATH and the plugin builds. It
# starts "awsaudit broker" (in-memory Kafka on 127.0.0.1, a free port) in
# the background, runs fluent-bit with build/out_awsaudit.so over a
# generated classic configuration (tail input of the input files, read from
# the head; output awsaudit), prints the topics with "awsaudit demo --read"
# (as the Go demo prints them) once they stop growing, and stops Fluent Bit
# with SIGTERM. (Exit_On_Eof is not used: Fluent Bit 5.1.1 crashes when it
# exits with a multiline record still buffered.)
#
# Pretty-printed JSON documents (a CloudTrail file as the console saves it)
# are read with a multiline parser: a line starting with "{" begins a
# record, indented lines and the closing brace continue it.
#
# Usage (from the repository root, after "make build" and building
# build/awsaudit): cmd/awsaudit/demodata/demo.sh [INPUT_FILE...]
set -euo pipefail

build=${BUILD:-build}
awsaudit=$build/awsaudit
fluent_bit=${FLUENT_BIT:-fluent-bit}
so=$(cd "$build" && pwd)/out_awsaudit.so # dlopen gets the path as written
if [ $# -eq 0 ]; then
	set -- cmd/awsaudit/demodata/audit.log
fi

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

# One file for tail; gzip inputs are expanded as the Go demo does.
input=$tmp/input.log
for f in "$@"; do
	if [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
		gzip -dc "$f" >>"$input"
	else
		cat "$f" >>"$input"
	fi
	# A file without a final newline must not run into the next one.
	[ -z "$(tail -c 1 "$input")" ] || echo >>"$input"
done

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

cat >"$tmp/parsers.conf" <<'EOF_PARSERS'
[MULTILINE_PARSER]
    name          awsaudit_json
    type          regex
    flush_timeout 1000
    rule "start_state" "/^\{/"          "cont"
    rule "cont"        "/^(\s|\}|\])/" "cont"
EOF_PARSERS

cat >"$tmp/fluent-bit.conf" <<EOF_CONF
[SERVICE]
    Flush        1
    Grace        5
    Log_Level    error
    Parsers_File $tmp/parsers.conf

[INPUT]
    Name             tail
    Tag              demo
    Path             $input
    Read_from_Head   On
    Buffer_Max_Size  16M
    multiline.parser awsaudit_json

[OUTPUT]
    Name             awsaudit
    Match            *
    # Flush off Fluent Bit's engine thread (without it the plugin warns).
    Workers          1
    Retry_Limit      no_limits
    Brokers          $addr
    Topic_S3_Access  aws.audit.s3_access
    Topic_CloudTrail aws.audit.cloudtrail
    DLQ_Topic        aws.audit.dlq
    Metrics_Interval off
EOF_CONF

echo "awsaudit demo through $("$fluent_bit" --version 2>/dev/null | head -n 1)"
echo "  broker:   in-memory Kafka (awsaudit broker) on $addr"
echo "  input:    $*"
echo
"$fluent_bit" -q -e "$so" -c "$tmp/fluent-bit.conf" >"$tmp/fluent-bit.log" 2>&1 &
fb_pid=$!
status=0
"$awsaudit" demo --read "$addr" --settle 3s ${DEMO_SHOW:+--show "$DEMO_SHOW"} || status=$?
kill -TERM "$fb_pid" 2>/dev/null || true
wait "$fb_pid" 2>/dev/null || status=$?
if [ "$status" -ne 0 ]; then
	echo "demo.sh: failed (status $status); Fluent Bit's log:" >&2
	cat "$tmp/fluent-bit.log" >&2
fi
exit "$status"
