// Package s3sqs reads S3 objects announced on an SQS queue: the source of
// the awsaudit_s3 Fluent Bit input (plugin/in_s3) and of awsaudit ship
// --sqs. It is pure Go; the AWS calls go through aws-sdk-go-v2.
//
// A Source long-polls the queue (ReceiveMessage, never more messages than
// free workers), parses each body in every shape AWS delivers S3 events
// (ParseNotification: S3 → SQS, S3 → SNS → SQS raw or enveloped, S3 →
// EventBridge → SQS "Object Created", the s3:TestEvent), skips CloudTrail
// digest files and keys outside Key_Prefix / Key_Pattern, and streams each
// object: gzip is recognized by its magic bytes, a {"Records":[...]} file
// is walked with the JSON tokenizer one event at a time, other JSON by
// top-level value, anything else by line. Nothing holds more than one
// record, the read buffers and a queue bounded by Chunk_Max_Size: when the
// consumer does not take batches, the reading stops.
//
// Delivery: records go out as Batches, runs of one object's records. The
// consumer calls Batch.Done once it has handed a batch on (the plugin in
// Fluent Bit's cleanup callback, after flb_input_log_append copied the
// events; ship after Kafka acknowledged them) or Batch.Fail. A message is
// deleted only when its objects were read to the end and every batch is
// Done. Until then its visibility is extended (heartbeat every quarter of
// Visibility_Timeout, when less than half is left). A message that fails
// (not an S3 notification, GetObject refused, a broken or corrupt stream
// that three ranged resumes could not mend, a record over Max_Record_Size,
// a failed batch) is logged with the reason and hidden for
// Visibility_Timeout * 2^(receives-1): it comes back ever more slowly until
// the queue's redrive policy moves it to the dead-letter queue. Close
// makes unfinished messages visible at once for another consumer.
package s3sqs
