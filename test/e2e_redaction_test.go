//go:build e2e

package test

// Issue 5, redaction under hostile input: records carrying presigned-URL
// signatures, credentials and session tokens, good and rejected, through
// the plugin at Log_Level debug (and with Include_Raw, dead-lettering on
// and off, a broker fault and a broker that refuses the records). No
// secret may appear in the host's stdout or stderr (the plugin's log), in
// a normalized record or in a dead letter (value, headers, base64 input).

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// The secrets. Each starts with 12 characters found nowhere else, and the
// checks look for those 12 (secretProbe), so a partial leak counts too.
const (
	secSigV4      = "S1GV4SECRET0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e"
	secCredential = "ASIACREDSECRET0KEYID"
	secToken      = "T0KENSECRET1IQoJb3JpZ2luX2VjEJrSessionTokenBody0123456789"
	secSigV2      = "S1GV2SECRETq8w7e6r5t4y3u2i1o0p"
	secAccessKey  = "AKIASIGV2SECRET0KEY1"
	secEncSig     = "ENCSIGSECRET7d2c9e1f0a3b5c7d9e1f"
	secRefToken   = "REFTOKSECRET4b6d8f0a2c4e6f8a0b2c"
	secCTSession  = "CTSESSIONSEC9FwoGZXIvYXdzEBaaDCtSessionBody"
	secCTKey      = "CTSECRETKEY0wJalrXUtnFEMIK7MDENGbPxRfiCY"
	secCTURLToken = "CTURLTOKSEC5a7c9e1b3d5f7a9c1e3b"
	// Issue 11: spellings only decoding shows, names after any separator.
	secDouble    = "DOUBLESIGSEC4d6f8a0c2e4b6d8f0a"
	secNested    = "NESTEDTOKSEC1a3c5e7b9d1f3a5c7e"
	secUAToken   = "UATOKENSECRT2b4d6f8a0c2e4b6d8f"
	secAuthSig   = "AUTHSIGSECRT3c5e7a9b1d3f5a7c9e"
	secAuthCred  = "AUTHCREDSECR4AKIA"
	secCTEscKey  = "CTESCKEYSECR5e7a9b1d3f5a7c9e1b"
	secCTEscSig  = "CTESCSIGSECR6f8a0c2e4b6d8f0a2c"
	secCTObject  = "CTOBJECTSECR7a9b1d3f5a7c9e1b3d"
	secBareField = "BAREFIELDSEC8b0d2f4a6c8e0b2d4f"
	secBrokenKey = "BROKENKEYSEC9c1e3a5b7d9f1a3c5e"
)

var redactionSecrets = map[string]string{
	"SigV4 signature": secSigV4, "SigV4 credential": secCredential, "security token": secToken,
	"SigV2 signature": secSigV2, "SigV2 access key id": secAccessKey, "percent-encoded signature": secEncSig,
	"referrer token": secRefToken, "CloudTrail sessionToken": secCTSession, "CloudTrail secretAccessKey": secCTKey,
	"CloudTrail URL token": secCTURLToken, "double-encoded signature": secDouble, "nested presigned token": secNested,
	"User-Agent token": secUAToken, "Authorization signature": secAuthSig, "Authorization credential": secAuthCred,
	"escaped CloudTrail key": secCTEscKey, "escaped-separator signature": secCTEscSig, "credential object": secCTObject,
	"bad-field signature": secBareField, "broken JSON escaped key": secBrokenKey,
}

func secretProbe(s string) string { return s[:12] }

// findSecrets returns "name in where" for every secret (probe) in text.
func findSecrets(where, text string) []string {
	var found []string
	for name, s := range redactionSecrets {
		if i := strings.Index(text, secretProbe(s)); i >= 0 {
			lo, hi := max(0, i-80), min(len(text), i+len(s)+20)
			found = append(found, fmt.Sprintf("%s in %s: ...%s...", name, where, text[lo:hi]))
		}
	}
	return found
}

const accessOwner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

// accessLine is a 25-field access-log line with the given Request-URI
// (without quotes) and referrer.
func accessLine(id, uri, referrer string) string {
	return accessLineUA(id, uri, referrer, "aws-cli/2.15")
}

