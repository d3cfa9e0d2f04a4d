/*
 * flbhost: a test host for Fluent Bit Go output plugins (c-shared .so).
 *
 * No Fluent Bit binary is needed: flbhost loads the plugin and drives it the
 * way Fluent Bit's Go proxy does (fluent-bit src/flb_plugin_proxy.c and
 * src/proxy/go/go.c), with its own implementation of the small ABI:
 *
 *   dlopen(RTLD_LAZY); FLBPluginPreRegister(0) if present;
 *   FLBPluginRegister(def) with def calloc'ed, type 0; -1 fails;
 *   def->config_map, when set, checked against every instance property
 *   like flb_output_plugin_property_check() (Fluent Bit 5.1.1), exit 3;
 *   resolve FLBPluginInit (required), FLBPluginFlush, FLBPluginFlushCtx,
 *   FLBPluginExit, FLBPluginExitCtx;
 *   per instance: plugin->api, ->o_ins, ->context set on the ONE plugin
 *   struct shared by every instance, then FLBPluginInit(plugin), <= 0 fails;
 *   per chunk: FLBPluginFlushCtx(ctx->remote_context, data, size, tag) or
 *   FLBPluginFlush(data, size, tag), tag NUL-terminated; a return other
 *   than FLB_OK/FLB_RETRY/FLB_ERROR counts as FLB_ERROR;
 *   per instance at exit: FLBPluginOutputPreExit(0) if present, then
 *   FLBPluginExitCtx(remote_context), else FLBPluginExit();
 *   finally FLBPluginUnregister(def) if present and dlclose.
 *
 * Results go to stdout as stable "word key=value ..." lines (see usage());
 * the plugin's and the host's log messages go to stderr, formatted like
 * Fluent Bit's.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* fluent-bit-go output/flb_plugin.h */
#define FLB_ERROR 0
#define FLB_OK    1
#define FLB_RETRY 2

/* fluent-bit include/fluent-bit/flb_plugin_proxy.h */
#define FLB_PROXY_INPUT_PLUGIN  1
#define FLB_PROXY_OUTPUT_PLUGIN 2
#define FLB_PROXY_GOLANG        11

/* fluent-bit include/fluent-bit/flb_log.h */
#define FLB_LOG_OFF   0
#define FLB_LOG_ERROR 1
#define FLB_LOG_WARN  2
#define FLB_LOG_INFO  3
#define FLB_LOG_DEBUG 4
#define FLB_LOG_TRACE 5

/* Same layout as struct flb_plugin_proxy_def (flb_plugin_proxy.h). */
struct proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    void *config_map;
};

/* Same layout as struct flb_config_map of Fluent Bit 5.1.1
 * (flb_config_map.h): the fields a plugin fills, then the value Fluent Bit
 * fills in for its own copies (union, raw, mult, _head) and the list link. */
struct config_map {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
    char value[40];
    void *head[2];
};

/* Fluent Bit exports this array (flb_http_server.c, 5.0+); a plugin
 * measures sizeof(struct flb_config_map) on it, so the host exports one of
 * the same shape (linked with -rdynamic). */
struct config_map flb_http_server_config_map[] = {
    {2, "http_server.workers", "1", 0, 1, 0, "Number of HTTP listener worker threads", {0}, {0}},
    {0, "http_server.buffer_max_size", "4M", 0, 1, 0, "Maximum HTTP request buffer size", {0}, {0}},
    {0, NULL, NULL, 0, 0, 0, NULL, {0}, {0}},
};

/* Names of struct flb_config_map types, as fluent-bit -h prints them. */
static const char *config_map_type(int t)
{
    switch (t) {
    case 0: return "string";
    case 2: return "integer";
    case 3: return "boolean";
    case 4: return "double";
    case 5: return "size";
    case 6: return "time";
    default: return "other";
    }
}

/* Prints the plugin's config map (--print-config-map), one key a line. */
static void print_config_map(const char *kind, const struct config_map *m)
{
    if (!m) {
        printf("%s_config_map none\n", kind);
        return;
    }
    for (; m->name; m++) {
        printf("%s_config_map name=%s type=%s default=\"%s\" desc=\"%s\"\n", kind, m->name,
               config_map_type(m->type), m->def_value ? m->def_value : "",
               m->desc ? m->desc : "");
    }
}

/* flb_config_map_properties_check(): a property the plugin's map does not
 * name stops start-up, with Fluent Bit's message and the allowed names. */
static int config_map_check(const char *context_name, const struct config_map *map,
                            const char *key)
{
    const struct config_map *m;
    int n = 0, i = 0;

    if (!map) {
        return 0;
    }
    for (m = map; m->name; m++, n++) {
        if (strcasecmp(m->name, key) == 0) {
            return 0;
        }
    }
    fprintf(stderr, "[error] [config] %s: unknown configuration property '%s'. "
            "The following properties are allowed: ", context_name, key);
    for (m = map; m->name; m++, i++) {
        fprintf(stderr, i == n - 1 ? (n == 1 ? "%s." : "and %s.") : "%s, ", m->name);
    }
    fprintf(stderr, "\n");
    return -1;
}

/* Same layout as struct flb_api (flb_api.h, Fluent Bit >= 4.0.3; 2.0 to
 * 4.0.2 end after output_log_check). Instance pointers are opaque here. */
struct host_api {
    const char *(*output_get_property)(const char *, void *);
    const char *(*input_get_property)(const char *, void *);
    void *(*output_get_cmt_instance)(void *);
    void *(*input_get_cmt_instance)(void *);
    void (*log_print)(int, const char *, int, const char *, ...);
    int (*input_log_check)(void *, int);
    int (*output_log_check)(void *, int);
    const char *(*custom_get_property)(const char *, void *);
    int (*custom_log_check)(void *, int);
};

/* Same layout as struct flb_plugin_proxy_context (flb_plugin_proxy.h). */
struct proxy_context {
    void *remote_context; /* set by the plugin's init (FLBPluginSetContext) */
    void *proxy;
};

/* Same layout as struct flbgo_output_plugin (src/proxy/go/go.h); the
 * plugin reads only the first four fields. */
struct go_output_plugin {
    char *name;
    struct host_api *api;
    void *o_ins;
    struct proxy_context *context;

    int (*cb_init)(struct go_output_plugin *);
    int (*cb_flush)(const void *, size_t, const char *);
    int (*cb_flush_ctx)(void *, const void *, size_t, char *);
    int (*cb_exit)(void);
    int (*cb_exit_ctx)(void *);
};

/* ---- instances -------------------------------------------------------- */

struct prop {
    char *key;
    char *val; /* NULL when empty, as Fluent Bit stores it */
};

struct instance {
    int id;
    char *alias;       /* Alias: what flb_output_name() returns instead of awsaudit.ID */
    char name[64];     /* flb_output_name() */
    struct prop *props;
    int nprops;
    int log_level;
    struct proxy_context *ctx;
    int ready;
};

static struct instance *insts;
static int ninsts;

/* Keys Fluent Bit's core consumes in flb_output_set_property(): a plugin
 * never sees them through output_get_property. Exact names, then prefixes. */
static const char *core_keys[] = {
    "name", "match", "match_regex", "alias", "log_level",
    "log_suppress_interval", "host", "port", "ipv6", "retry_limit",
    "workers", "storage.total_limit_size", "tls", NULL,
};
static const char *core_prefixes[] = {"tls.", "net.", "oauth2", "_debug.http.", NULL};

