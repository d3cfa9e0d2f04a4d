package main

/*
#include <stdlib.h>

// Mirrors of Fluent Bit's ABI, declared here (not taken from fluent-bit-go,
// whose flb_api stops after output_get_property). Layouts follow
// fluent-bit include/fluent-bit/flb_api.h (v2.0+) and src/proxy/go/go.h.
// Instance pointers are opaque (void *).
struct awsaudit_flb_api {
    const char *(*output_get_property)(const char *, void *);
    const char *(*input_get_property)(const char *, void *);
    void *(*output_get_cmt_instance)(void *);
    void *(*input_get_cmt_instance)(void *);
    void (*log_print)(int, const char *, int, const char *, ...);
    int (*input_log_check)(void *, int);
    int (*output_log_check)(void *, int);
};

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
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/pipeline"
)

// flbMaxMsg keeps each piece under Fluent Bit's 4 KiB log buffer (header
// included), which would otherwise cut long messages such as panic stacks.
const flbMaxMsg = 3500

// flbLogger is one instance's pipeline.Logger. It keeps the api and o_ins
// values, never the plugin struct: Fluent Bit reuses that struct for every
// instance of the .so and rewrites o_ins at each init.
type flbLogger struct {
	api   unsafe.Pointer // C memory owned by Fluent Bit
	ins   unsafe.Pointer
	label string // like flb_output_name() without an alias: awsaudit.N
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
	return l
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
	msg = redactMsg(msg)
	label := C.CString(l.label)
	defer C.free(unsafe.Pointer(label))
	for _, piece := range splitMsg(msg, flbMaxMsg) {
		cmsg := C.CString(piece)
		C.awsaudit_log_print(l.api, C.int(level), label, cmsg)
		C.free(unsafe.Pointer(cmsg))
	}
}

// splitMsg cuts msg into pieces of at most max bytes, at line breaks when
// it can.
func splitMsg(msg string, max int) []string {
	var out []string
	for len(msg) > max {
		cut := strings.LastIndexByte(msg[:max], '\n')
		if cut <= 0 {
			cut = max
		}
		out = append(out, msg[:cut])
		msg = strings.TrimPrefix(msg[cut:], "\n")
	}
	return append(out, msg)
}

// redactMsg masks secrets in a message before it reaches a log: the
// pipeline's messages are masked already, but a panic's value may quote
// input, and nothing logged may carry a credential.
func redactMsg(msg string) string {
	return string(normalize.AppendRedacted(nil, []byte(msg)))
}

var levelNames = map[pipeline.Level]string{
	pipeline.LevelError: "error",
	pipeline.LevelWarn:  "warn",
	pipeline.LevelInfo:  "info",
	pipeline.LevelDebug: "debug",
}

// stderrLevel is the threshold of the stderr fallback (Fluent Bit's
// Log_Level is not visible to plugins): AWSAUDIT_LOG_LEVEL, default info.
var stderrLevel = sync.OnceValue(func() pipeline.Level {
	for lv, name := range levelNames {
		if strings.EqualFold(os.Getenv("AWSAUDIT_LOG_LEVEL"), name) {
			return lv
		}
	}
	return pipeline.LevelInfo
})

// stderrLog writes one line shaped like Fluent Bit's own:
// [2026/11/23 10:00:00.000] [ info] [output:awsaudit:awsaudit.0] msg
func stderrLog(level pipeline.Level, label, msg string) {
	if level > stderrLevel() {
		return
	}
	msg = redactMsg(msg)
	name, ok := levelNames[level]
	if !ok {
		name = "trace"
	}
	line := fmt.Sprintf("[%s] [%5s] [output:awsaudit:%s] %s\n",
		time.Now().Format("2006/01/02 15:04:05.000"), name, label, msg)
	// One write per line so concurrent flushes do not interleave.
	os.Stderr.WriteString(line)
}