// accessLineUA is accessLine with the given User-Agent.
func accessLineUA(id, uri, referrer, ua string) string {
	return fmt.Sprintf(`%s red-bucket [01/Mar/2024:12:00:00 +0000] 192.0.2.7 arn:aws:sts::123456789012:assumed-role/R/s %s REST.GET.OBJECT k.bin "GET %s HTTP/1.1" 200 - 10 10 5 4 "%s" "%s" - aGlkPQ== SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString red-bucket.s3.us-east-1.amazonaws.com TLSv1.2 - -`,
		accessOwner, id, uri, referrer, ua)
}

// The hostile inputs, as log lines (the good ones normalize; the others
// are dead-lettered).
var (
	sigV4Query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + secCredential + "%2F20240301%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20240301T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Security-Token=" + secToken +
		"&X-Amz-Signature=" + secSigV4
	goodPresigned = accessLine("REDGOOD1", "/k.bin?"+sigV4Query,
		"https://app.example.com/view?X-Amz-Security-Token="+secRefToken+"&page=2")
	goodSigV2 = accessLine("REDGOOD2", "/k.bin?AWSAccessKeyId="+secAccessKey+"&Expires=1709294700&Signature="+secSigV2+
		"&x-amz-security-token="+secToken, "-")
	goodEncoded = accessLine("REDGOOD3", "/k.bin?X%2DAmz%2DSignature="+secEncSig+"&x=1", "-")
	// Double encoding in the Request-URI, a presigned URL nested in the
	// Referer; a name after a space and Authorization text in User-Agents.
	goodDecoded = accessLine("REDGOOD4", "/k.bin?next=%2Fk%253FX-Amz-Signature%253D"+secDouble+"%2526a%253D1",
		"https://app.example.com/login?next=https%3A%2F%2Fbkt.s3.amazonaws.com%2Fk%3FX-Amz-Security-Token%3D"+secNested+"%26x%3D1")
	goodUAToken = accessLineUA("REDGOOD5", "/k.bin", "-", "agent/1.0 X-Amz-Security-Token="+secUAToken+" lang/go")
	goodUAAuth  = accessLineUA("REDGOOD6", "/k.bin", "-", "AWS4-HMAC-SHA256 Credential="+secAuthCred+"/20240301/us-east-1/s3/aws4_request, SignedHeaders=host, Signature="+secAuthSig)
	// CloudTrail escapes: a credential key spelled session\u0054oken, an
	// escaped '=' in the userAgent, a credential that is an object.
	goodCTEscaped = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"},` +
		`"eventTime":"2024-03-01T12:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1",` +
		`"userAgent":"agent/1 X-Amz-Signature\u003d` + secCTEscSig + `\u0026x=1","additionalEventData":{"sessionToken":{"value":"` + secCTObject + `"}},` +
		`"responseElements":{"credentials":{"accessKeyId":"ASIARESPONSE00000002","session\u0054oken":"` + secCTEscKey + `"}},` +
		`"requestID":"REDGOODCT2","eventID":"3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5c","eventType":"AwsApiCall","recipientAccountId":"123456789012"}`
	goodCT = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAPRINCIPAL0000001","userName":"alice"},` +
		`"eventTime":"2024-03-01T12:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2.15",` +
		`"requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Reader","roleSessionName":"s1","policyUrl":"https://policies.example.com/p.json?X-Amz-Security-Token=` + secCTURLToken + `&v=1"},` +
		`"responseElements":{"credentials":{"accessKeyId":"ASIARESPONSE00000001","sessionToken":"` + secCTSession + `","secretAccessKey":"` + secCTKey + `","expiration":"Mar 1, 2024, 1:00:00 PM"}},` +
		`"requestID":"REDGOODCT","eventID":"3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}`

	// Rejected inputs, each a separate way to reach the dead-letter path.
	rejected = []struct{ name, line string }{
		// Cut short after the Request-URI: the parser rejects it.
		{"truncated_access_log", fmt.Sprintf(`%s red-bucket [01/Mar/2024:12:00:00 +0000] 192.0.2.9 - REDBAD1 REST.GET.OBJECT k.bin "GET /k.bin?%s HTTP/1.1" 2xx`, accessOwner, sigV4Query)},
		// The Request-URI without quotes: its parts shift into the status
		// field, which the reason quotes.
		{"unquoted_uri", fmt.Sprintf(`%s red-bucket [01/Mar/2024:12:00:00 +0000] 192.0.2.9 - REDBAD2 REST.GET.OBJECT k.bin GET /k.bin?X-Amz-Signature=%s&X-Amz-Security-Token=%s HTTP/1.1 200 - 1 1 1 1 "-" "ua" - aGlkPQ== SigV4 c QueryString h TLSv1.2 - -`, accessOwner, secSigV4, secToken)},
		// A CloudTrail record with credentials the mapper rejects (bad
		// eventTime): the dead letter's input is the whole document.
		{"cloudtrail_bad_time", `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"eventTime":"not-a-time","eventSource":"sts.amazonaws.com","eventName":"AssumeRole",` +
			`"responseElements":{"credentials":{"sessionToken":"` + secCTSession + `","secretAccessKey":"` + secCTKey + `"}},"requestID":"REDBADCT1"}`},
		// Invalid JSON just before the credentials: the parser's error
		// quotes the unparsed tail in the reason.
		{"cloudtrail_syntax_error", `{"eventVersion":"1.08","eventName":"AssumeRole","responseElements":{"credentials" "sessionToken":"` + secCTSession +
			`","secretAccessKey":"` + secCTKey + `"}},"requestID":"REDBADCT2"}`},
		// A CloudTrail document cut off inside the credentials.
		{"cloudtrail_truncated", `{"eventVersion":"1.08","eventName":"AssumeRole","requestParameters":{"u":"https://x.example.com/?X-Amz-Security-Token=` + secCTURLToken +
			`"},"responseElements":{"credentials":{"sessionToken":"` + secCTSession + `","secretAccessKey":"` + secCTKey},
		// Issue 11: the bad field is X-Amz-Signature=..., which the reason
		// quotes; broken JSON whose credential key is escaped.
		{"bad_field_signature", strings.Replace(accessLine("REDBAD3", "/k.bin", "-"), " 200 - 10 ", " 200 - X-Amz-Signature="+secBareField+" ", 1)},
		{"cloudtrail_escaped_key_broken", `{"eventVersion":"1.08","eventName":"GetSessionToken","requestID":"REDBADCT3","responseElements":{"credentials":{"session\u0054oken":"` +
			secBrokenKey + `", broken`},
	}
)

