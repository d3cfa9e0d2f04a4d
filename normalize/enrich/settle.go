package enrich

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/internal/memo"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// Regions settles a record's region by the precedence event > record >
// host > config (see Settle), deriving the host's region through a memo.
type Regions struct {
	// Default is the last-resort region (region_source "config").
	Default []byte
	// NoMemo derives every host's region afresh (tests compare both).
	NoMemo bool

	host   memo.Key
	region []byte // a slice of the memo's copy of the host
}

// Settle sets r.Region and r.RegionSource: the event's own region when it
// is a region name, else recordRegion (a region on the Fluent Bit
// record), else the Host header's, else Default. An awsRegion that is not
// a region name is kept in CloudTrail's extra.
func (g *Regions) Settle(r *record.Record, recordRegion []byte) {
	switch {
	case len(r.Region) > 0 && LooksLikeRegionName(r.Region):
		r.RegionSource = "event"
	case len(recordRegion) > 0 && IsRegionCode(bytes.TrimSpace(recordRegion)):
		r.Region, r.RegionSource = bytes.TrimSpace(recordRegion), "record"
	default:
		if len(r.Region) > 0 && r.CloudTrail != nil {
			// Not a region name: keep what CloudTrail said, out of the way.
			r.CloudTrail.Extra = append(r.CloudTrail.Extra, record.Member{Key: []byte("awsRegion"), Value: r.CloudTrail.AWSRegion})
		}
		r.Region = nil
		if h := g.hostRegion(r.Request.Host); len(h) > 0 {
			r.Region, r.RegionSource = h, "host"
		} else if len(g.Default) > 0 {
			r.Region, r.RegionSource = g.Default, "config"
		}
	}
}

// hostRegion is HostRegion(host) through the memo.
func (g *Regions) hostRegion(host []byte) []byte {
	if g.host.Holds(host) {
		return g.region
	}
	in := g.host.Take(host, g.NoMemo)
	if in == nil {
		return HostRegion(host)
	}
	g.region = HostRegion(in)
	return g.region
}

// Requesters is ParseRequester through a memo: most lines of a bucket's
// log share a handful of requesters.
type Requesters struct {
	// NoMemo parses every requester afresh (tests compare both).
	NoMemo bool

	key       memo.Key
	principal record.Principal
	gen       uint64 // numbers the parses (see record.Record.PrincipalGen)
}

// Parse sets r.Principal (which must be zero) from the requester s. A
// principal that is the memo's gets the memo's generation in
// r.PrincipalGen.
func (q *Requesters) Parse(s []byte, r *record.Record) {
	if q.key.Holds(s) {
		r.Principal, r.PrincipalGen = q.principal, q.gen
		return
	}
	in := q.key.Take(s, q.NoMemo)
	if in == nil {
		ParseRequester(s, &r.Principal)
		return
	}
	q.principal = record.Principal{}
	ParseRequester(in, &q.principal)
	q.gen++
	r.Principal, r.PrincipalGen = q.principal, q.gen
}

// maxRegionName bounds a region name; the longest real ones are about 15.
const maxRegionName = 40

// LooksLikeRegionName accepts what CloudTrail may write as awsRegion:
// lower-case words and digits joined by hyphens (us-east-1, and the
// placeholders some published samples use). Upper case is folded on output.
func LooksLikeRegionName(b []byte) bool {
	if len(b) == 0 || len(b) > maxRegionName {
		return false
	}
	hyphen := false
	prev := byte('-')
	for i, c := range b {
		c = text.LowerByte(c)
		switch {
		case 'a' <= c && c <= 'z':
		case text.IsDigit(c):
			if i == 0 {
				return false
			}
		case c == '-':
			if prev == '-' {
				return false
			}
			hyphen = true
		default:
			return false
		}
		prev = c
	}
	return hyphen && prev != '-'
}
