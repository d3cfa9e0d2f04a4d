package enrich

import (
	"crypto/sha256"

	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// CorrelationIDLen is the length of a correlation_id: 16 bytes in hex.
const CorrelationIDLen = 32

// AppendCorrelationID appends the correlation_id of a request: the first 16
// bytes of SHA-256 over requestID, one line feed (0x0A) and hostID, written
// as 32 lower-case hex digits. An absent host id hashes as empty (the input
// then ends with the line feed). It appends nothing when requestID is empty:
// a record without a request id has no correlation_id.
//
// The algorithm is part of the record's contract and never changes within
// schema version 1, so any language can recompute it; in Flink SQL:
//
//	LEFT(SHA256(CONCAT(request_id, CHR(10), COALESCE(host_id, ''))), 32)
//
// An access-log record and its CloudTrail twin share it: access-log
// Request ID == CloudTrail requestID and Host Id ==
// additionalEventData.x-amz-id-2, and both are request.id / request.host_id
// in the unified record.
func AppendCorrelationID(dst, requestID, hostID []byte) []byte {
	if len(requestID) == 0 {
		return dst
	}
	sum := sum256(requestID, hostID)
	var hex [CorrelationIDLen]byte
	for i, c := range sum[:CorrelationIDLen/2] {
		hex[2*i], hex[2*i+1] = jsonw.HexDigits[c>>4], jsonw.HexDigits[c&0xf]
	}
	return append(dst, hex[:]...)
}

// sum256 is SHA-256 over requestID, '\n', hostID with crypto/sha256.
func sum256(requestID, hostID []byte) (sum [sha256.Size]byte) {
	var in [256]byte // most ids fit; longer ones are hashed incrementally
	if len(requestID)+1+len(hostID) <= len(in) {
		b := append(in[:0], requestID...)
		b = append(b, '\n')
		b = append(b, hostID...)
		sum = sha256.Sum256(b)
	} else {
		h := sha256.New()
		h.Write(requestID)
		h.Write([]byte{'\n'})
		h.Write(hostID)
		h.Sum(sum[:0])
	}
	return sum
}

// CorrelationID appends r's correlation_id to dst (nothing when the
// record has no request id).
func CorrelationID(dst []byte, r *record.Record) []byte {
	return AppendCorrelationID(dst, text.Present(r.Request.ID), text.Present(r.Request.HostID))
}