static int is_core_key(const char *k)
{
    int i;

    for (i = 0; core_keys[i]; i++) {
        if (strcasecmp(k, core_keys[i]) == 0) {
            return 1;
        }
    }
    for (i = 0; core_prefixes[i]; i++) {
        if (strncasecmp(k, core_prefixes[i], strlen(core_prefixes[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- logging ---------------------------------------------------------- */

static const char *level_name(int level)
{
    switch (level) {
    case FLB_LOG_ERROR: return "error";
    case FLB_LOG_WARN:  return "warn";
    case FLB_LOG_INFO:  return "info";
    case FLB_LOG_DEBUG: return "debug";
    case FLB_LOG_TRACE: return "trace";
    default:            return "help";
    }
}

static int parse_level(const char *s)
{
    if (!s || !strcasecmp(s, "info")) return FLB_LOG_INFO;
    if (!strcasecmp(s, "off")) return FLB_LOG_OFF;
    if (!strcasecmp(s, "error")) return FLB_LOG_ERROR;
    if (!strcasecmp(s, "warn") || !strcasecmp(s, "warning")) return FLB_LOG_WARN;
    if (!strcasecmp(s, "debug")) return FLB_LOG_DEBUG;
    if (!strcasecmp(s, "trace")) return FLB_LOG_TRACE;
    return -1;
}

/* Like flb_log_print(): one header + body line, body cut to fit Fluent
 * Bit's 4 KiB message buffer, written with one call so threads do not mix. */
static void host_vlog(int level, const char *fmt, va_list ap)
{
    char line[4096 - sizeof(size_t)];
    struct timespec ts;
    struct tm tm;
    int n;
    int m;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "[%04d/%02d/%02d %02d:%02d:%02d.%03ld] [%5s] ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, level_name(level));
    m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (m < 0) {
        return;
    }
    n += m;
    if (n > (int) sizeof(line) - 2) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    line[n] = '\0';
    fputs(line, stderr);
}

static void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    host_vlog(level, fmt, ap);
    va_end(ap);
}

/* ---- the flb_api the plugin calls ------------------------------------- */

static const char *api_output_get_property(const char *key, void *o_ins)
{
    struct instance *in = o_ins;
    int i;

    if (!key || !in || key[0] == '\0') {
        return NULL;
    }
    /* First match wins, case-insensitively, like flb_kv_get_key_value(). */
    for (i = 0; i < in->nprops; i++) {
        if (strcasecmp(in->props[i].key, key) == 0) {
            return in->props[i].val;
        }
    }
    return NULL;
}

/* Input instances (--input) are struct instance too: same lookup. */
static const char *api_input_get_property(const char *key, void *ins)
{
    return api_output_get_property(key, ins);
}

/* ---- cmetrics stand-ins ------------------------------------------------
 * Fluent Bit gives each instance a struct cmt (output_get_cmt_instance) and
 * exports the cmetrics functions a plugin may look up with dlsym. The host
 * exports the ones the plugin uses, records every series and prints them
 * at the end ("metric ..." lines). The struct cmt is the instance itself. */

struct host_series {
    char *labels; /* k=v;k=v */
    double value; /* counter; histogram: sum */
    long count;   /* histogram observations */
};

struct host_metric {
    void *cmt;
    int kind; /* 0 counter, 2 histogram */
    char *name;
    int nkeys;
    char **keys;
    struct host_series *series;
    int nseries;
};

static pthread_mutex_t metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static struct host_metric **metrics;
static int nmetrics;
static int no_cmt; /* --no-cmetrics: output_get_cmt_instance returns NULL */

static void *api_get_cmt_instance(void *ins)
{
    return no_cmt ? NULL : ins;
}

static void *metric_new(void *cmt, int kind, char *ns, char *sub, char *name, int n, char **keys)
{
    struct host_metric *m = calloc(1, sizeof(*m));
    char full[512];
    int i;

    snprintf(full, sizeof(full), "%s_%s_%s", ns, sub, name);
    m->cmt = cmt;
    m->kind = kind;
    m->name = strdup(full);
    m->nkeys = n;
    m->keys = calloc(n + 1, sizeof(char *));
    for (i = 0; i < n; i++) {
        m->keys[i] = strdup(keys[i]);
    }
    pthread_mutex_lock(&metrics_mu);
    metrics = realloc(metrics, (nmetrics + 1) * sizeof(*metrics));
    metrics[nmetrics++] = m;
    pthread_mutex_unlock(&metrics_mu);
    return m;
}

static int metric_update(struct host_metric *m, int kind, double v, int n, char **vals)
{
    char labels[1024] = "";
    size_t len = 0;
    int i;

    if (!m || m->kind != kind || n != m->nkeys) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        len += snprintf(labels + len, sizeof(labels) - len, "%s%s=%s", i ? ";" : "",
                        m->keys[i], vals[i]);
        if (len >= sizeof(labels)) {
            return -1;
        }
    }
    pthread_mutex_lock(&metrics_mu);
    for (i = 0; i < m->nseries && strcmp(m->series[i].labels, labels) != 0; i++) {
    }
    if (i == m->nseries) {
        m->series = realloc(m->series, (m->nseries + 1) * sizeof(*m->series));
        m->series[i] = (struct host_series){.labels = strdup(labels)};
        m->nseries++;
    }
    if (kind == 2) {
        m->series[i].value += v;
        m->series[i].count++;
    }
    else if (kind == 0 && v < m->series[i].value) {
        pthread_mutex_unlock(&metrics_mu);
        return -1; /* cmetrics: a counter never goes down */
    }
    else {
        m->series[i].value = v;
    }
    pthread_mutex_unlock(&metrics_mu);
    return 0;
}

void *cmt_counter_create(void *cmt, char *ns, char *sub, char *name, char *help, int n, char **keys)
{
    (void) help;
    return metric_new(cmt, 0, ns, sub, name, n, keys);
}

int cmt_counter_set(void *c, uint64_t ts, double v, int n, char **vals)
{
    (void) ts;
    return metric_update(c, 0, v, n, vals);
}

void *cmt_histogram_buckets_create_size(double *b, size_t count)
{
    (void) b;
    return count ? malloc(1) : NULL;
}

void *cmt_histogram_create(void *cmt, char *ns, char *sub, char *name, char *help,
                           void *buckets, int n, char **keys)
{
    (void) help;
    free(buckets);
    return metric_new(cmt, 2, ns, sub, name, n, keys);
}

int cmt_histogram_observe(void *h, uint64_t ts, double v, int n, char **vals)
{
    (void) ts;
    return metric_update(h, 2, v, n, vals);
}

static void print_metrics(const char *kind)
{
    int i, j;

    for (i = 0; i < nmetrics; i++) {
        struct host_metric *m = metrics[i];

        for (j = 0; j < m->nseries; j++) {
            if (m->kind == 2) {
                printf("%s instance=%d name=%s count=%ld sum=%.6f labels=%s\n", kind,
                       ((struct instance *) m->cmt)->id, m->name, m->series[j].count,
                       m->series[j].value, m->series[j].labels);
            }
            else {
                printf("%s instance=%d name=%s value=%.0f labels=%s\n", kind,
                       ((struct instance *) m->cmt)->id, m->name, m->series[j].value,
                       m->series[j].labels);
            }
        }
    }
}

/* flb_output_name(): the Alias, else NAME.ID. */
const char *flb_output_name(void *ins)
{
    struct instance *in = ins;

    if (in->alias) {
        return in->alias;
    }
    snprintf(in->name, sizeof(in->name), "%s.%d", "awsaudit", in->id);
    return in->name;
}

static void api_log_print(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    (void) file;
    (void) line;
    va_start(ap, fmt);
    host_vlog(level, fmt, ap);
    va_end(ap);
}

static int api_input_log_check(void *ins, int level)
{
    struct instance *in = ins;

    return in != NULL && in->log_level >= level; /* flb_input_log_check() */
}

static int api_output_log_check(void *o_ins, int level)
{
    struct instance *in = o_ins;

    return in != NULL && in->log_level >= level; /* flb_output_log_check() */
}

static struct host_api api = {
    .output_get_property = api_output_get_property,
    .input_get_property = api_input_get_property,
    .output_get_cmt_instance = api_get_cmt_instance,
    .input_get_cmt_instance = api_get_cmt_instance,
    .log_print = api_log_print,
    .input_log_check = api_input_log_check,
    .output_log_check = api_output_log_check,
    .custom_get_property = api_input_get_property,
    .custom_log_check = api_input_log_check,
};

/* ---- chunks ----------------------------------------------------------- */

struct buf {
    unsigned char *p;
    size_t len;
    size_t cap;
};

struct chunk {
    char *name;
    const char *tag; /* NULL until resolved */
    unsigned char *data;
    size_t size;
    long events; /* -1 when the bytes are not valid msgpack */
};

static struct chunk *chunks;
static int nchunks;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "flbhost: out of memory\n");
        exit(2);
    }
    return p;
}

static void buf_need(struct buf *b, size_t n)
{
    if (b->len + n <= b->cap) {
        return;
    }
    while (b->len + n > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
    }
    b->p = xrealloc(b->p, b->cap);
}

static void put_u8(struct buf *b, unsigned v)
{
    buf_need(b, 1);
    b->p[b->len++] = (unsigned char) v;
}

static void put_be(struct buf *b, uint32_t v, int bytes)
{
    int i;

    buf_need(b, bytes);
    for (i = bytes - 1; i >= 0; i--) {
        b->p[b->len++] = (unsigned char) (v >> (8 * i));
    }
}

static void put_str(struct buf *b, const char *s, size_t n)
{
    if (n < 32) {
        put_u8(b, 0xa0 | n);             /* fixstr */
    }
    else if (n < 0x100) {
        put_u8(b, 0xd9);                 /* str8 */
        put_be(b, n, 1);
    }
    else if (n < 0x10000) {
        put_u8(b, 0xda);                 /* str16 */
        put_be(b, n, 2);
    }
    else {
        put_u8(b, 0xdb);                 /* str32 */
        put_be(b, n, 4);
    }
    buf_need(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* EventTime: ext type 0 as fixext8, big-endian seconds then nanoseconds. */
static void put_time(struct buf *b, const struct timespec *ts)
{
    put_u8(b, 0xd7);
    put_u8(b, 0x00);
    put_be(b, (uint32_t) ts->tv_sec, 4);
    put_be(b, (uint32_t) ts->tv_nsec, 4);
}

/* [[time, {}], {key: line}] or, legacy, [time, {key: line}]. */
static void put_event(struct buf *b, int legacy, const char *key,
                      const char *line, size_t n)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    put_u8(b, 0x92);
    if (legacy) {
        put_time(b, &ts);
    }
    else {
        put_u8(b, 0x92);
        put_time(b, &ts);
        put_u8(b, 0x80);                 /* empty metadata map */
    }
    put_u8(b, 0x81);
    put_str(b, key, strlen(key));
    put_str(b, line, n);
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < bytes; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* mp_skip returns the size of the msgpack object at p, or 0 if it is cut
 * short or invalid. */
static size_t mp_skip(const unsigned char *p, size_t n, int depth)
{
    static const unsigned char fixed[32] = {
        /* 0xc0..0xdf: total size of fixed-size types, 0 = special */
        1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 5, 9, 2, 3, 5, 9,
        2, 3, 5, 9, 3, 4, 6, 10, 18, 0, 0, 0, 0, 0, 0, 0,
    };
    uint64_t len = 0;
    uint64_t items = 0;
    size_t head = 1;
    size_t off;
    size_t sz;
    unsigned c;

    if (n == 0 || depth > 64) {
        return 0;
    }
    c = p[0];
    if (c <= 0x7f || c >= 0xe0) {
        return 1;
    }
    if (c <= 0x8f) {
        items = 2 * (uint64_t) (c & 0x0f);
    }
    else if (c <= 0x9f) {
        items = c & 0x0f;
    }
    else if (c <= 0xbf) {
        len = c & 0x1f;
    }
    else if (fixed[c - 0xc0]) {
        return fixed[c - 0xc0] <= n ? fixed[c - 0xc0] : 0;
    }
    else {
        switch (c) {
        case 0xc4: case 0xd9: head = 2; break;       /* bin8, str8 */
        case 0xc5: case 0xda: head = 3; break;       /* bin16, str16 */
        case 0xc6: case 0xdb: head = 5; break;       /* bin32, str32 */
        case 0xc7: head = 3; break;                  /* ext8 */
        case 0xc8: head = 4; break;                  /* ext16 */
        case 0xc9: head = 6; break;                  /* ext32 */
        case 0xdc: case 0xde: head = 3; break;       /* array16, map16 */
        case 0xdd: case 0xdf: head = 5; break;       /* array32, map32 */
        default: return 0;                           /* 0xc1 */
        }
        if (head > n) {
            return 0;
        }
        switch (c) {
        case 0xc7: case 0xc8: case 0xc9:
            len = get_be(p + 1, head - 2) + 1;       /* + ext type byte */
            break;
        case 0xdc: case 0xdd:
            items = get_be(p + 1, head - 1);
            break;
        case 0xde: case 0xdf:
            items = 2 * get_be(p + 1, head - 1);
            break;
        default:
            len = get_be(p + 1, head - 1);
        }
    }
    if (head + len > n) {
        return 0;
    }
    off = head + len;
    while (items-- > 0) {
        sz = mp_skip(p + off, n - off, depth + 1);
        if (sz == 0) {
            return 0;
        }
        off += sz;
    }
    return off;
}

static long count_events(const unsigned char *p, size_t n)
{
    size_t off = 0;
    size_t sz;
    long count = 0;

    while (off < n) {
        sz = mp_skip(p + off, n - off, 0);
        if (sz == 0) {
            return -1;
        }
        off += sz;
        count++;
    }
    return count;
}

static struct chunk *new_chunk(void)
{
    chunks = xrealloc(chunks, (nchunks + 1) * sizeof(*chunks));
    memset(&chunks[nchunks], 0, sizeof(*chunks));
    return &chunks[nchunks++];
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static int load_chunk_file(const char *path, const char *tag)
{
    struct buf b = {0};
    struct chunk *c;
    FILE *f;
    size_t n;

    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "flbhost: %s: %s\n", path, strerror(errno));
        return -1;
    }
    do {
        buf_need(&b, 65536);
        n = fread(b.p + b.len, 1, 65536, f);
        b.len += n;
    } while (n > 0);
    if (ferror(f)) {
        fprintf(stderr, "flbhost: %s: read error\n", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    c = new_chunk();
    c->name = strdup(base_name(path));
    c->tag = tag;
    c->data = b.p;
    c->size = b.len;
    c->events = count_events(b.p, b.len);
    if (c->events < 0) {
        host_log(FLB_LOG_WARN, "[flbhost] %s is not a sequence of msgpack objects", path);
    }
    return 0;
}

/* Packs every line of path (without its line break) as one event, per
 * events per chunk. */
static int load_lines(const char *path, const char *key, long per, int legacy,
                      const char *tag)
{
    struct buf b = {0};
    struct chunk *c;
    char name[4096];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long in_chunk = 0;
    int k = 0;
    FILE *f;

    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "flbhost: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        n = getline(&line, &cap, f);
        if (n >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
                n--;
            }
            put_event(&b, legacy, key, line, (size_t) n);
            in_chunk++;
        }
        if (in_chunk > 0 && (in_chunk == per || n < 0)) {
            snprintf(name, sizeof(name), "%s#%d", base_name(path), k++);
            c = new_chunk();
            c->name = strdup(name);
            c->tag = tag;
            c->data = b.p;
            c->size = b.len;
            c->events = in_chunk;
            memset(&b, 0, sizeof(b));
            in_chunk = 0;
        }
        if (n < 0) {
            break;
        }
    }
    free(line);
    fclose(f);
    if (k == 0) {
        fprintf(stderr, "flbhost: %s: no lines\n", path);
        return -1;
    }
    return 0;
}

static int dump_chunks(const char *dir)
{
    char path[4096];
    FILE *f;
    int i;

    for (i = 0; i < nchunks; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, chunks[i].name);
        f = fopen(path, "wb");
        if (!f || fwrite(chunks[i].data, 1, chunks[i].size, f) != chunks[i].size ||
            fclose(f) != 0) {
            fprintf(stderr, "flbhost: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- properties ------------------------------------------------------- */

static struct instance *new_instance(void)
{
    struct instance *in;

    insts = xrealloc(insts, (ninsts + 1) * sizeof(*insts));
    in = &insts[ninsts];
    memset(in, 0, sizeof(*in));
    in->id = ninsts++;
    in->log_level = FLB_LOG_INFO;
    return in;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char) *s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1])) {
        *--e = '\0';
    }
    return s;
}

/* Applies one property the way flb_output_set_property() would: core keys
 * are taken by the "engine", the rest stored for output_get_property. */
static int set_property(struct instance *in, const char *k, const char *v)
{
    struct prop *p;

    if (strcasecmp(k, "log_level") == 0) {
        in->log_level = parse_level(v);
        if (in->log_level < 0) {
            fprintf(stderr, "flbhost: instance %d: invalid log_level '%s'\n", in->id, v);
            return -1;
        }
        return 0;
    }
    if (strcasecmp(k, "tls") == 0 &&
        (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
         !strcmp(v, "1"))) {
        /* Go proxy outputs register no FLB_IO_TLS flag. */
        host_log(FLB_LOG_ERROR, "[config] awsaudit does not support TLS");
        return -1;
    }
    if (strcasecmp(k, "name") == 0) {
        /* Fluent Bit picks the plugin by Name; this host has only one. */
        return 0;
    }
    if (strcasecmp(k, "alias") == 0) {
        in->alias = strdup(v);
        return 0;
    }
    if (is_core_key(k)) {
        host_log(FLB_LOG_INFO, "[flbhost] instance %d: '%s' is a Fluent Bit core property, "
                 "not passed to the plugin", in->id, k);
        return 0;
    }
    in->props = xrealloc(in->props, (in->nprops + 1) * sizeof(*in->props));
    p = &in->props[in->nprops++];
    p->key = strdup(k);
    p->val = v[0] ? strdup(v) : NULL;
    return 0;
}

static int add_kv(struct instance *in, char *kv)
{
    char *eq = strchr(kv, '=');

    if (!eq) {
        fprintf(stderr, "flbhost: property '%s' is not KEY=VALUE\n", kv);
        return -1;
    }
    *eq = '\0';
    if (*trim(kv) == '\0') {
        fprintf(stderr, "flbhost: property with an empty key\n");
        return -1;
    }
    return set_property(in, trim(kv), trim(eq + 1));
}

/* SPEC is KEY=VALUE[,KEY=VALUE...]; a comma-separated piece without '='
 * continues the previous value, so Brokers=a:9092,b:9092 stays one value. */
static int parse_spec(struct instance *in, const char *spec)
{
    char *s = strdup(spec);
    char *cur = NULL;
    char *tok;
    char *save = NULL;
    size_t len;
    int ret = 0;

    for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strchr(tok, '=') || !cur) {
            if (cur && add_kv(in, cur) != 0) {
                ret = -1;
            }
            free(cur);
            cur = strdup(tok);
            continue;
        }
        len = strlen(cur);
        cur = xrealloc(cur, len + strlen(tok) + 2);
        cur[len] = ',';
        strcpy(cur + len + 1, tok);
    }
    if (cur && add_kv(in, cur) != 0) {
        ret = -1;
    }
    free(cur);
    free(s);
    return ret;
}

