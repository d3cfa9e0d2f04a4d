package s3sqs

import (
	"encoding/binary"
	"time"
)

// Record keys of the events the input emits.
const (
	KeyLog    = "log"
	KeyBucket = "s3_bucket"
	KeyKey    = "s3_key"
)

// EventsSize is the exact size EncodeEvents needs for batches.
func EventsSize(batches []*Batch) int {
	n := 0
	for _, b := range batches {
		per := 2 + 10 + 1 + 1 + // [[time, {}], {...}] headers, EventTime, map3
			strSize(len(KeyLog)) + strSize(len(KeyBucket)) + strSize(len(b.Bucket)) +
			strSize(len(KeyKey)) + strSize(len(b.Key))
		n += per * b.Len()
		for i := range b.Len() {
			n += strSize(len(b.Record(i)))
		}
	}
	return n
}

// EncodeEvents appends every record of batches to dst as a Fluent Bit
// event of the current format, [[EventTime, {}], {"log": record,
// "s3_bucket": bucket, "s3_key": key}], all stamped t (when they were
// collected; the record's own time is in its text).
func EncodeEvents(dst []byte, batches []*Batch, t time.Time) []byte {
	var ts [10]byte
	ts[0], ts[1] = 0xd7, 0x00 // fixext8, type 0: EventTime
	binary.BigEndian.PutUint32(ts[2:], uint32(t.Unix()))
	binary.BigEndian.PutUint32(ts[6:], uint32(t.Nanosecond()))
	for _, b := range batches {
		for i := range b.Len() {
			dst = append(dst, 0x92, 0x92)
			dst = append(dst, ts[:]...)
			dst = append(dst, 0x80, 0x83)
			dst = appendStr(dst, KeyLog)
			dst = appendStr(dst, b.Record(i))
			dst = appendStr(dst, KeyBucket)
			dst = appendStr(dst, b.Bucket)
			dst = appendStr(dst, KeyKey)
			dst = appendStr(dst, b.Key)
		}
	}
	return dst
}

func strSize(n int) int {
	switch {
	case n < 32:
		return 1 + n
	case n < 1<<8:
		return 2 + n
	case n < 1<<16:
		return 3 + n
	}
	return 5 + n
}

func appendStr[S string | []byte](dst []byte, s S) []byte {
	switch n := len(s); {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n < 1<<8:
		dst = append(dst, 0xd9, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xda, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}
