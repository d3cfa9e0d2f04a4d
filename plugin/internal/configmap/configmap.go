package configmap

/*
#cgo LDFLAGS: -ldl
#cgo CFLAGS: -I${SRCDIR}/../abi
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "flbabi.h"

// The leading members of struct flb_config_map (flb_config_map.h), the
// same in every Fluent Bit from 2.0 to 5.1; what follows them (the value
// Fluent Bit fills in for its own copies) grew in 5.0.3, so the size of an
// element is measured, never assumed.
struct cm_head {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
};


static int cm_valid_type(int t)
{
    return (t >= 0 && t <= 7) || (t >= 30 && t <= 34) || (t >= 40 && t <= 44) || t == 50;
}

// cm_in_object tells whether p lies in a loaded object, without reading it.
static int cm_in_object(const void *p)
{
    Dl_info info;
    return p != NULL && dladdr(p, &info) != 0 && info.dli_fname != NULL;
}

// cm_stride returns sizeof(struct flb_config_map) of the Fluent Bit this
// process runs, measured on an array of it that Fluent Bit exports
// (flb_http_server_config_map, since 5.0.0): the stride at which every
// element has a known type and a name inside a loaded object, and only
// the last one (the terminator) has none. 0 when it cannot tell.
static size_t cm_stride(void)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    void *base = dlsym(RTLD_DEFAULT, "flb_http_server_config_map");
    size_t size, s, n, i;

    if (base == NULL || dladdr1(base, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL) {
        return 0;
    }
    size = sym->st_size;
    for (s = sizeof(struct cm_head); s <= 512; s += sizeof(void *)) {
        int ok = 1;
        if (size == 0 || size % s != 0) {
            continue;
        }
        n = size / s;
        for (i = 0; i < n && ok; i++) {
            const struct cm_head *m = (const void *)((const char *)base + i * s);
            if (i == n - 1) {
                ok = m->name == NULL;
            }
            else {
                ok = cm_valid_type(m->type) && cm_in_object(m->name);
            }
        }
        if (ok && n >= 2) {
            return s;
        }
    }
    return 0;
}

// cm_usable returns how many bytes the allocation at p holds, asking the
// allocator Fluent Bit uses (its bundled jemalloc when it exports one).
static size_t cm_usable(void *p)
{
    size_t (*je)(void *) = (size_t (*)(void *))dlsym(RTLD_DEFAULT, "je_malloc_usable_size");
    if (je != NULL) {
        return je(p);
    }
    return malloc_usable_size(p);
}

// cm_def_has_field tells whether def, allocated by Fluent Bit, is large
// enough to hold config_map: true from 5.1.1; before, the field lies past
// the struct, where writing could corrupt the heap.
static int cm_def_has_field(void *def)
{
    return cm_usable(def) >= offsetof(struct awsaudit_proxy_def, config_map) + sizeof(void *);
}

static void cm_set_def(void *def, void *map)
{
    ((struct awsaudit_proxy_def *)def)->config_map = map;
}

static void cm_fill(void *arr, size_t stride, int i, int type, char *name, char *def, char *desc)
{
    struct cm_head *m = (void *)((char *)arr + (size_t)i * stride);
    m->type = type;
    m->name = name;
    m->def_value = def;
    m->desc = desc;
}
*/
import "C"

import (
	"errors"
	"strconv"
	"sync"
	"unsafe"

	"github.com/awsaudit/awsaudit/conf"
)

// Types of struct flb_config_map (flb_config_map.h).
const (
	typeStr  = 0
	typeInt  = 2
	typeBool = 3
)

// ErrUnsupported is returned when the running Fluent Bit cannot take a
// config map from a Go plugin (before 5.1.1) or its layout cannot be
// measured; the plugin still validates its own keys at init.
var ErrUnsupported = errors.New("this Fluent Bit takes no config map from Go plugins (5.1.1 and later do)")

// Map is one plugin's config map, built once and kept for the life of the
// process: Fluent Bit keeps pointers to its names and descriptions.
type Map struct {
	arr    unsafe.Pointer
	stride int
	n      int
}

// Build lays keys out as Fluent Bit's struct flb_config_map array of the
// running engine. The element size is measured on one of Fluent Bit's own
// arrays, so the map fits the engine that loaded the plugin.
func Build(keys []conf.KeyDoc) (*Map, error) {
	stride := int(C.cm_stride())
	if stride == 0 {
		return nil, ErrUnsupported
	}
	arr := C.calloc(C.size_t(len(keys)+1), C.size_t(stride))
	if arr == nil {
		return nil, errors.New("config map: out of memory")
	}
	for i, k := range keys {
		var def *C.char
		if !k.Required && k.Default != "" {
			def = C.CString(k.Default)
		}
		C.cm_fill(arr, C.size_t(stride), C.int(i), C.int(kind(k)), C.CString(k.Name), def, C.CString(Description(k)))
	}
	return &Map{arr: arr, stride: stride, n: len(keys)}, nil
}

// Attach hands the map to Fluent Bit through the registration struct def,
// when def has room for it (Fluent Bit 5.1.1 and later).
func (m *Map) Attach(def unsafe.Pointer) error {
	if def == nil || C.cm_def_has_field(def) == 0 {
		return ErrUnsupported
	}
	C.cm_set_def(def, m.arr)
	return nil
}

// kind chooses the config-map type Fluent Bit shows in -h. Fluent Bit
// converts only the default to it (it never parses a Go plugin's values),
// so a type is given only where every default of the key converts.
func kind(k conf.KeyDoc) int {
	switch k.Default {
	case "on", "off":
		return typeBool
	}
	if _, err := strconv.Atoi(k.Default); err == nil && k.Default != "" {
		return typeInt
	}
	return typeStr
}

// Description is what -h prints for k: the documentation's sentence, with
// markdown code quotes dropped, and a note on required keys.
func Description(k conf.KeyDoc) string {
	d := make([]byte, 0, len(k.Description)+12)
	if k.Required {
		d = append(d, "Required. "...)
	}
	for i := 0; i < len(k.Description); i++ {
		if k.Description[i] != '`' {
			d = append(d, k.Description[i])
		}
	}
	return string(d)
}

// The plugin's map is built once per process: Fluent Bit keeps pointers
// into it for as long as the plugin is loaded, across hot reloads.
var (
	once   sync.Once
	built  *Map
	errMap error
)

// Register gives Fluent Bit the plugin's keys through the registration
// struct def, so that it refuses unknown properties at start-up and lists
// every key with -h. A Go .so has one set of keys, so the first call's
// keys are kept. The error says why Fluent Bit will not check the keys;
// the plugin still validates them itself at init.
func Register(def unsafe.Pointer, keys []conf.KeyDoc) error {
	once.Do(func() { built, errMap = Build(keys) })
	if errMap != nil {
		return errMap
	}
	return built.Attach(def)
}