/* ---- flushing --------------------------------------------------------- */

static struct go_output_plugin plugin;
static int retry_max = 1;        /* Fluent Bit's default Retry_Limit */
static long retry_wait_ms = 200;
static int repeat = 1;
static int quiet;
static int no_flush;             /* --no-flush: measure the host alone */
static int print_cm;             /* --print-config-map */
static long exit_after_ms = -1;  /* --exit-after-ms: exit while flushing */
/* --metrics-before-exit-ms: print the metrics (as metric_before_exit
 * lines) that long after the last flush returned, before the exit
 * callbacks: what a scrape of Fluent Bit's endpoint sees while idle. */
static long metrics_before_exit_ms = -1;
static atomic_int stopping;      /* set once exit starts: take no new work */
static atomic_long next_item;
static atomic_long n_ok;
static atomic_long n_retry;
static atomic_long n_error;

/* The kernel id of the calling thread, printed as thread= so tests can
 * see which thread ran init and each flush. */
static long thread_id(void)
{
    return syscall(SYS_gettid);
}

static int call_flush(struct instance *in, struct chunk *c)
{
    char *tag = strdup(c->tag); /* a writable copy, as go.c passes */
    int rc;

    if (no_flush) {
        /* The host's own cost (reading, building chunks) without the
         * plugin's, so benchmarks can subtract it. */
        free(tag);
        return FLB_OK;
    }
    if (plugin.cb_flush_ctx) {
        rc = plugin.cb_flush_ctx(in->ctx->remote_context, c->data, c->size, tag);
    }
    else {
        rc = plugin.cb_flush(c->data, c->size, tag);
    }
    free(tag);
    return rc;
}

