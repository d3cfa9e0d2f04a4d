package enrich

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/internal/text"
)

// s3DNSSuffixes are the DNS suffixes of the AWS partitions' S3 endpoints:
// aws and aws-us-gov, aws-cn, aws-eusc, then the ISO partitions. The region
// check below keeps a non-S3 host under one of them from yielding a region.
var s3DNSSuffixes = [...]string{
	".amazonaws.com",
	".amazonaws.com.cn",
	".amazonaws.eu",
	".c2s.ic.gov",
	".sc2s.sgov.gov",
	".cloud.adc-e.uk",
	".csp.hci.ic.gov",
}

// regionDirections are the direction words every region code carries before
// its number (us-east-1, cn-northwest-1, eu-central-2).
var regionDirections = [...]string{
	"east", "west", "north", "south", "central",
	"northeast", "northwest", "southeast", "southwest",
}

// HostRegion returns the AWS region named by an S3 Host header value, or nil when the
// host form does not name one (global endpoint, accelerate, multi-region access point,
// custom CNAME, garbage). host may contain upper case and a ":port" suffix; matching is
// case-insensitive and the result is a sub-slice of host (no allocation), so it keeps
// the host's case: lower-case it before writing it out.
//
// The region label sits at a fixed place in every regional S3 form: it is the
// last label before the DNS suffix (or before ".vpce" for interface
// endpoints), right after an S3 service label, optionally with "dualstack" in
// between; or it is glued to the service label in the legacy dash forms
// s3-REGION, s3-website-REGION, s3-fips-REGION. Looking only there keeps a
// bucket named like a region (us-east-1.s3.amazonaws.com) from being taken
// for one.
func HostRegion(host []byte) []byte {
	labels, ok := trimS3DNSSuffix(trimHostPort(host))
	if !ok {
		return nil
	}
	last, labels := cutLastLabel(labels)
	if text.FoldEqual(last, "vpce") {
		// BUCKET.bucket.vpce-ID.s3.REGION.vpce.amazonaws.com and the
		// accesspoint./control. forms.
		region, labels := cutLastLabel(labels)
		service, _ := cutLastLabel(labels)
		if IsRegionCode(region) && isS3ServiceLabel(service) {
			return region
		}
		return nil
	}
	if IsRegionCode(last) {
		service, labels := cutLastLabel(labels)
		if text.FoldEqual(service, "dualstack") {
			service, _ = cutLastLabel(labels)
		}
		if isS3ServiceLabel(service) {
			return last
		}
		return nil
	}
	return legacyDashRegion(last)
}

// IsRegionCode reports whether s looks like an AWS region code: us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1, ap-southeast-5, il-central-1, us-iso-east-1, us-isob-east-1,
// eu-isoe-west-1, us-isof-south-1, eusc-de-east-1 ... (lower-case letters parts, a direction
// word, a trailing number). Never true for "dualstack", "fips", "website", an account id, "vpce".
// ASCII case is ignored, as HostRegion ignores it.
//
// The shape is checked rather than a list of known regions, so regions AWS
// opens later are accepted without a release.
func IsRegionCode(s []byte) bool {
	// Trailing number: 1 or 2 digits, no leading zero.
	end := len(s)
	for end > 0 && text.IsDigit(s[end-1]) {
		end--
	}
	digits := len(s) - end
	if digits == 0 || digits > 2 || s[end] == '0' || end < 2 || s[end-1] != '-' {
		return false
	}
	words := s[:end-1]
	dash := bytes.LastIndexByte(words, '-')
	if dash < 0 || !isRegionDirection(words[dash+1:]) {
		return false
	}
	// Geography and partition parts before the direction: "us", "us-gov",
	// "us-isob", "eusc-de".
	parts := 0
	for rest := words[:dash]; ; parts++ {
		part := rest
		next := bytes.IndexByte(rest, '-')
		if next >= 0 {
			part, rest = rest[:next], rest[next+1:]
		}
		if !isRegionWord(part) || parts == 3 {
			return false
		}
		if next < 0 {
			return true
		}
	}
}

// isRegionWord reports whether part can be a geography or partition word of a
// region code. "fips" and "vpce" have that shape but appear next to regions
// in host names (s3-fips-us-gov-west-1), so they are refused.
func isRegionWord(part []byte) bool {
	if len(part) < 2 || len(part) > 4 {
		return false
	}
	for _, c := range part {
		if !text.IsLetter(c) {
			return false
		}
	}
	return !text.FoldEqual(part, "fips") && !text.FoldEqual(part, "vpce")
}

func isRegionDirection(word []byte) bool {
	for _, d := range regionDirections {
		if text.FoldEqual(word, d) {
			return true
		}
	}
	return false
}

// isS3ServiceLabel reports whether label is an S3 endpoint label that a
// region label may follow: s3, s3-fips, s3-website, s3-accesspoint[-fips],
// s3-object-lambda, s3-outposts, s3-control, s3express-usw2-az1 ...
func isS3ServiceLabel(label []byte) bool {
	if !text.FoldHasPrefix(label, "s3") {
		return false
	}
	return len(label) == 2 || label[2] == '-' || text.FoldHasPrefix(label, "s3express")
}

// legacyDashRegion returns REGION from the legacy labels s3-REGION,
// s3-website-REGION and s3-fips-REGION, else nil (s3-external-1,
// s3-accelerate, s3-global).
func legacyDashRegion(label []byte) []byte {
	if !text.FoldHasPrefix(label, "s3-") {
		return nil
	}
	region := label[len("s3-"):]
	switch {
	case text.FoldHasPrefix(region, "website-"):
		region = region[len("website-"):]
	case text.FoldHasPrefix(region, "fips-"):
		region = region[len("fips-"):]
	}
	if IsRegionCode(region) {
		return region
	}
	return nil
}

// trimHostPort drops a ":port" suffix and the trailing dot of a fully
// qualified name. Host names hold no ':', so everything from the first one
// goes (an IPv6 literal is then garbage, which is fine: it names no region).
func trimHostPort(host []byte) []byte {
	if i := bytes.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	return host
}

// trimS3DNSSuffix returns the labels of host left of its partition DNS
// suffix, and false when host has none of them or nothing left of it.
func trimS3DNSSuffix(host []byte) ([]byte, bool) {
	for _, suffix := range s3DNSSuffixes {
		if len(host) > len(suffix) && text.FoldEqual(host[len(host)-len(suffix):], suffix) {
			return host[:len(host)-len(suffix)], true
		}
	}
	return nil, false
}

// cutLastLabel splits the last dot-separated label off name.
func cutLastLabel(name []byte) (label, rest []byte) {
	i := bytes.LastIndexByte(name, '.')
	if i < 0 {
		return name, nil
	}
	return name[i+1:], name[:i]
}

// IsSourceRegion tells whether a logged source region (access-log field
// 27) is a region code as AWS writes them, in lower case: anything else
// stays in extra as logged rather than in a field whose schema pattern it
// does not match.
func IsSourceRegion(s []byte) bool {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return IsRegionCode(s)
}
