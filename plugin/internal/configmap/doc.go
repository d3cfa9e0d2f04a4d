// Package configmap hands Fluent Bit a Go plugin's keys as a struct
// flb_config_map array, so that Fluent Bit lists them with -h and refuses
// an unknown key at start-up, as it does for its native plugins.
//
// Fluent Bit 5.1.1 is the first to copy config_map from a proxy plugin's
// registration struct. The array's element size changed in 5.0.3 (96 to
// 104 bytes on 64-bit), so Build measures it on an array Fluent Bit
// exports (flb_http_server_config_map) rather than compiling one layout
// in; Attach writes the field only when Fluent Bit's allocation of the
// registration struct has room for it. On older engines nothing is
// attached and the plugin's own validation at init is the only check.
//
// Fluent Bit converts only the defaults to the declared types: a Go
// plugin reads its values as strings (conf parses them), so a type is
// declared only where every default converts.
package configmap