static void flush_item(struct instance *in, struct chunk *c)
{
    struct timespec wait;
    int tries = 0;
    int raw;
    int rc;

    for (;;) {
        tries++;
        raw = call_flush(in, c);
        rc = (raw == FLB_OK || raw == FLB_RETRY || raw == FLB_ERROR) ? raw : FLB_ERROR;
        if (!quiet) {
            printf("attempt instance=%d chunk=%s try=%d rc=%d raw=%d thread=%ld\n",
                   in->id, c->name, tries, rc, raw, thread_id());
        }
        if (rc != FLB_RETRY || (retry_max >= 0 && tries > retry_max) || atomic_load(&stopping)) {
            break;
        }
        wait.tv_sec = retry_wait_ms / 1000;
        wait.tv_nsec = (retry_wait_ms % 1000) * 1000000L;
        nanosleep(&wait, NULL);
    }
    if (!quiet) {
        printf("flush instance=%d chunk=%s rc=%d tries=%d bytes=%zu events=%ld\n",
               in->id, c->name, rc, tries, c->size, c->events);
    }
    atomic_fetch_add(rc == FLB_OK ? &n_ok : rc == FLB_RETRY ? &n_retry : &n_error, 1);
}

/* Each worker takes the next (chunk, instance) pair: with one worker the
 * order is chunk by chunk, every instance in turn. */
static void *worker(void *arg)
{
    long total = (long) nchunks * ninsts * repeat;
    long i;

    (void) arg;
    while (!atomic_load(&stopping) && (i = atomic_fetch_add(&next_item, 1)) < total) {
        flush_item(&insts[i % ninsts], &chunks[(i / ninsts) % nchunks]);
    }
    return NULL;
}

/* flb_proxy_output_cb_exit() -> proxy_go_output_destroy(), per instance
 * that initialized. Prints how long each exit took: a shutdown test checks
 * it against Write_Timeout. The contexts are freed by the caller once no
 * worker can use them. */
