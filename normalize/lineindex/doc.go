// Package lineindex builds, in one pass over a line or document, bitmaps
// of the bytes the parsers look for (spaces and quotes that cut fields,
// '=' where a secret parameter can begin, bytes JSON must escape), so
// splitting, the secret prefilter and the "needs escaping" check walk
// bits instead of searching the text once per question.
//
// On amd64 the pass is AVX2 assembly (lineindex_amd64.s): it indexes the
// 732-byte benchmark access-log line in about 41 ns against 466 ns for
// the portable 8-bytes-at-a-time scan on the same CPU (BenchmarkBuild,
// with and without -tags purego), which is what keeps it. The portable
// scan is used on other architectures, on CPUs without AVX2 and with
// -tags purego; FuzzLineIndex holds both to a byte-by-byte definition.
package lineindex
