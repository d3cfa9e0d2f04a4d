# Build outputs land in build/. Variables can be overridden: make GO=go1.26 CC=clang
GO ?= go
CC ?= cc
CFLAGS ?= -O2 -Wall -Wextra
BUILD ?= build

PLUGIN_SO := $(BUILD)/out_awsaudit.so
HOST := $(BUILD)/flbhost

.PHONY: all build host test clean

all: build host

# The Fluent Bit output plugin. The Go tool decides what is stale, so this
# target always runs it.
build:
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -o $(PLUGIN_SO) ./plugin

# The C host that drives the plugin like Fluent Bit's Go proxy (test/host).
host: $(HOST)

$(HOST): test/host/flbhost.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ test/host/flbhost.c -ldl -lpthread

test:
	$(GO) test -race ./...

clean:
	rm -rf $(BUILD)