static void exit_instances(void (*cb_pre_exit)(int))
{
    struct timespec t0, t1;
    int rc;
    int i;

    for (i = 0; i < ninsts; i++) {
        if (!insts[i].ready) {
            continue;
        }
        if (cb_pre_exit) {
            cb_pre_exit(0);
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = 0;
        if (plugin.cb_exit_ctx) {
            rc = plugin.cb_exit_ctx(insts[i].ctx->remote_context);
        }
        else if (plugin.cb_exit) {
            rc = plugin.cb_exit();
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("exit instance=%d rc=%d ms=%ld\n", i, rc,
               (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L);
        fflush(stdout);
    }
}

/* ---- the input side (--input) ------------------------------------------
 *
 * Drives a Go input plugin like Fluent Bit's proxy (src/flb_plugin_proxy.c,
 * src/proxy/go/go.c, v4.1+): dlopen; FLBPluginPreRegister(0) if present;
 * FLBPluginRegister(def), type must be 1 (input); resolve FLBPluginInit,
 * FLBPluginInputCallback(Ctx), FLBPluginInputCleanupCallback(Ctx),
 * FLBPluginExit; FLBPluginInit(plugin) with plugin->context a calloc'ed
 * struct flb_plugin_input_proxy_context whose proxy is set; then, on a
 * timer (Fluent Bit: every second), the collect callback: a size of 0
 * means nothing; otherwise the buffer is copied (flb_input_log_append
 * copies it into the input's ring buffer) and handed back to the cleanup
 * callback (or free()d when there is none). Each copy becomes a chunk that
 * every -i output instance flushes, as the engine would. At the end
 * FLBPluginInputPreExit(0) if present, then FLBPluginExit() (the proxy has
 * no exit-with-context for inputs) and FLBPluginUnregister(def).
 */

/* Same layout as struct flb_plugin_input_proxy_context (Fluent Bit 4.1+;
 * before, it had no remote_context). */
struct input_proxy_context {
    int coll_fd;
    void *remote_context; /* set by the plugin's init */
    void *proxy;
};

/* The context before Fluent Bit 4.1 (--legacy-api): no remote_context, the
 * proxy pointer where it now is. A plugin must leave it alone. */
struct input_proxy_context_v40 {
    int coll_fd;
    void *proxy;
};

/* Same layout as struct flbgo_input_plugin (src/proxy/go/go.h). */
struct go_input_plugin {
    char *name;
    struct host_api *api;
    void *i_ins;
    struct input_proxy_context *context;

    int (*cb_init)(struct go_input_plugin *);
    int (*cb_collect)(void **, size_t *);
    int (*cb_collect_ctx)(void *, void **, size_t *);
    int (*cb_cleanup)(void *);
    int (*cb_cleanup_ctx)(void *, void *);
    int (*cb_exit)(void);
};

static struct {
    const char *path;           /* --input PATH */
    struct instance ins;        /* its properties (--input-property) */
    const char *tag;            /* Tag (input core key), default NAME.0 */
    long interval_ms;           /* --input-interval-ms, Fluent Bit: 1000 */
    long max_events;            /* --input-max-events: stop after that many */
    long idle_ms;               /* --input-idle-ms: stop after that long empty */
    long crash_after;           /* --input-crash-after: _exit(9) after N events */
    int legacy;                 /* --legacy-api: no ...Ctx callbacks */
} input = {.ins = {.log_level = FLB_LOG_INFO}, .interval_ms = 1000, .max_events = -1,
           .idle_ms = 5000, .crash_after = -1};

/* Input properties Fluent Bit's core takes (flb_input_set_property()). */
static const char *input_core_keys[] = {
    "name", "alias", "log_level", "log_suppress_interval", "mem_buf_limit",
    "listen", "host", "port", "ipv6", "routable", "threaded", "storage.type",
    "storage.pause_on_chunks_overlimit", "tls", NULL,
};
static const char *input_core_prefixes[] = {"tls.", "net.", "thread.", "rate_", NULL};

static int input_set_property(char *kv)
{
    struct instance *in = &input.ins;
    struct prop *p;
    char *eq = strchr(kv, '=');
    const char *k;
    const char *v;
    int i;

    if (!eq) {
        fprintf(stderr, "flbhost: input property '%s' is not KEY=VALUE\n", kv);
        return -1;
    }
    *eq = '\0';
    k = trim(kv);
    v = trim(eq + 1);
    if (strcasecmp(k, "log_level") == 0) {
        in->log_level = parse_level(v);
        return in->log_level < 0 ? -1 : 0;
    }
    if (strcasecmp(k, "tag") == 0) {
        input.tag = strdup(v);
        return 0;
    }
    for (i = 0; input_core_keys[i]; i++) {
        if (strcasecmp(k, input_core_keys[i]) == 0) {
            return 0;
        }
    }
    for (i = 0; input_core_prefixes[i]; i++) {
        if (strncasecmp(k, input_core_prefixes[i], strlen(input_core_prefixes[i])) == 0) {
            return 0;
        }
    }
    in->props = xrealloc(in->props, (in->nprops + 1) * sizeof(*in->props));
    p = &in->props[in->nprops++];
    p->key = strdup(k);
    p->val = v[0] ? strdup(v) : NULL;
    return 0;
}

/* Peak RSS of this process image (VmHWM): getrusage's ru_maxrss would
 * carry the test process's peak across fork and exec. */
static long peak_rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    if (ms > 0) {
        nanosleep(&ts, NULL);
    }
}

/* Runs the input until --input-max-events, --input-idle-ms or a crash;
 * returns the exit status contribution (0, 2 load/registration, 3 init). */
static int run_input(void)
{
    struct go_input_plugin ip = {0};
    struct input_proxy_context *ctx;
    struct proxy_def *def;
    struct chunk c;
    int (*cb_pre_register)(int);
    int (*cb_register)(struct proxy_def *);
    void (*cb_unregister)(struct proxy_def *);
    void (*cb_pre_exit)(int);
    int (*cb_pre_run)(int);
    void *dso;
    void *data;
    size_t len;
    long calls = 0, chunks_in = 0, events = 0, bytes = 0;
    long idle_since = -1;
    char name[64];
    int rc;
    int i;

    dso = dlopen(input.path, RTLD_LAZY);
    if (!dso) {
        host_log(FLB_LOG_ERROR, "[proxy] error opening plugin %s: '%s'", input.path, dlerror());
        return 2;
    }
    def = calloc(1, sizeof(*def));
    cb_pre_register = (int (*)(int)) dlsym(dso, "FLBPluginPreRegister");
    if (cb_pre_register && cb_pre_register(0) == -1) {
        return 2;
    }
    cb_register = (int (*)(struct proxy_def *)) dlsym(dso, "FLBPluginRegister");
    rc = cb_register ? cb_register(def) : -1;
    printf("input_register name=%s type=%d proxy=%d flags=%d event_type=%d description=\"%s\"\n",
           def->name ? def->name : "", def->type, def->proxy, def->flags,
           def->event_type, def->description ? def->description : "");
    if (rc == -1 || def->type != FLB_PROXY_INPUT_PLUGIN || def->proxy != FLB_PROXY_GOLANG ||
        !def->name || !def->name[0]) {
        host_log(FLB_LOG_ERROR, "[flbhost] input registration failed: rc=%d type=%d (want %d)",
                 rc, def->type, FLB_PROXY_INPUT_PLUGIN);
        return 2;
    }
    if (print_cm) {
        print_config_map("input", def->config_map);
    }
    for (i = 0; i < input.ins.nprops; i++) {
        if (config_map_check(def->name, def->config_map, input.ins.props[i].key) != 0) {
            return 3;
        }
    }
    ip.cb_init = (int (*)(struct go_input_plugin *)) dlsym(dso, "FLBPluginInit");
    ip.cb_collect = (int (*)(void **, size_t *)) dlsym(dso, "FLBPluginInputCallback");
    ip.cb_cleanup = (int (*)(void *)) dlsym(dso, "FLBPluginInputCleanupCallback");
    if (!input.legacy) {
        ip.cb_collect_ctx = (int (*)(void *, void **, size_t *)) dlsym(dso, "FLBPluginInputCallbackCtx");
        ip.cb_cleanup_ctx = (int (*)(void *, void *)) dlsym(dso, "FLBPluginInputCleanupCallbackCtx");
    }
    ip.cb_exit = (int (*)(void)) dlsym(dso, "FLBPluginExit");
    ip.name = strdup(def->name);
    cb_unregister = (void (*)(struct proxy_def *)) dlsym(dso, "FLBPluginUnregister");
    cb_pre_run = (int (*)(int)) dlsym(dso, "FLBPluginInputPreRun");
    cb_pre_exit = (void (*)(int)) dlsym(dso, "FLBPluginInputPreExit");
    printf("input_symbols init=%d collect_ctx=%d collect=%d cleanup_ctx=%d cleanup=%d exit=%d\n",
           ip.cb_init != NULL, ip.cb_collect_ctx != NULL, ip.cb_collect != NULL,
           ip.cb_cleanup_ctx != NULL, ip.cb_cleanup != NULL, ip.cb_exit != NULL);
    if (!ip.cb_init || (!ip.cb_collect && !ip.cb_collect_ctx)) {
        host_log(FLB_LOG_ERROR, "[go proxy]: could not load FLBPluginInit or a collect callback");
        return 2;
    }

    /* flb_input_new() + proxy_go_input_init() */
    ctx = calloc(1, sizeof(*ctx));
    ctx->proxy = def;
    ip.api = &api;
    ip.i_ins = &input.ins;
    ip.context = ctx;
    if (input.legacy) {
        struct input_proxy_context_v40 *old = (struct input_proxy_context_v40 *) ctx;

        old->proxy = def; /* where 4.1+ has remote_context */
    }
    rc = ip.cb_init(&ip);
    if (input.legacy) {
        printf("input_init rc=%d context_intact=%d\n", rc,
               ((struct input_proxy_context_v40 *) ctx)->proxy == def);
    }
    else {
        printf("input_init rc=%d\n", rc);
    }
    if (rc <= 0) {
        host_log(FLB_LOG_ERROR, "[go proxy]: plugin '%s' failed to initialize", ip.name);
        return 3;
    }
    if (cb_pre_run) {
        cb_pre_run(0);
    }
    if (!input.tag) {
        snprintf(name, sizeof(name), "%s.0", def->name);
        input.tag = strdup(name);
    }

    /* flb_proxy_input_cb_collect(), on the collector timer */
    for (;;) {
        data = NULL;
        len = 0;
        rc = ip.cb_collect_ctx ? ip.cb_collect_ctx(ctx->remote_context, &data, &len)
                               : ip.cb_collect(&data, &len);
        calls++;
        if (len == 0) {
            if (idle_since < 0) {
                idle_since = now_ms();
            }
            else if (now_ms() - idle_since >= input.idle_ms) {
                break;
            }
            sleep_ms(input.interval_ms > 0 ? input.interval_ms : 10);
            continue;
        }
        idle_since = -1;
        if (rc == -1) {
            host_log(FLB_LOG_ERROR, "[flbhost] collect returned -1 with %zu bytes", len);
            break; /* Fluent Bit neither appends nor cleans up */
        }
        /* flb_input_log_append(): the engine keeps its own copy */
        memset(&c, 0, sizeof(c));
        snprintf(name, sizeof(name), "in#%ld", chunks_in);
        c.name = strdup(name);
        c.tag = input.tag;
        c.data = xrealloc(NULL, len);
        memcpy(c.data, data, len);
        c.size = len;
        c.events = count_events(c.data, c.size);
        if (ip.cb_cleanup_ctx) {
            rc = ip.cb_cleanup_ctx(ctx->remote_context, data);
        }
        else if (ip.cb_cleanup) {
            rc = ip.cb_cleanup(data);
        }
        else {
            free(data);
            rc = 0;
        }
        chunks_in++;
        bytes += (long) len;
        events += c.events > 0 ? c.events : 0;
        if (!quiet) {
            printf("collect call=%ld bytes=%zu events=%ld cleanup_rc=%d\n", calls, len, c.events, rc);
        }
        for (i = 0; i < ninsts; i++) {
            if (insts[i].ready) {
                flush_item(&insts[i], &c);
            }
        }
        free(c.data);
        free(c.name);
        if (input.crash_after >= 0 && events >= input.crash_after) {
            printf("crash events=%ld\n", events);
            fflush(stdout);
            _exit(9); /* like kill -9: no exit callbacks, nothing released */
        }
        if (input.max_events >= 0 && events >= input.max_events) {
            break;
        }
        sleep_ms(input.interval_ms);
    }

    /* flb_proxy_input_cb_exit() -> proxy_go_input_destroy() */
    if (cb_pre_exit) {
        cb_pre_exit(0);
    }
    rc = ip.cb_exit ? ip.cb_exit() : 0;
    printf("input_exit rc=%d\n", rc);
    if (cb_unregister) {
        cb_unregister(def);
    }
    printf("input_summary calls=%ld chunks=%ld events=%ld bytes=%ld max_rss_kb=%ld\n",
           calls, chunks_in, events, bytes, peak_rss_kb());
    free(ctx);
    free(ip.name);
    free(def);
    return 0;
}

/* ---- main ------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
"usage: flbhost -p PLUGIN.so -i SPEC [-o KEY=VALUE]... [-i SPEC ...]\n"
"               [-t TAG] (-c CHUNK.mp | -l LINES [-k KEY] [-n N] [--legacy])...\n"
"               [-w WORKERS] [-r REPEAT] [--retry-max N] [--retry-wait-ms MS]\n"
"               [--legacy-api] [--dump-chunks DIR] [-q]\n"
"\n"
"  -p, --plugin PATH     the c-shared plugin (dlopen RTLD_LAZY, like Fluent Bit)\n"
"  -i, --instance SPEC   start an [OUTPUT] instance: KEY=VALUE[,KEY=VALUE...];\n"
"                        a piece without '=' continues the previous value\n"
"                        (Brokers=a:9092,b:9092); '' gives no properties\n"
"  -o, --property K=V    add one property verbatim to the latest instance\n"
"                        Keys are case-insensitive. Fluent Bit core keys (Name,\n"
"                        Match, Alias, Workers, Retry_Limit, Host, Port, tls,\n"
"                        tls.*, net.*, ...) never reach the plugin; Log_Level\n"
"                        sets what output_log_check allows (default info)\n"
"  -t, --tag TAG         tag of the chunks named after it (and of earlier\n"
"                        ones if it is the first -t); default awsaudit.test\n"
"  -c, --chunk FILE      a chunk: a file of concatenated msgpack events\n"
"  -l, --lines FILE      build chunks from a text file, one event per line:\n"
"                        [[EventTime, {}], {KEY: line}] (--legacy:\n"
"                        [EventTime, {KEY: line}]), N events per chunk\n"
"  -k, --key KEY         record key for every -l (default log)\n"
"  -n, --events N        events per chunk for every -l (default 1000)\n"
"      --dump-chunks DIR write every chunk to DIR/NAME (fixtures, benchmarks)\n"
"      --exit-after-ms MS  call the plugin's exit MS ms after flushing starts,\n"
"                        while flushes may still be in flight (shutdown tests);\n"
"                        workers take no new chunk once exit starts\n"
"      --no-flush        build and walk the chunks but never call the plugin's\n"
"                        flush: the host's own cost, for benchmarks\n"
"  -w, --workers N       flush from N threads at once (default 1), none of\n"
"                        them the thread that ran init, as Fluent Bit's output\n"
"                        workers; 0 flushes on the thread that ran init, as\n"
"                        Fluent Bit's engine thread does without Workers (the\n"
"                        default of Go outputs in Fluent Bit)\n"
"  -r, --repeat N        flush the whole chunk list N times (default 1)\n"
"      --retry-max N     re-flush a chunk answered FLB_RETRY up to N times\n"
"                        (default 1, Fluent Bit's Retry_Limit; -1 or no_limits:\n"
"                        until it is FLB_OK or FLB_ERROR, like Retry_Limit\n"
"                        no_limits)\n"
"      --retry-wait-ms M wait between attempts (default 200)\n"
"      --legacy-api      ignore FLBPluginFlushCtx/FLBPluginExitCtx, as Fluent\n"
"                        Bit versions without them would; for --input, the\n"
"                        callbacks without Ctx and the context layout before\n"
"                        4.1 (input_init then reports context_intact=0|1)\n"
"  -q, --quiet           print only register/init/exit/summary/memory lines\n"
"\n"
"  Input side (a Go input plugin whose chunks every -i output flushes):\n"
"      --print-config-map  print the config map the plugin registered\n"
"      --no-cmetrics     give instances no cmetrics context (older engines)\n"
"      --metrics-before-exit-ms MS\n"
"                        print the metrics MS after the last flush, before exit\n"
"      --input PATH      the input plugin .so\n"
"      --input-property K=V  one property of the input instance (repeatable;\n"
"                        Tag sets the chunks' tag, default NAME.0)\n"
"      --input-interval-ms MS  between collect calls (default 1000, Fluent\n"
"                        Bit's collector timer; 0: back to back)\n"
"      --input-max-events N  stop after N events\n"
"      --input-idle-ms MS  stop after MS of empty collects (default 5000)\n"
"      --input-crash-after N  _exit(9) once N events were flushed\n"
"\n"
"stdout lines (one per event, fields in this order):\n"
"  register name=N type=2 proxy=11 flags=0 event_type=0 description=\"...\"\n"
"  symbols init=1 flush_ctx=1 flush=1 exit_ctx=1 exit=1 unregister=1\n"
"  init instance=I rc=R thread=TID\n"
"  attempt instance=I chunk=C try=T rc=R raw=X thread=TID\n"
"  flush instance=I chunk=C rc=R tries=T bytes=B events=E   (E -1: not msgpack)\n"
"  exit instance=I rc=R\n"
"  input_register ... / input_symbols ... / input_init rc=R\n"
"  collect call=N bytes=B events=E cleanup_rc=R\n"
"  crash events=E   (--input-crash-after)\n"
"  input_exit rc=R\n"
"  input_summary calls=N chunks=C events=E bytes=B max_rss_kb=K\n"
"  metric instance=I name=M value=V labels=K=V;K=V   (histograms: count=N\n"
"         sum=S instead of value; printed after the exits)\n"
"  summary ok=N retry=N error=N\n"
"  memory vmhwm_kb=K   (peak resident set, /proc/self/status VmHWM; -1 unknown)\n"
"rc: 1 FLB_OK, 2 FLB_RETRY, 0 FLB_ERROR (raw is what the plugin returned);\n"
"TID: the kernel id of the thread that made the call.\n"
"exit status: 0 every flush ended FLB_OK, 1 some did not, 2 usage, load or\n"
"registration error, 3 an instance failed to initialize.\n");
}

enum {
    OPT_LEGACY = 1000,
    OPT_LEGACY_API,
    OPT_RETRY_MAX,
    OPT_RETRY_WAIT,
    OPT_DUMP,
    OPT_NO_FLUSH,
    OPT_EXIT_AFTER,
    OPT_INPUT,
    OPT_INPUT_PROP,
    OPT_INPUT_INTERVAL,
    OPT_INPUT_MAX,
    OPT_INPUT_IDLE,
    OPT_INPUT_CRASH,
    OPT_PRINT_CM,
    OPT_NO_CMT,
    OPT_METRICS_BEFORE_EXIT,
};

struct source {
    int lines;
    const char *path;
    const char *key;
    long per;
    int legacy;
    const char *tag;
};

static long parse_long(const char *opt, const char *s, long min)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min) {
        fprintf(stderr, "flbhost: %s: invalid number '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

/* The peak resident set of this process image in KiB, -1 when unknown.
 * VmHWM, not getrusage's ru_maxrss: a host started by exec from a vfork
 * (Go's os/exec) would have its parent's memory counted in the latter. */
static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"plugin", required_argument, NULL, 'p'},
        {"instance", required_argument, NULL, 'i'},
        {"property", required_argument, NULL, 'o'},
        {"tag", required_argument, NULL, 't'},
        {"chunk", required_argument, NULL, 'c'},
        {"lines", required_argument, NULL, 'l'},
        {"key", required_argument, NULL, 'k'},
        {"events", required_argument, NULL, 'n'},
        {"workers", required_argument, NULL, 'w'},
        {"repeat", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"legacy", no_argument, NULL, OPT_LEGACY},
        {"legacy-api", no_argument, NULL, OPT_LEGACY_API},
        {"retry-max", required_argument, NULL, OPT_RETRY_MAX},
        {"retry-wait-ms", required_argument, NULL, OPT_RETRY_WAIT},
        {"dump-chunks", required_argument, NULL, OPT_DUMP},
        {"no-flush", no_argument, NULL, OPT_NO_FLUSH},
        {"exit-after-ms", required_argument, NULL, OPT_EXIT_AFTER},
        {"input", required_argument, NULL, OPT_INPUT},
        {"input-property", required_argument, NULL, OPT_INPUT_PROP},
        {"input-interval-ms", required_argument, NULL, OPT_INPUT_INTERVAL},
        {"input-max-events", required_argument, NULL, OPT_INPUT_MAX},
        {"input-idle-ms", required_argument, NULL, OPT_INPUT_IDLE},
        {"input-crash-after", required_argument, NULL, OPT_INPUT_CRASH},
        {"print-config-map", no_argument, NULL, OPT_PRINT_CM},
        {"no-cmetrics", no_argument, NULL, OPT_NO_CMT},
        {"metrics-before-exit-ms", required_argument, NULL, OPT_METRICS_BEFORE_EXIT},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    const char *tag = NULL;
    const char *first_tag = NULL;
    const char *key = "log";
    const char *dump = NULL;
    struct source *srcs = NULL;
    int nsrcs = 0;
    long per = 1000;
    int legacy = 0;
    int legacy_api = 0;
    int workers = 1;
    int failed_init = 0;
    int input_rc = 0;
    int (*cb_pre_register)(int);
    int (*cb_register)(struct proxy_def *);
    void (*cb_unregister)(struct proxy_def *);
    void (*cb_pre_exit)(int);
    int (*cb_pre_run)(int);
    struct proxy_def *def;
    pthread_t *threads;
    void *dso;
    int opt;
    int rc;
    int i;

    /* Line-buffered so a reader sees each result as it happens. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    while ((opt = getopt_long(argc, argv, "p:i:o:t:c:l:k:n:w:r:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            path = optarg;
            break;
        case 'i':
            if (parse_spec(new_instance(), optarg) != 0) {
                return 2;
            }
            break;
        case 'o':
            if (ninsts == 0) {
                fprintf(stderr, "flbhost: -o needs an -i before it\n");
                return 2;
            }
            if (add_kv(&insts[ninsts - 1], optarg) != 0) {
                return 2;
            }
            break;
        case 't':
            tag = optarg;
            if (!first_tag) {
                first_tag = optarg;
            }
            break;
        case 'c':
        case 'l':
            /* Options may come in any order: sources are loaded after. */
            srcs = xrealloc(srcs, (nsrcs + 1) * sizeof(*srcs));
            srcs[nsrcs++] = (struct source) {
                .lines = opt == 'l', .path = optarg, .tag = tag,
            };
            break;
        case 'k':
            key = optarg;
            break;
        case 'n':
            per = parse_long("-n", optarg, 1);
            break;
        case 'w':
            workers = (int) parse_long("-w", optarg, 0);
            break;
        case 'r':
            repeat = (int) parse_long("-r", optarg, 1);
            break;
        case 'q':
            quiet = 1;
            break;
        case OPT_LEGACY:
            legacy = 1;
            break;
        case OPT_LEGACY_API:
            legacy_api = 1;
            input.legacy = 1;
            break;
        case OPT_INPUT:
            input.path = optarg;
            break;
        case OPT_INPUT_PROP:
            if (input_set_property(optarg) != 0) {
                return 2;
            }
            break;
        case OPT_INPUT_INTERVAL:
            input.interval_ms = parse_long("--input-interval-ms", optarg, 0);
            break;
        case OPT_INPUT_MAX:
            input.max_events = parse_long("--input-max-events", optarg, 1);
            break;
        case OPT_INPUT_IDLE:
            input.idle_ms = parse_long("--input-idle-ms", optarg, 0);
            break;
        case OPT_INPUT_CRASH:
            input.crash_after = parse_long("--input-crash-after", optarg, 0);
            break;
        case OPT_NO_FLUSH:
            no_flush = 1;
            break;
        case OPT_PRINT_CM:
            print_cm = 1;
            break;
        case OPT_NO_CMT:
            no_cmt = 1;
            break;
        case OPT_METRICS_BEFORE_EXIT:
            metrics_before_exit_ms = atol(optarg);
            break;
        case OPT_EXIT_AFTER:
            exit_after_ms = parse_long("--exit-after-ms", optarg, 0);
            break;
        case OPT_RETRY_MAX:
            /* Fluent Bit's spellings of an unlimited Retry_Limit too. */
            if (!strcasecmp(optarg, "no_limits") || !strcasecmp(optarg, "false") ||
                !strcasecmp(optarg, "off")) {
                retry_max = -1;
            }
            else {
                retry_max = (int) parse_long("--retry-max", optarg, -1);
            }
            break;
        case OPT_RETRY_WAIT:
            retry_wait_ms = parse_long("--retry-wait-ms", optarg, 0);
            break;
        case OPT_DUMP:
            dump = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || !path || ninsts == 0) {
        fprintf(stderr, "flbhost: %s\n", optind < argc ? "unexpected argument" :
                !path ? "-p PLUGIN is required" : "at least one -i is required");
        usage(stderr);
        return 2;
    }
    if (workers == 0 && exit_after_ms >= 0) {
        fprintf(stderr, "flbhost: --exit-after-ms needs -w 1 or more: with -w 0 the thread "
                "that would call exit is busy flushing\n");
        return 2;
    }
    if (!first_tag) {
        first_tag = "awsaudit.test";
    }
    for (i = 0; i < nsrcs; i++) {
        srcs[i].tag = srcs[i].tag ? srcs[i].tag : first_tag;
        rc = srcs[i].lines ? load_lines(srcs[i].path, key, per, legacy, srcs[i].tag)
                           : load_chunk_file(srcs[i].path, srcs[i].tag);
        if (rc != 0) {
            return 2;
        }
    }
    free(srcs);
    if (dump && dump_chunks(dump) != 0) {
        return 2;
    }

    /* flb_plugin_proxy_create() */
    dso = dlopen(path, RTLD_LAZY);
    if (!dso) {
        host_log(FLB_LOG_ERROR, "[proxy] error opening plugin %s: '%s'", path, dlerror());
        return 2;
    }
    def = calloc(1, sizeof(*def));
    def->type = 0;

    /* flb_plugin_proxy_register() */
    cb_pre_register = (int (*)(int)) dlsym(dso, "FLBPluginPreRegister");
    if (cb_pre_register && cb_pre_register(0) == -1) {
        host_log(FLB_LOG_ERROR, "[flbhost] FLBPluginPreRegister failed");
        return 2;
    }
    cb_register = (int (*)(struct proxy_def *)) dlsym(dso, "FLBPluginRegister");
    if (!cb_register) {
        host_log(FLB_LOG_ERROR, "[flbhost] %s has no FLBPluginRegister", path);
        return 2;
    }
    rc = cb_register(def);
    printf("register name=%s type=%d proxy=%d flags=%d event_type=%d description=\"%s\"\n",
           def->name ? def->name : "", def->type, def->proxy, def->flags,
           def->event_type, def->description ? def->description : "");
    if (rc == -1 || def->proxy != FLB_PROXY_GOLANG || def->type != FLB_PROXY_OUTPUT_PLUGIN ||
        !def->name || def->name[0] == '\0') {
        host_log(FLB_LOG_ERROR, "[flbhost] registration failed: rc=%d type=%d (want %d) "
                 "proxy=%d (want %d)", rc, def->type, FLB_PROXY_OUTPUT_PLUGIN,
                 def->proxy, FLB_PROXY_GOLANG);
        return 2;
    }

    /* flb_plugin_proxy_register_output() copies def->config_map; -h
     * prints it and flb_output_plugin_property_check() enforces it. */
    if (print_cm) {
        print_config_map("output", def->config_map);
    }
    for (i = 0; i < ninsts; i++) {
        int j;

        for (j = 0; j < insts[i].nprops; j++) {
            if (config_map_check(def->name, def->config_map, insts[i].props[j].key) != 0) {
                return 3;
            }
        }
    }

    /* proxy_go_output_register() */
    plugin.cb_init = (int (*)(struct go_output_plugin *)) dlsym(dso, "FLBPluginInit");
    plugin.cb_flush = (int (*)(const void *, size_t, const char *)) dlsym(dso, "FLBPluginFlush");
    plugin.cb_exit = (int (*)(void)) dlsym(dso, "FLBPluginExit");
    if (!legacy_api) {
        plugin.cb_flush_ctx = (int (*)(void *, const void *, size_t, char *))
            dlsym(dso, "FLBPluginFlushCtx");
        plugin.cb_exit_ctx = (int (*)(void *)) dlsym(dso, "FLBPluginExitCtx");
    }
    plugin.name = strdup(def->name);
    cb_unregister = (void (*)(struct proxy_def *)) dlsym(dso, "FLBPluginUnregister");
    cb_pre_run = (int (*)(int)) dlsym(dso, "FLBPluginOutputPreRun");
    cb_pre_exit = (void (*)(int)) dlsym(dso, "FLBPluginOutputPreExit");
    printf("symbols init=%d flush_ctx=%d flush=%d exit_ctx=%d exit=%d unregister=%d\n",
           plugin.cb_init != NULL, plugin.cb_flush_ctx != NULL, plugin.cb_flush != NULL,
           plugin.cb_exit_ctx != NULL, plugin.cb_exit != NULL, cb_unregister != NULL);
    if (!plugin.cb_init) {
        host_log(FLB_LOG_ERROR, "[go proxy]: could not load FLBPluginInit symbol");
        return 2;
    }
    if (!plugin.cb_flush && !plugin.cb_flush_ctx) {
        host_log(FLB_LOG_ERROR, "[flbhost] %s exports no flush callback", path);
        return 2;
    }

    /* flb_proxy_output_cb_init() -> proxy_go_output_init(), per instance,
     * through the one shared plugin struct. */
    for (i = 0; i < ninsts; i++) {
        insts[i].ctx = calloc(1, sizeof(struct proxy_context));
        insts[i].ctx->proxy = def;
        plugin.api = &api;
        plugin.o_ins = &insts[i];
        plugin.context = insts[i].ctx;
        rc = plugin.cb_init(&plugin);
        printf("init instance=%d rc=%d thread=%ld\n", i, rc, thread_id());
        if (rc <= 0) {
            host_log(FLB_LOG_ERROR, "[go proxy]: plugin '%s' failed to initialize", plugin.name);
            host_log(FLB_LOG_ERROR, "[output] could not initialize '%s' plugin", plugin.name);
            failed_init = 1;
            break; /* Fluent Bit stops starting at the first failure */
        }
        insts[i].ready = 1;
        if (cb_pre_run) {
            cb_pre_run(0);
        }
    }

    if (!failed_init && input.path) {
        input_rc = run_input();
    }

    if (!failed_init && nchunks > 0 && workers == 0) {
        /* flb_output_task_flush() without workers: a coroutine on the
         * engine thread, the one that ran every init above. */
        worker(NULL);
    }
    else if (!failed_init && nchunks > 0) {
        threads = calloc(workers, sizeof(*threads));
        for (i = 0; i < workers; i++) {
            if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
                fprintf(stderr, "flbhost: pthread_create failed\n");
                return 2;
            }
        }
        if (exit_after_ms >= 0) {
            struct timespec wait = {exit_after_ms / 1000, (exit_after_ms % 1000) * 1000000L};
            nanosleep(&wait, NULL);
            atomic_store(&stopping, 1);
            exit_instances(cb_pre_exit);
        }
        for (i = 0; i < workers; i++) {
            pthread_join(threads[i], NULL);
        }
        free(threads);
    }

    if (metrics_before_exit_ms >= 0 && !failed_init) {
        sleep_ms(metrics_before_exit_ms);
        pthread_mutex_lock(&metrics_mu);
        print_metrics("metric_before_exit");
        pthread_mutex_unlock(&metrics_mu);
    }
    if (exit_after_ms < 0 || failed_init || nchunks == 0) {
        exit_instances(cb_pre_exit);
    }
    for (i = 0; i < ninsts; i++) {
        free(insts[i].ctx);
        insts[i].ctx = NULL;
    }
    /* flb_proxy_output_cb_destroy() */
    if (cb_unregister) {
        cb_unregister(def);
    }
    free(plugin.name);
    free(def);
    dlclose(dso);

    print_metrics("metric");
    printf("summary ok=%ld retry=%ld error=%ld\n",
           atomic_load(&n_ok), atomic_load(&n_retry), atomic_load(&n_error));
    printf("memory vmhwm_kb=%ld\n", vmhwm_kb());
    if (failed_init) {
        return 3;
    }
    if (input_rc != 0) {
        return input_rc;
    }
    return atomic_load(&n_retry) + atomic_load(&n_error) > 0 ? 1 : 0;
}
