package main

/*
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

// The kernel id of the calling thread (gettid(2); the libc wrapper is
// missing before glibc 2.30).
static long awsaudit_gettid(void) { return syscall(SYS_gettid); }
*/
import "C"

import "github.com/awsaudit/awsaudit/pipeline"

// osThread returns the id of the OS thread running the caller. Called
// directly from an exported callback it is the Fluent Bit thread that
// made the call: a cgo callback runs on the C caller's thread, and a C
// call from it stays there.
func osThread() int64 { return int64(C.awsaudit_gettid()) }

// engineThreadWarning is logged when flushes run where init ran. Fluent
// Bit (v5.1.1, src/flb_engine.c, flb_output.c, flb_plugin_proxy.c) calls
// every output's init on its engine thread ("flb-pipeline"); with Workers
// 1 or more it flushes on the output's own threads ("flb-out-...-wN"),
// without (a Go output's default is 0) in a coroutine on the engine
// thread, where a flush that waits for Kafka stops every input and output.
const engineThreadWarning = "flushes run on Fluent Bit's engine thread (this output has no Workers): " +
	"while Kafka is slow or hung every input and output of this Fluent Bit waits for it; " +
	"set Workers 1 or more (Workers 2 in the examples) in this output's section"

// checkFlushThread warns once per instance, at its first flush, if that
// flush runs on the thread that ran init. Later flushes skip the check.
func (in *instance) checkFlushThread() {
	if in.threadChecked.Load() || !in.threadChecked.CompareAndSwap(false, true) {
		return
	}
	if osThread() == in.initThread {
		in.log.Log(pipeline.LevelWarn, engineThreadWarning)
	}
}
