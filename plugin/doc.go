// Command plugin is the awsaudit Fluent Bit output plugin, built with
// go build -buildmode=c-shared -o out_awsaudit.so ./plugin and loaded by
// Fluent Bit's Go proxy. It is the only package that imports "C".
//
// Each exported callback recovers panics: one reaching C would kill Fluent
// Bit and every pipeline in it.
package main
