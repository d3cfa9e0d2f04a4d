package normalize

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// TestBenchDataShape keeps the benchmark inputs what their comments say, so
// numbers from different benchmarks stay comparable.
func TestBenchDataShape(t *testing.T) {
	if n := len(testinput.AccessLogLine); n < 650 || n > 750 {
		t.Errorf("testinput.AccessLogLine is %d bytes, want about 700", n)
	}
	if m := baselineLineRE.FindStringSubmatch(testinput.PresignedLine); m == nil {
		t.Error("testinput.PresignedLine does not match the 27-field access-log pattern")
	}
	if strings.ContainsAny(testinput.AccessLogLine, "\n\r\t") || strings.Contains(testinput.AccessLogLine, "  ") {
		t.Error("testinput.AccessLogLine must be one line with single spaces")
	}
	m := baselineLineRE.FindStringSubmatch(testinput.AccessLogLine)
	if m == nil {
		t.Fatal("testinput.AccessLogLine does not match the 27-field access-log pattern")
	}
	for i, name := range baselineLineRE.SubexpNames() {
		if name != "" && name != "rest" && m[i] == "" {
			t.Errorf("testinput.AccessLogLine: field %s is empty", name)
		}
	}
	if !strings.Contains(testinput.PresignedLine, "X-Amz-Signature="+testinput.AccessLogSignature) {
		t.Error("testinput.AccessLogSignature is not the signature in testinput.PresignedLine")
	}

	if n := len(testinput.CloudTrailEvent); n < 1400 || n > 1700 {
		t.Errorf("testinput.CloudTrailEvent is %d bytes, want 1400..1700", n)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(testinput.CloudTrailEvent), &ev); err != nil {
		t.Fatalf("testinput.CloudTrailEvent is not JSON: %v", err)
	}
	for _, k := range []string{"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName",
		"awsRegion", "requestParameters", "responseElements", "additionalEventData", "requestID",
		"eventID", "readOnly", "resources", "eventType", "managementEvent", "recipientAccountId",
		"eventCategory", "tlsDetails"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("testinput.CloudTrailEvent lacks %q", k)
		}
	}
	// The two inputs describe one request: the join keys must agree.
	if !strings.Contains(testinput.AccessLogLine, " "+ev["requestID"].(string)+" ") {
		t.Error("requestID of testinput.CloudTrailEvent is not the access-log Request ID")
	}
	hostID := ev["additionalEventData"].(map[string]any)["x-amz-id-2"].(string)
	if !strings.Contains(testinput.AccessLogLine, " "+hostID+" ") {
		t.Error("x-amz-id-2 of testinput.CloudTrailEvent is not the access-log Host Id")
	}
}