// hostileChunk is every input above as events of one chunk (under "log"),
// plus a record without a log key that carries a presigned URL and a
// sessionToken field, plus a malformed tail holding a presigned URL (it is
// dead-lettered as base64).
func hostileChunk(t *testing.T, lines []string, withMap, withTail bool) string {
	t.Helper()
	now := time.Unix(1709294400, 0)
	ch := kafkatest.NewChunk()
	for _, l := range lines {
		ch.Line(now, "log", l)
	}
	if withMap {
		ch.Add(kafkatest.Event{Time: now, Fields: kafkatest.M(
			"url", "https://red-bucket.s3.amazonaws.com/k.bin?"+sigV4Query,
			"sessionToken", secCTSession,
			"note", "no log key here")})
	}
	if withTail {
		ch.Raw(malformedEvent(now, accessLine("REDTAIL", "/k.bin?"+sigV4Query, "-")))
	}
	p := filepath.Join(t.TempDir(), "hostile.mp")
	if err := os.WriteFile(p, ch.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// malformedEvent is [[EventTime, {}], {"log": line, "x": 0xc1}]: 0xc1 is
// never valid msgpack, so the event (and the chunk's rest) is undecodable.
func malformedEvent(ts time.Time, line string) []byte {
	b := []byte{0x92, 0x92, 0xd7, 0x00}
	b = binary.BigEndian.AppendUint32(b, uint32(ts.Unix()))
	b = binary.BigEndian.AppendUint32(b, 0)
	b = append(b, 0x80, 0x82, 0xa3, 'l', 'o', 'g', 0xda)
	b = binary.BigEndian.AppendUint16(b, uint16(len(line)))
	b = append(b, line...)
	return append(b, 0xa1, 'x', 0xc1)
}

// requireNoLeaks fails for every secret found in the host's output.
func requireNoLeaks(t *testing.T, r *hostRun) {
	t.Helper()
	leaks := append(findSecrets("stdout", r.Stdout), findSecrets("stderr", r.Stderr)...)
	for _, l := range leaks {
		t.Errorf("secret in the host's output: %s", l)
	}
}

func TestE2ERedaction(t *testing.T) {
	kcatBin(t)
	var rejectedLines []string
	for _, rj := range rejected {
		rejectedLines = append(rejectedLines, rj.line)
	}
	good := []string{goodPresigned, goodSigV2, goodEncoded, goodCT, goodDecoded, goodUAToken, goodUAAuth, goodCTEscaped}

	// Everything in one chunk, dead-lettering on, Include_Raw on, debug
	// log; the first produce request is refused so the retry path logs.
	t.Run("dlq_on", func(t *testing.T) {
		c := kafkatest.New(t, 3, "e2e.red", "e2e.dlq")
		broker := c.Brokers()[0]
		fault := c.FailProduce(kafkatest.CodeNotEnoughReplicas)
		var once sync.Once
		chunk := hostileChunk(t, append(append([]string{}, good...), rejectedLines...), true, true)
		r := e2eRunHost(t, func(l hostLine) {
			if l.Kind == "attempt" && l.Fields["rc"] == "2" {
				once.Do(fault.Remove)
			}
		},
			"-i", "Brokers="+broker+",Topic=e2e.red,DLQ_Topic=e2e.dlq,Include_Raw=on,Log_Level=debug,Metrics_Interval=0.2,Write_Timeout=3s",
			"--retry-max", "5", "--retry-wait-ms", "300", "-t", "hostile.tag", "-c", chunk)
		fault.Remove()
		requireNoLeaks(t, r)
		if ok, _, _ := r.summary(t); ok != 1 {
			t.Fatalf("the hostile chunk was not delivered (summary ok=%d)\nstdout:\n%s\nstderr:\n%s", ok, r.Stdout, r.Stderr)
		}

		msgs := kcatConsume(t, broker, "e2e.red")
		if len(msgs) < len(good) {
			t.Errorf("%d normalized records, want at least %d", len(msgs), len(good))
		}
		for _, m := range msgs {
			where := fmt.Sprintf("normalized record %s[%d]@%d", m.Topic, m.Partition, m.Offset)
			// Name the top-level keys that hold a secret.
			var top map[string]json.RawMessage
			_ = json.Unmarshal([]byte(m.Value()), &top)
			for k, v := range top {
				for _, l := range findSecrets(where+" key "+strconv.Quote(k), string(v)) {
					t.Errorf("secret in a normalized record: %s", l)
				}
			}
		}
		dlq := kcatConsume(t, broker, "e2e.dlq")
		// 5 rejected lines, the record without a log key, the malformed
		// tail (at least once each; the fault may duplicate).
		seen := map[string]bool{}
		for _, m := range dlq {
			where := fmt.Sprintf("dead letter %s[%d]@%d", m.Topic, m.Partition, m.Offset)
			text := m.Value() + " headers: " + strings.Join(m.Headers, " ")
			var d struct {
				Reason        string `json:"reason"`
				Input         string `json:"input"`
				InputEncoding string `json:"input_encoding"`
			}
			if err := json.Unmarshal([]byte(m.Value()), &d); err != nil {
				t.Errorf("%s is not JSON: %v", where, err)
				continue
			}
			if d.InputEncoding == "base64" {
				if raw, err := base64.StdEncoding.DecodeString(d.Input); err == nil {
					text += " decoded input: " + string(raw)
				}
			}
			for _, rj := range rejected {
				if id := idOf(rj.line); id != "" && strings.Contains(d.Input, id) || id == "" && strings.HasPrefix(d.Input, rj.line[:60]) {
					seen[rj.name] = true
				}
			}
			for _, l := range findSecrets(where, text) {
				t.Errorf("secret in a dead letter (reason %q): %s", d.Reason, l)
			}
		}
		for _, rj := range rejected {
			if !seen[rj.name] {
				t.Errorf("the rejected input %s is not in the DLQ", rj.name)
			}
		}
		if len(dlq) < len(rejected)+2 {
			t.Errorf("%d dead letters, want at least %d (the rejected lines, the record without a log key, the malformed tail)", len(dlq), len(rejected)+2)
		}
	})

	// Dead-lettering off: each rejected record's reason is logged (the
	// drop log is rate-limited to one message per 10s, so one input per
	// run).
	for _, rj := range rejected {
		t.Run("dlq_off_"+rj.name, func(t *testing.T) {
			c := kafkatest.New(t, 1, "e2e.red")
			r := e2eRunHost(t, nil,
				"-i", "Brokers="+c.Brokers()[0]+",Topic=e2e.red,DLQ_Topic=off,Include_Raw=on,Log_Level=debug",
				"-c", hostileChunk(t, []string{rj.line}, false, false))
			if !strings.Contains(r.Stderr, "dropping a rejected record") {
				t.Errorf("the dropped record was not logged:\n%s", r.Stderr)
			}
			requireNoLeaks(t, r)
		})
	}
	t.Run("dlq_off_no_log_key_and_malformed_tail", func(t *testing.T) {
		c := kafkatest.New(t, 1, "e2e.red")
		r := e2eRunHost(t, nil,
			"-i", "Brokers="+c.Brokers()[0]+",Topic=e2e.red,DLQ_Topic=off,Include_Raw=on,Log_Level=debug",
			"-c", hostileChunk(t, nil, true, false),
			"-c", hostileChunk(t, nil, false, true))
		requireNoLeaks(t, r)
	})

	// The broker refuses the records (max.message.bytes far below them):
	// every record and its dead letters are refused, then dropped with a
	// warning that must not quote them.
	t.Run("broker_refuses", func(t *testing.T) {
		c := kafkatest.NewWith(t, kfake.Ports(0))
		for _, topic := range []string{"e2e.tiny", "e2e.tinydlq"} {
			if err := c.CreateTopic(topic, 1, map[string]string{"max.message.bytes": "300"}); err != nil {
				t.Fatal(err)
			}
		}
		r := e2eRunHost(t, nil,
			"-i", "Brokers="+c.Brokers()[0]+",Topic=e2e.tiny,DLQ_Topic=e2e.tinydlq,Include_Raw=on,Log_Level=debug,Write_Timeout=3s",
			"--retry-max", "1", "-c", hostileChunk(t, append(append([]string{}, good...), rejectedLines[0]), false, false))
		if !strings.Contains(r.Stderr, "refused") {
			t.Logf("note: no refusal was logged:\n%s", r.Stderr)
		}
		requireNoLeaks(t, r)
	})

	// Batch_Bytes below the records: too large for the producer, so they
	// are dead-lettered with a truncated input.
	t.Run("too_large_for_batch_bytes", func(t *testing.T) {
		c := kafkatest.New(t, 1, "e2e.red", "e2e.dlq")
		broker := c.Brokers()[0]
		r := e2eRunHost(t, nil,
			"-i", "Brokers="+broker+",Topic=e2e.red,DLQ_Topic=e2e.dlq,Include_Raw=on,Log_Level=debug,Batch_Bytes=1100",
			"-c", hostileChunk(t, good, false, false))
		requireNoLeaks(t, r)
		for _, topic := range []string{"e2e.red", "e2e.dlq"} {
			for _, m := range kcatConsume(t, broker, topic) {
				for _, l := range findSecrets(topic, m.Value()+" "+strings.Join(m.Headers, " ")) {
					t.Errorf("secret in %s: %s", topic, l)
				}
			}
		}
	})
}

// idOf returns the REDBAD... request id in a line, or "".
func idOf(line string) string {
	for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '"' || r == ':' || r == ',' }) {
		if strings.HasPrefix(f, "REDBAD") {
			return f
		}
	}
	return ""
}
