// Command awsaudit normalizes S3 server access logs and CloudTrail records
// into the unified audit record, and ships them to Kafka through the same
// pipeline the Fluent Bit plugin uses.
package main
