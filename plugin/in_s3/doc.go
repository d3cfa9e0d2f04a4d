// Command in_s3 is the awsaudit_s3 Fluent Bit input plugin, built with
// go build -buildmode=c-shared -o in_awsaudit_s3.so ./plugin/in_s3 and
// loaded by Fluent Bit's Go proxy. The work is done by pipeline/s3sqs; this
// package is the cgo glue of the input proxy ABI (Fluent Bit 4.1+ passes
// each instance its context; older versions get one instance).
//
// Fluent Bit calls FLBPluginInputCallback(Ctx) once a second on the
// input's thread. It returns the records read so far, at most
// Chunk_Max_Size, as events [[time, {}], {"log": line or CloudTrail
// record, "s3_bucket": bucket, "s3_key": key}] in a C buffer. Fluent Bit
// copies it (flb_input_log_append) and then calls
// FLBPluginInputCleanupCallback(Ctx), which frees the buffer and marks the
// records handed on; an SQS message is deleted once all of its records
// were. Each export recovers panics: one reaching C would kill Fluent Bit.
package main
