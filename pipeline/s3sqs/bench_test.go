package s3sqs

import (
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/awsfake"
)

// BenchmarkSource reads one object of b.N access-log lines from the S3
// fake, announced on the SQS fake, and encodes every record as Fluent Bit
// events, as the plugin does. The fakes' CPU is in the figure too; the
// profile tells them apart.
func BenchmarkSource(b *testing.B) {
	f := newFixture(b, awsfake.QueueOptions{})
	line := lines("bench", 1)[0]
	f.s3.Put(b, testBucket, "bench.log", []byte(strings.Repeat(line+"\n", b.N)))
	src, _ := f.start(b, map[string]string{"Chunk_Max_Size": "700K"})
	b.SetBytes(int64(len(line) + 1))
	b.ReportAllocs()
	b.ResetTimer()
	f.sqs.Send(f.queue, s3Event(testBucket, "bench.log"))
	var buf []byte
	for n := 0; n < b.N; {
		batches := src.Take(700<<10, 100*time.Millisecond)
		buf = EncodeEvents(buf[:0], batches)
		for _, bt := range batches {
			n += bt.Len()
			bt.Done()
		}
	}
}
