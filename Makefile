# Build outputs land in build/. Variables can be overridden: make GO=go1.26 CC=clang
GO ?= go
CC ?= cc
CFLAGS ?= -O2 -Wall -Wextra
BUILD ?= build

PLUGIN_SO := $(BUILD)/out_awsaudit.so
INPUT_SO := $(BUILD)/in_awsaudit_s3.so
HOST := $(BUILD)/flbhost

.PHONY: all build build-input host test clean install

all: build build-input host

# The Fluent Bit output plugin. The Go tool decides what is stale, so this
# target always runs it.
build:
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -o $(PLUGIN_SO) ./plugin

# The Fluent Bit input plugin: S3 objects announced on SQS (plugin/in_s3).
build-input:
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -o $(INPUT_SO) ./plugin/in_s3

# The C host that drives the plugin like Fluent Bit's Go proxy (test/host).
host: $(HOST)

$(HOST): test/host/flbhost.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -rdynamic -o $@ test/host/flbhost.c -ldl -lpthread

# -tags e2e adds the end-to-end tests that read Kafka back with kcat (test/);
# plain "go test ./..." needs only Go and a C compiler.
# The second line runs normalize again without its assembly (the portable
# line scanner other architectures use), so both paths stay tested.
test:
	$(GO) test -race -tags e2e ./...
	$(GO) test -race -tags purego ./normalize/...

clean:
	rm -rf $(BUILD)

# Installs both plugins and a plugins file that loads them:
#   $(PREFIX)/lib/fluent-bit/out_awsaudit.so, in_awsaudit_s3.so
#   $(PREFIX)/etc/fluent-bit/plugins-awsaudit.conf  ([PLUGINS] with their paths)
# Point Fluent Bit at it with Plugins_File in [SERVICE] (or plugins_file in
# YAML's service section), or pass -e PATH per plugin. DESTDIR stages a
# package root: paths in the plugins file omit it.
PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib/fluent-bit
CONFDIR ?= $(PREFIX)/etc/fluent-bit

install: build build-input
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(CONFDIR)"
	install -m 0755 $(PLUGIN_SO) $(INPUT_SO) "$(DESTDIR)$(LIBDIR)/"
	printf '[PLUGINS]\n    Path %s\n    Path %s\n' "$(LIBDIR)/out_awsaudit.so" "$(LIBDIR)/in_awsaudit_s3.so" \
		> "$(DESTDIR)$(CONFDIR)/plugins-awsaudit.conf"
	@echo "installed; add to [SERVICE]:  Plugins_File $(CONFDIR)/plugins-awsaudit.conf"

# The first command to run. With nothing but Go it builds build/awsaudit and
# runs "awsaudit demo": an in-memory Kafka on 127.0.0.1, the plugin's
# pipeline over the embedded demo data (or the files in DEMO_ARGS), and a
# print-out of every topic and the counters. When $(FLUENT_BIT) is on the
# PATH and the plugin builds (it needs a C compiler), it runs real Fluent
# Bit with $(PLUGIN_SO) over the same files instead
# (cmd/awsaudit/demodata/demo.sh), printing the topics the same way.
# FLUENT_BIT= forces the Go demo.
FLUENT_BIT ?= fluent-bit
DEMO_ARGS ?=

.PHONY: demo
demo:
	@mkdir -p $(BUILD)
	CGO_ENABLED=0 $(GO) build -o $(BUILD)/awsaudit ./cmd/awsaudit
	@if [ -n "$(FLUENT_BIT)" ] && command -v "$(FLUENT_BIT)" >/dev/null 2>&1; then \
		if $(MAKE) --no-print-directory build >$(BUILD)/demo-build.log 2>&1; then \
			echo "$(FLUENT_BIT) found: running the demo through Fluent Bit (make demo FLUENT_BIT= for the Go-only demo)"; \
			BUILD="$(BUILD)" FLUENT_BIT="$(FLUENT_BIT)" bash cmd/awsaudit/demodata/demo.sh $(DEMO_ARGS); \
		else \
			echo "$(FLUENT_BIT) found, but the plugin does not build here (see $(BUILD)/demo-build.log): running the Go demo"; \
			$(BUILD)/awsaudit demo $(DEMO_ARGS); \
		fi; \
	else \
		$(BUILD)/awsaudit demo $(DEMO_ARGS); \
	fi

