package record

import (
	"fmt"
	"slices"
)

// Alert names one detection; its String is the value written to the
// record's "alerts" array (and, in OCSF, to metadata.labels as
// "alert:NAME"). Alerts are written in this order.
type Alert uint8

const (
	AlertAnonymousAccess Alert = iota
	AlertAccessDenied
	AlertAccessDeniedRate
	AlertSlowRequest
	AlertUnexpectedRequester
	AlertUnexpectedWrite
	AlertPresignedURL
	AlertPublicExposureChange
	AlertAuditTampering
	// NumAlerts is the number of alerts.
	NumAlerts
)

var alertNames = [NumAlerts]string{
	AlertAnonymousAccess:      "anonymous_access",
	AlertAccessDenied:         "access_denied",
	AlertAccessDeniedRate:     "access_denied_rate",
	AlertSlowRequest:          "slow_request",
	AlertUnexpectedRequester:  "unexpected_requester",
	AlertUnexpectedWrite:      "unexpected_write",
	AlertPresignedURL:         "presigned_url",
	AlertPublicExposureChange: "public_exposure_change",
	AlertAuditTampering:       "audit_tampering",
}

func (a Alert) String() string {
	if a < NumAlerts {
		return alertNames[a]
	}
	return fmt.Sprintf("Alert(%d)", uint8(a))
}

// AlertNames lists every alert name in output order.
func AlertNames() []string { return slices.Clone(alertNames[:]) }

// AlertSet is a set of alerts, one bit per Alert.
type AlertSet uint16

// Has reports whether a is in s.
func (s AlertSet) Has(a Alert) bool { return s&(1<<a) != 0 }

// Add puts a in s.
func (s *AlertSet) Add(a Alert) { *s |= 1 << a }

// AppendNames appends the names in s, in output order, to dst.
func (s AlertSet) AppendNames(dst []string) []string {
	for a := Alert(0); a < NumAlerts; a++ {
		if s.Has(a) {
			dst = append(dst, alertNames[a])
		}
	}
	return dst
}

// AppendJSON appends the names in s as a JSON array of strings, each
// prefixed with prefix.
func (s AlertSet) AppendJSON(dst []byte, prefix string) []byte {
	dst = append(dst, '[')
	first := true
	for a := Alert(0); a < NumAlerts; a++ {
		if !s.Has(a) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, prefix...)
		dst = append(dst, alertNames[a]...)
		dst = append(dst, '"')
	}
	return append(dst, ']')
}
