// Package awsfake runs in-process fakes of the AWS services the S3 + SQS
// input talks to, speaking the real HTTP protocols of aws-sdk-go-v2 on
// 127.0.0.1: an SQS server of its own (AWS JSON 1.0, the protocol
// aws-sdk-go-v2/service/sqs uses since 2023; goaws v0.4.5 speaks only the
// older query protocol) and gofakes3 for S3, backed by files so large
// objects are streamed from disk. Tests point Endpoint_URL at them and set
// static credentials in the environment (the standard AWS chain reads
// them like any other).
package awsfake
