package enrich

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestHostRegion(t *testing.T) {
	tests := []struct {
		name, host, want string // want "" means nil
	}{
		// Every Host header form of S3's endpoints, one row each.
		{"virtual-hosted", "amzn-s3-demo-bucket1.s3.us-west-2.amazonaws.com", "us-west-2"},
		{"path-style", "s3.us-west-2.amazonaws.com", "us-west-2"},
		{"legacy dash virtual-hosted", "mybucket.s3-eu-west-1.amazonaws.com", "eu-west-1"},
		{"legacy dash path-style", "s3-ap-southeast-2.amazonaws.com", "ap-southeast-2"},
		{"legacy dash GovCloud", "s3-us-gov-west-1.amazonaws.com", "us-gov-west-1"},
		{"dualstack virtual-hosted", "mybucket.s3.dualstack.eu-central-1.amazonaws.com", "eu-central-1"},
		{"dualstack path-style", "s3.dualstack.us-east-2.amazonaws.com", "us-east-2"},
		{"fips", "s3-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"},
		{"fips virtual-hosted", "mybucket.s3-fips.us-east-1.amazonaws.com", "us-east-1"},
		{"fips dualstack", "s3-fips.dualstack.us-west-2.amazonaws.com", "us-west-2"},
		{"fips legacy dash", "s3-fips-us-gov-west-1.amazonaws.com", "us-gov-west-1"},
		{"website dash", "mybucket.s3-website-us-east-1.amazonaws.com", "us-east-1"},
		{"website dot", "mybucket.s3-website.eu-central-2.amazonaws.com", "eu-central-2"},
		{"access point", "finance-docs-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "us-west-2"},
		{"access point dualstack", "finance-docs-123456789012.s3-accesspoint.dualstack.ap-south-1.amazonaws.com", "ap-south-1"},
		{"access point fips", "ap-123456789012.s3-accesspoint-fips.us-east-1.amazonaws.com", "us-east-1"},
		{"object lambda", "my-olap-123456789012.s3-object-lambda.us-east-1.amazonaws.com", "us-east-1"},
		{"outposts", "myap-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com", "us-west-2"},
		{"vpce bucket", "mybucket.bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com", "us-east-1"},
		{"vpce accesspoint", "myap-123456789012.accesspoint.vpce-1a2b3c4d-5e6f.s3.eu-west-3.vpce.amazonaws.com", "eu-west-3"},
		{"vpce bare", "bucket.vpce-1a2b3c4d-5e6f.s3.ca-central-1.vpce.amazonaws.com", "ca-central-1"},
		{"vpce AZ-specific", "bucket.vpce-1a2b3c4d-5e6f-us-east-1a.s3.us-east-1.vpce.amazonaws.com", "us-east-1"},
		{"China virtual-hosted", "mybucket.s3.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"China path-style", "s3.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"},
		{"China dualstack", "s3.dualstack.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"China legacy dash", "s3-cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"global", "s3.amazonaws.com", ""},
		{"global virtual-hosted", "mybucket.s3.amazonaws.com", ""},
		{"external-1", "s3-external-1.amazonaws.com", ""},
		{"external-1 virtual-hosted", "mybucket.s3-external-1.amazonaws.com", ""},
		{"accelerate", "mybucket.s3-accelerate.amazonaws.com", ""},
		{"accelerate dualstack", "mybucket.s3-accelerate.dualstack.amazonaws.com", ""},
		{"multi-region access point", "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", ""},
		{"custom CNAME", "images.example.com", ""},
		{"custom CNAME with region-like label", "us-east-1.example.com", ""},
		{"empty", "", ""},
		{"dash", "-", ""},

		// Case, port, dots and look-alikes.
		{"upper case", "MyBucket.S3.EU-WEST-1.AMAZONAWS.COM", "EU-WEST-1"},
		{"port", "mybucket.s3.us-west-1.amazonaws.com:443", "us-west-1"},
		{"port and upper case", "S3.US-EAST-2.AmazonAWS.com:8443", "US-EAST-2"},
		{"FQDN trailing dot", "mybucket.s3.sa-east-1.amazonaws.com.", "sa-east-1"},
		{"bucket with dots", "my.bucket.name.s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{"bucket named like a region, global", "us-east-1.s3.amazonaws.com", ""},
		{"bucket named like a region, regional", "us-east-1.s3.eu-west-2.amazonaws.com", "eu-west-2"},
		{"bucket named like a region, dualstack", "us-east-1.s3.dualstack.eu-west-2.amazonaws.com", "eu-west-2"},
		{"bucket named like a region, accelerate", "us-east-1.s3-accelerate.amazonaws.com", ""},
		{"bucket named s3-region, global", "s3-us-west-2.s3.amazonaws.com", ""},
		{"region with no S3 label", "us-east-1.amazonaws.com", ""},
		{"other service", "sts.us-east-1.amazonaws.com", ""},
		{"dualstack without S3 label", "dualstack.us-east-1.amazonaws.com", ""},
		{"vpce of another service", "vpce-1a2b3c4d.sqs.us-east-1.vpce.amazonaws.com", ""},
		{"suffix only", "amazonaws.com", ""},
		{"suffix with dot only", ".amazonaws.com", ""},
		{"look-alike domain", "mybucket.s3.us-east-1.amazonaws.com.evil.example", ""},
		{"IPv6 literal", "[2001:db8::1]:443", ""},
		{"account id is not a region", "s3.123456789012.amazonaws.com", ""},

		// Newer regions and the other partitions.
		{"new region", "s3.ap-southeast-5.amazonaws.com", "ap-southeast-5"},
		{"Israel", "mybucket.s3.il-central-1.amazonaws.com", "il-central-1"},
		{"Mexico", "s3.mx-central-1.amazonaws.com", "mx-central-1"},
		{"GovCloud", "mybucket.s3.us-gov-east-1.amazonaws.com", "us-gov-east-1"},
		{"European Sovereign Cloud", "mybucket.s3.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"},
		{"ISO", "s3.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"},
		{"ISO-B", "mybucket.s3.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"},
		{"ISO-E", "s3.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1"},
		{"ISO-F", "s3.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1"},
		{"S3 Express zonal", "mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com", "us-west-2"},
		{"S3 control", "123456789012.s3-control.eu-north-1.amazonaws.com", "eu-north-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := []byte(tt.host)
			got := HostRegion(host)
			if string(got) != tt.want || (tt.want == "") != (got == nil) {
				t.Fatalf("HostRegion(%q) = %q, want %q", tt.host, got, tt.want)
			}
			if got != nil && !sliceWithin(got, host) {
				t.Fatalf("HostRegion(%q) result does not alias the input", tt.host)
			}
		})
	}
}

func TestIsRegionCode(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"us-east-1", true},
		{"us-west-2", true},
		{"eu-central-2", true},
		{"us-gov-west-1", true},
		{"cn-north-1", true},
		{"cn-northwest-1", true},
		{"ap-southeast-5", true},
		{"ap-northeast-3", true},
		{"il-central-1", true},
		{"me-south-1", true},
		{"af-south-1", true},
		{"sa-east-1", true},
		{"us-iso-east-1", true},
		{"us-isob-east-1", true},
		{"eu-isoe-west-1", true},
		{"us-isof-south-1", true},
		{"eusc-de-east-1", true},
		{"US-EAST-1", true}, // case is ignored, as in HostRegion
		{"ap-southeast-12", true},

		{"", false},
		{"-", false},
		{"dualstack", false},
		{"fips", false},
		{"website", false},
		{"vpce", false},
		{"123456789012", false},
		{"s3", false},
		{"external-1", false},
		{"s3-external-1", false},
		{"fips-us-gov-west-1", false},
		{"fips-us-east-1", false},
		{"vpce-us-east-1", false},
		{"website-us-east-1", false},
		{"us-east", false},
		{"us-east-", false},
		{"east-1", false},
		{"-east-1", false},
		{"us--east-1", false},
		{"us-east-0", false},
		{"us-east-01", false},
		{"us-east-100", false},
		{"us-east-1a", false}, // an availability zone
		{"use1-az1", false},   // an availability zone id
		{"us-upper-1", false},
		{"u-east-1", false},
		{"usaaa-east-1", false},
		{"a1-east-1", false},
		{"us-gov-iso-top-east-1", false},
		{"us-east-1-bos-1", false}, // a local zone group
		{"my-bucket-1", false},
		{" us-east-1", false},
		{"us-east-1 ", false},
	}
	for _, tt := range tests {
		if got := IsRegionCode([]byte(tt.s)); got != tt.want {
			t.Errorf("IsRegionCode(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestHostRegionAllocs(t *testing.T) {
	hosts := [][]byte{
		[]byte("mybucket.s3.dualstack.eu-central-1.amazonaws.com:443"),
		[]byte("mybucket.bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com"),
		[]byte("mybucket.s3-website-us-east-1.amazonaws.com"),
		[]byte("images.example.com"),
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, h := range hosts {
			HostRegion(h)
		}
	})
	if allocs != 0 {
		t.Fatalf("HostRegion allocates %v times per run, want 0", allocs)
	}
}

func BenchmarkHostRegion(b *testing.B) {
	host := []byte("my.bucket.name.s3.dualstack.eu-west-1.amazonaws.com")
	for b.Loop() {
		HostRegion(host)
	}
}

func FuzzHostRegion(f *testing.F) {
	for _, seed := range []string{
		"mybucket.s3.us-west-2.amazonaws.com",
		"s3-eu-west-1.amazonaws.com:443",
		"mybucket.bucket.vpce-1a2b.s3.us-east-1.vpce.amazonaws.com",
		"s3-fips-us-gov-west-1.amazonaws.com",
		"mybucket.s3-website-us-east-1.amazonaws.com",
		"us-east-1.s3.amazonaws.com",
		"s3.cn-north-1.amazonaws.com.cn",
		"-",
		"",
		"s3-.amazonaws.com",
		"s3.-1.amazonaws.com",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, host []byte) {
		before := bytes.Clone(host)
		got := HostRegion(host)
		if !bytes.Equal(host, before) {
			t.Fatalf("HostRegion modified its input")
		}
		if got == nil {
			return
		}
		if !IsRegionCode(got) {
			t.Fatalf("HostRegion(%q) = %q, not a region code", host, got)
		}
		if !sliceWithin(got, host) {
			t.Fatalf("HostRegion(%q) result does not alias the input", host)
		}
	})
}

// sliceWithin reports whether sub lies within the memory of s (aliases it).
func sliceWithin(sub, s []byte) bool {
	if len(sub) == 0 {
		return true
	}
	if len(s) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= start && p+uintptr(len(sub)) <= start+uintptr(len(s))
}