# End-to-end tests only: the plugin .so through test/host against an
# in-process kfake broker, topics read back with kcat (apt-get install kcat).
# `make test` runs them too.
.PHONY: e2e
e2e:
	$(GO) test -race -count=1 ./test/...

# Issue 4's performance figure: BENCH_RECORDS generated access-log lines
# through the plugin (flbhost, chunks of BENCH_CHUNK events, to a kfake
# broker in its own process) and through `awsaudit normalize` to /dev/null;
# prints CPU (user+sys of that process alone) and wall time of each.
BENCH_RECORDS ?= 200000
BENCH_CHUNK ?= 1000
BENCH_WORKERS ?= 1
BENCH_ARGS ?=
.PHONY: bench-e2e bench-e2e-tools
bench-e2e-tools: build host
	@mkdir -p $(BUILD)/bench
	$(GO) build -o $(BUILD)/bench/broker ./test/bench/broker
	$(GO) build -o $(BUILD)/bench/awsaudit ./cmd/awsaudit
	$(GO) build -o $(BUILD)/bench/bench-e2e ./test/bench/e2e

bench-e2e: bench-e2e-tools
	$(BUILD)/bench/bench-e2e -so $(PLUGIN_SO) -host $(HOST) -cli $(BUILD)/bench/awsaudit \
		-broker $(BUILD)/bench/broker -records $(BENCH_RECORDS) -chunk $(BENCH_CHUNK) -workers $(BENCH_WORKERS) $(BENCH_ARGS)

# Issue 16's figure: the same generated file through the output alone
# (flbhost loading its lines) and as S3 objects announced on SQS through the
# awsaudit_s3 input and the output (flbhost --input; the AWS fakes run in
# the driver's process). BENCH_ARGS="-objects 20 -gzip" for other shapes.
.PHONY: bench-s3-input
bench-s3-input: bench-e2e-tools build-input
	$(BUILD)/bench/bench-e2e -so $(PLUGIN_SO) -host $(HOST) -cli $(BUILD)/bench/awsaudit \
		-broker $(BUILD)/bench/broker -records $(BENCH_RECORDS) -chunk $(BENCH_CHUNK) -workers $(BENCH_WORKERS) \
		-input $(INPUT_SO) $(BENCH_ARGS)

# Issue 5's soak: SOAK_RECORDS generated access-log records through the
# plugin (flbhost, chunks of SOAK_CHUNK events, SOAK_WORKERS workers) into an
# in-process three-broker kfake cluster while random broker faults, seeded
# by SOAK_SEED, are injected and logged (connections dropped, retriable
# produce errors, produce slower than Write_Timeout, leader moves). It
# checks that every record is in the topic at least once and prints the
# duplicate ratio and flbhost's peak RSS. make test runs a 50,000-record
# version (test/e2e_soak_test.go). SOAK_ARGS adds flags (-no-faults, ...).
SOAK_RECORDS ?= 1000000
SOAK_CHUNK ?= 1000
SOAK_WORKERS ?= 2
SOAK_SEED ?= 20260501
SOAK_ARGS ?=
.PHONY: soak
soak: build host
	@mkdir -p $(BUILD)
	$(GO) build -o $(BUILD)/soak ./test/soak/cmd/soak
	$(BUILD)/soak -so $(PLUGIN_SO) -host $(HOST) -records $(SOAK_RECORDS) -chunk $(SOAK_CHUNK) \
		-workers $(SOAK_WORKERS) -seed $(SOAK_SEED) $(SOAK_ARGS)

# Every Fuzz* target of the repository (go test -list), one after another,
# FUZZTIME each: make fuzz FUZZTIME=30s.
FUZZTIME ?= 5m
.PHONY: fuzz
fuzz:
	@mkdir -p $(BUILD)
	$(GO) test -list '^Fuzz' ./... > $(BUILD)/fuzz-targets
	@awk '/^Fuzz/ { n = n " " $$1; next } /^ok/ { if (n != "") print $$2 n; n = "" }' $(BUILD)/fuzz-targets | \
	while read pkg targets; do \
		for fz in $$targets; do \
			echo "== $$pkg $$fz (FUZZTIME=$(FUZZTIME))"; \
			$(GO) test -run XXX -fuzz "^$$fz\$$" -fuzztime $(FUZZTIME) $$pkg < /dev/null || exit 1; \
		done; \
	done
