// Command plugin is the awsaudit Fluent Bit output plugin, built with
// go build -buildmode=c-shared -o out_awsaudit.so ./plugin and loaded by
// Fluent Bit's Go proxy. It is the only package that imports "C".
//
// Each exported callback recovers panics: one reaching C would kill Fluent
// Bit and every pipeline in it.
//
// Memory: the plugin sets neither GOGC nor a soft memory limit
// (debug.SetMemoryLimit) for the Go runtime it brings into Fluent Bit.
// What a flush keeps live is bounded by design (see the pipeline
// package), and with the default GOGC=100 its heap peaks at about 50 MB
// for a 52 MB record and a few MB for usual chunks. A limit would only
// help with a number the plugin cannot know (the container's limit, what
// Fluent Bit itself uses), and one set too low makes the collector run
// all the time, which on a log shipper costs more than the memory. The
// runtime reads GOGC and GOMEMLIMIT from Fluent Bit's environment when the
// library loads, so an operator who knows the budget sets them there;
// setting them in FLBPluginInit would override that choice. What the
// plugin does do: after the flush of a chunk of 16 MiB or more (only huge
// records make one) it calls debug.FreeOSMemory, so that the heap such a
// flush grew goes back to the system at once instead of staying resident
// until the runtime's periodic collection (two minutes) and its
// scavenger; collecting the small heap left takes about a millisecond.
package main
