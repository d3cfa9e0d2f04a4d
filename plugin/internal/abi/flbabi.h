/* Mirrors of the parts of Fluent Bit's plugin ABI that both awsaudit
 * plugins (plugin/ and plugin/in_s3/) and the config map
 * (plugin/internal/configmap) read or write, declared once here; included
 * by their cgo preambles. Layouts follow fluent-bit
 * include/fluent-bit/flb_api.h (v2.0+), src/proxy/go/go.h and
 * include/fluent-bit/flb_plugin_proxy.h (v5.1.1). Instance pointers are
 * opaque. The C test host (test/host) declares its own copies on purpose:
 * it checks the plugins against Fluent Bit's layout, not against these. */
#ifndef AWSAUDIT_FLBABI_H
#define AWSAUDIT_FLBABI_H

/* struct flb_api: the functions Fluent Bit hands a Go plugin. fluent-bit-go
 * declares it only up to output_get_property. */
struct awsaudit_flb_api {
    const char *(*output_get_property)(const char *, void *);
    const char *(*input_get_property)(const char *, void *);
    void *(*output_get_cmt_instance)(void *);
    void *(*input_get_cmt_instance)(void *);
    void (*log_print)(int, const char *, int, const char *, ...);
    int (*input_log_check)(void *, int);
    int (*output_log_check)(void *, int);
};

/* struct flb_plugin_proxy_def as of Fluent Bit 5.1.1, the first to carry
 * config_map (older ones end at event_type). */
struct awsaudit_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    void *config_map;
};

#endif
