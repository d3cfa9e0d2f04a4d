package main

/*
#cgo LDFLAGS: -ldl
#cgo CFLAGS: -I${SRCDIR}/internal/abi
#include <dlfcn.h>
#include <stdlib.h>
#include "flbabi.h"

// struct flbgo_output_plugin (src/proxy/go/go.h), the fields the plugin
// reads.
struct awsaudit_flbgo_output_plugin {
    char *name;
    struct awsaudit_flb_api *api;
    void *o_ins;
    void *context;
};

// awsaudit_plugin_api returns the plugin's flb_api, or NULL when the struct
// or its property getter is missing (FLBPluginConfigKey would crash in C).
static void *awsaudit_plugin_api(void *plugin) {
    struct awsaudit_flbgo_output_plugin *p = plugin;
    if (p == NULL || p->api == NULL || p->api->output_get_property == NULL) {
        return NULL;
    }
    return p->api;
}

static void *awsaudit_plugin_ins(void *plugin) {
    struct awsaudit_flbgo_output_plugin *p = plugin;
    return p == NULL ? NULL : p->o_ins;
}

// awsaudit_cmt returns the instance's cmetrics context (struct cmt *).
static void *awsaudit_cmt(void *api, void *ins) {
    struct awsaudit_flb_api *a = api;
    if (a == NULL || ins == NULL || a->output_get_cmt_instance == NULL) {
        return NULL;
    }
    return a->output_get_cmt_instance(ins);
}

// awsaudit_output_name is flb_output_name(ins): the instance's Alias, or
// name.id (awsaudit.0) without one, as Fluent Bit's own log lines and
// metrics label it. NULL when the engine does not export it.
static const char *awsaudit_output_name(void *ins) {
    const char *(*fn)(void *) = (const char *(*)(void *))dlsym(RTLD_DEFAULT, "flb_output_name");
    return fn == NULL || ins == NULL ? NULL : fn(ins);
}

// awsaudit_log_check: 1 log it, 0 filtered by the instance's log_level,
// -1 Fluent Bit's logger is unavailable (use stderr).
static int awsaudit_log_check(void *api, void *ins, int level) {
    struct awsaudit_flb_api *a = api;
    if (a == NULL || ins == NULL || a->log_print == NULL) {
        return -1;
    }
    if (a->output_log_check == NULL) {
        return level <= 3; // Fluent Bit's default level is info
    }
    return a->output_log_check(ins, level) ? 1 : 0;
}

// The message is always an argument, never the format: it may contain '%'.
static void awsaudit_log_print(void *api, int level, const char *label, const char *msg) {
    struct awsaudit_flb_api *a = api;
    a->log_print(level, NULL, 0, "[output:awsaudit:%s] %s", label, msg);
}
*/
import "C"

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/plugin/internal/flblog"
)

// flbLogger is one instance's pipeline.Logger. It keeps the api and o_ins
// values, never the plugin struct: Fluent Bit reuses that struct for every
// instance of the .so and rewrites o_ins at each init.
type flbLogger struct {
	api   unsafe.Pointer // C memory owned by Fluent Bit
	ins   unsafe.Pointer
	label string // flb_output_name(): the Alias, or awsaudit.N
	// detached is set at exit: Fluent Bit frees the api after the exit
	// callbacks, so anything logged later goes to stderr.
	detached atomic.Bool
}

// pluginAPI returns the flb_api of the plugin struct Fluent Bit passed to
// init, or nil when it cannot be used to read properties.
func pluginAPI(plugin unsafe.Pointer) unsafe.Pointer {
	if plugin == nil {
		return nil
	}
	return C.awsaudit_plugin_api(plugin)
}

func newLogger(plugin unsafe.Pointer, id int) *flbLogger {
	l := &flbLogger{label: fmt.Sprintf("awsaudit.%d", id)}
	// AWSAUDIT_LOG=stderr is the escape hatch for Fluent Bit < 2.0, whose
	// flb_api ends before log_print (reading it would read past the struct).
	if os.Getenv("AWSAUDIT_LOG") != "stderr" {
		if l.api = pluginAPI(plugin); l.api != nil {
			l.ins = C.awsaudit_plugin_ins(plugin)
		}
	}
	if plugin != nil {
		// The name is copied: Fluent Bit may free the alias at exit
		// before the last log line.
		if name := C.awsaudit_output_name(C.awsaudit_plugin_ins(plugin)); name != nil && C.GoString(name) != "" {
			l.label = C.GoString(name)
		}
	}
	return l
}

// cmtInstance returns the instance's cmetrics context, or nil.
func (l *flbLogger) cmtInstance() unsafe.Pointer {
	if l.api == nil {
		return nil
	}
	return C.awsaudit_cmt(l.api, l.ins)
}

// Log implements pipeline.Logger; it is safe for concurrent use.
func (l *flbLogger) Log(level pipeline.Level, msg string) {
	if l.api != nil && !l.detached.Load() {
		switch C.awsaudit_log_check(l.api, l.ins, C.int(level)) {
		case 0:
			return
		case 1:
			l.printFLB(level, msg)
			return
		}
	}
	stderrLog(level, l.label, msg)
}

func (l *flbLogger) printFLB(level pipeline.Level, msg string) {
	msg = flblog.Redact(msg)
	label := C.CString(l.label)
	defer C.free(unsafe.Pointer(label))
	for _, piece := range flblog.Split(msg, flblog.MaxMsg) {
		cmsg := C.CString(piece)
		C.awsaudit_log_print(l.api, C.int(level), label, cmsg)
		C.free(unsafe.Pointer(cmsg))
	}
}

// stderrLog writes one line shaped like Fluent Bit's own:
// [2026/11/23 10:00:00.000] [ info] [output:awsaudit:awsaudit.0] msg
func stderrLog(level pipeline.Level, label, msg string) {
	flblog.Stderr(level, "output:awsaudit:"+label, msg)
}
