// Package cloudtrail maps CloudTrail-family JSON documents to records: a
// CloudTrail record (data, management and Insights events), a delivered
// log file {"Records":[...]}, an EventBridge event, and a CloudWatch Logs
// subscription message, whose messages may also be S3 access logs in
// their CloudWatch JSON form (handed to accesslog.Parser.MapJSON).
// CloudTrail digest files are recognized and skipped (counted, never
// rejected). A document over DefaultStreamKeep bytes is parsed twice,
// first to check it while dropping each envelope element once parsed,
// then element by element as each is mapped, so a delivered log file of
// tens of MB needs the memory of one record.
package cloudtrail
