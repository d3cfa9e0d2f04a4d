package main

/*
#cgo CFLAGS: -I${SRCDIR}/../internal/abi
#include <stdint.h>
#include <stdlib.h>
#include "flbabi.h"

// Mirrors of Fluent Bit's input proxy ABI (v4.1+; checked against v5.1.1
// src/proxy/go/go.h); flb_api and the proxy definition are in flbabi.h.

// struct flb_plugin_input_proxy_context. Before Fluent Bit 4.1 it was
// { int coll_fd; void *proxy; }: the slot where remote_context now lives
// held the (never NULL) proxy pointer.
struct awsaudit_in_context {
    int coll_fd;
    void *remote_context;
    void *proxy;
};

// struct flbgo_input_plugin, the fields a plugin reads.
struct awsaudit_flbgo_input_plugin {
    char *name;
    struct awsaudit_flb_api *api;
    void *i_ins;
    struct awsaudit_in_context *context;
};

// FLB_PROXY_INPUT_PLUGIN, FLB_PROXY_GOLANG; event_type 0 means logs.
static void awsaudit_in_register(void *def, char *name, char *desc) {
    struct awsaudit_proxy_def *d = def;
    d->type = 1;
    d->proxy = 11;
    d->flags = 0;
    d->name = name;
    d->description = desc;
}

static void awsaudit_in_unregister(void *def) {
    struct awsaudit_proxy_def *d = def;
    free(d->name);
    free(d->description);
    d->name = NULL;
    d->description = NULL;
}

static void *awsaudit_in_api(void *plugin) {
    struct awsaudit_flbgo_input_plugin *p = plugin;
    if (p == NULL || p->api == NULL || p->api->input_get_property == NULL) {
        return NULL;
    }
    return p->api;
}

static void *awsaudit_in_ins(void *plugin) {
    struct awsaudit_flbgo_input_plugin *p = plugin;
    return p == NULL ? NULL : p->i_ins;
}

static const char *awsaudit_in_property(void *plugin, const char *key) {
    struct awsaudit_flbgo_input_plugin *p = plugin;
    return p->api->input_get_property(key, p->i_ins);
}

// awsaudit_in_set_context stores id + 1 as the instance's remote_context,
// handed back to FLBPluginInputCallbackCtx and its cleanup: 1 done, 0 the
// slot is taken (a Fluent Bit older than 4.1, whose context has no
// remote_context: the slot is its proxy pointer and must stay), -1 no
// context at all.
static int awsaudit_in_set_context(void *plugin, long id) {
    struct awsaudit_flbgo_input_plugin *p = plugin;
    if (p == NULL || p->context == NULL) {
        return -1;
    }
    if (p->context->remote_context != NULL) {
        return 0;
    }
    p->context->remote_context = (void *) (intptr_t) (id + 1);
    return 1;
}

static long awsaudit_in_context_id(void *remote_context) {
    return (long) (intptr_t) remote_context - 1;
}

// 1 log it, 0 filtered by the instance's log_level, -1 no logger (stderr).
static int awsaudit_in_log_check(void *api, void *ins, int level) {
    struct awsaudit_flb_api *a = api;
    if (a == NULL || ins == NULL || a->log_print == NULL) {
        return -1;
    }
    if (a->input_log_check == NULL) {
        return level <= 3;
    }
    return a->input_log_check(ins, level) ? 1 : 0;
}

// The message is always an argument, never the format: it may contain '%'.
static void awsaudit_in_log_print(void *api, int level, const char *label, const char *msg) {
    struct awsaudit_flb_api *a = api;
    a->log_print(level, NULL, 0, "[input:awsaudit_s3:%s] %s", label, msg);
}
*/
import "C"

import (
	"unsafe"
)

// register fills Fluent Bit's registration struct (the strings are
// C-allocated; unregister frees them).
func register(def unsafe.Pointer, name, desc string) {
	C.awsaudit_in_register(def, C.CString(name), C.CString(desc))
}

func unregister(def unsafe.Pointer) { C.awsaudit_in_unregister(def) }

// pluginAPI returns the flb_api of the plugin struct, or nil when it
// cannot be used to read properties.
func pluginAPI(plugin unsafe.Pointer) unsafe.Pointer {
	if plugin == nil {
		return nil
	}
	return C.awsaudit_in_api(plugin)
}

// configKey reads one property of the instance being initialized ("" when
// unset).
func configKey(plugin unsafe.Pointer, key string) string {
	ckey := C.CString(key)
	defer C.free(unsafe.Pointer(ckey))
	return C.GoString(C.awsaudit_in_property(plugin, ckey))
}

// setContext records the instance id where Fluent Bit hands it back; false
// when this Fluent Bit has no remote_context for inputs.
func setContext(plugin unsafe.Pointer, id int) bool {
	return C.awsaudit_in_set_context(plugin, C.long(id)) == 1
}

func contextID(ctx unsafe.Pointer) int {
	return int(C.awsaudit_in_context_id(ctx))
}

func instancePointer(plugin unsafe.Pointer) unsafe.Pointer { return C.awsaudit_in_ins(plugin) }

// logCheck: 1 log it, 0 filtered by the instance's log_level, -1 no
// logger (use stderr).
func logCheck(api, ins unsafe.Pointer, level int) int {
	return int(C.awsaudit_in_log_check(api, ins, C.int(level)))
}

func logPrint(api unsafe.Pointer, level int, label, msg string) {
	clabel, cmsg := C.CString(label), C.CString(msg)
	C.awsaudit_in_log_print(api, C.int(level), clabel, cmsg)
	C.free(unsafe.Pointer(clabel))
	C.free(unsafe.Pointer(cmsg))
}

// cAlloc returns n bytes of C memory (Fluent Bit may free() what the
// plugin returns when it has no cleanup callback), nil when n is 0 or out
// of memory.
func cAlloc(n int) unsafe.Pointer {
	if n <= 0 {
		return nil
	}
	return C.malloc(C.size_t(n))
}

func cFree(p unsafe.Pointer) { C.free(p) }
