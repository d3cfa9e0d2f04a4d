package cmetrics

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// Signatures of cmetrics (lib/cmetrics/include/cmetrics/cmt_*.h).
typedef void *(*cm_create_fn)(void *, char *, char *, char *, char *, int, char **);
typedef int (*cm_set_fn)(void *, uint64_t, double, int, char **);
typedef void *(*cm_buckets_fn)(double *, size_t);
typedef void *(*cm_hist_fn)(void *, char *, char *, char *, char *, void *, int, char **);

struct cm_fns {
    cm_create_fn counter_create;
    cm_set_fn counter_set;
    cm_buckets_fn buckets_create;
    cm_hist_fn histogram_create;
    cm_set_fn histogram_observe;
};

static int cm_load(struct cm_fns *f)
{
    f->counter_create = (cm_create_fn)dlsym(RTLD_DEFAULT, "cmt_counter_create");
    f->counter_set = (cm_set_fn)dlsym(RTLD_DEFAULT, "cmt_counter_set");
    f->buckets_create = (cm_buckets_fn)dlsym(RTLD_DEFAULT, "cmt_histogram_buckets_create_size");
    f->histogram_create = (cm_hist_fn)dlsym(RTLD_DEFAULT, "cmt_histogram_create");
    f->histogram_observe = (cm_set_fn)dlsym(RTLD_DEFAULT, "cmt_histogram_observe");
    return f->counter_create && f->counter_set;
}

static int cm_has_histogram(struct cm_fns *f)
{
    return f->buckets_create && f->histogram_create && f->histogram_observe;
}

static void *cm_counter(struct cm_fns *f, void *cmt, char *ns, char *sub, char *name,
                        char *help, int n, char **keys)
{
    return f->counter_create(cmt, ns, sub, name, help, n, keys);
}

static void *cm_histogram(struct cm_fns *f, void *cmt, char *ns, char *sub, char *name,
                          char *help, double *bkts, size_t nb, int n, char **keys)
{
    void *b = f->buckets_create(bkts, nb);
    return b ? f->histogram_create(cmt, ns, sub, name, help, b, n, keys) : NULL;
}

// histogram: set a counter (0) or observe into a histogram (1).
static int cm_set(struct cm_fns *f, int histogram, void *m, uint64_t ts, double v, int n, char **vals)
{
    return (histogram ? f->histogram_observe : f->counter_set)(m, ts, v, n, vals);
}
*/
import "C"

import (
	"errors"
	"sync"
	"time"
	"unsafe"
)

// ErrUnavailable: the process exports no cmetrics, or Fluent Bit gave the
// instance no cmetrics context.
var ErrUnavailable = errors.New("Fluent Bit's cmetrics are not available to this plugin")

// Registry creates and updates one instance's metrics.
type Registry struct {
	mu        sync.Mutex
	fns       C.struct_cm_fns
	cmt       unsafe.Pointer
	ns, sub   string
	histogram bool
}

// Open returns a Registry for the instance context cmt (struct cmt *),
// naming metrics ns_sub_name (fluentbit_awsaudit_...).
func Open(cmt unsafe.Pointer, ns, sub string) (*Registry, error) {
	r := &Registry{cmt: cmt, ns: ns, sub: sub}
	if cmt == nil || C.cm_load(&r.fns) == 0 {
		return nil, ErrUnavailable
	}
	r.histogram = C.cm_has_histogram(&r.fns) != 0
	return r, nil
}

// Metric is one counter or histogram with its label keys.
type Metric struct {
	r         *Registry
	histogram C.int // 1 for a histogram
	m         unsafe.Pointer
	labels    int
}

// cstrings copies ss to C; free releases them.
func cstrings(ss []string) (**C.char, func()) {
	if len(ss) == 0 {
		return nil, func() {}
	}
	arr := (*[1 << 20]*C.char)(C.malloc(C.size_t(len(ss)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:len(ss):len(ss)]
	for i, s := range ss {
		arr[i] = C.CString(s)
	}
	return &arr[0], func() {
		for _, p := range arr {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(&arr[0]))
	}
}

// create makes a counter, or a histogram when buckets is not nil.
func (r *Registry) create(name, help string, buckets []float64, labels []string) *Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns, sub, cname, chelp := C.CString(r.ns), C.CString(r.sub), C.CString(name), C.CString(help)
	defer func() {
		for _, p := range []*C.char{ns, sub, cname, chelp} {
			C.free(unsafe.Pointer(p))
		}
	}()
	keys, free := cstrings(labels)
	defer free()
	var m unsafe.Pointer
	var histogram C.int
	if buckets != nil {
		histogram = 1
		if !r.histogram || len(buckets) == 0 {
			return nil
		}
		b := (*C.double)(C.malloc(C.size_t(len(buckets)) * C.size_t(unsafe.Sizeof(C.double(0)))))
		defer C.free(unsafe.Pointer(b))
		copy(unsafe.Slice((*float64)(unsafe.Pointer(b)), len(buckets)), buckets)
		m = C.cm_histogram(&r.fns, r.cmt, ns, sub, cname, chelp, b, C.size_t(len(buckets)), C.int(len(labels)), keys)
	} else {
		m = C.cm_counter(&r.fns, r.cmt, ns, sub, cname, chelp, C.int(len(labels)), keys)
	}
	if m == nil {
		return nil
	}
	return &Metric{r: r, histogram: histogram, m: m, labels: len(labels)}
}

// Counter creates a counter; nil when cmetrics refused it.
func (r *Registry) Counter(name, help string, labels ...string) *Metric {
	return r.create(name, help, nil, labels)
}

// Histogram creates a histogram with the given upper bounds; nil when
// this cmetrics has no histograms.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Metric {
	return r.create(name, help, buckets, labels)
}

// Set sets a counter (which never goes down: a lower value is ignored by
// cmetrics) for the label values given. It is a no-op on a
// nil Metric or when the label count is wrong.
func (m *Metric) Set(v float64, labelValues ...string) {
	m.call(v, labelValues)
}

// Observe adds one observation to a histogram.
func (m *Metric) Observe(v float64, labelValues ...string) {
	m.call(v, labelValues)
}

func (m *Metric) call(v float64, labelValues []string) {
	if m == nil || len(labelValues) != m.labels {
		return
	}
	vals, free := cstrings(labelValues)
	defer free()
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	C.cm_set(&m.r.fns, m.histogram, m.m, C.uint64_t(time.Now().UnixNano()), C.double(v), C.int(len(labelValues)), vals)
}
