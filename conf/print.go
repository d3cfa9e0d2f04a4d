package conf

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"time"
)

// mask stands in for a set password wherever a Config is shown.
const mask = "*****"

// plainConfig has Config's fields but none of its methods, so fmt, json and
// reflection can walk it without recursing into the masking methods below.
type plainConfig Config

// masked returns the fields with the password replaced; every printing path
// goes through it so none can forget the password.
func (c Config) masked() plainConfig {
	p := plainConfig(c)
	if p.SASLPassword == "" {
		p.SASLPassword = "(empty)"
	} else {
		p.SASLPassword = mask
	}
	return p
}

// String shows every field, with the SASL password masked. Fields are found
// by reflection so a field added later is printed without touching this.
func (c Config) String() string {
	v := reflect.ValueOf(c.masked())
	t := v.Type()
	var b strings.Builder
	b.WriteString("conf.Config{")
	for i := range t.NumField() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.Field(i).Name)
		b.WriteString(": ")
		switch f := v.Field(i).Interface().(type) {
		case string, []string:
			fmt.Fprintf(&b, "%q", f)
		default:
			fmt.Fprintf(&b, "%v", f)
		}
	}
	b.WriteString("}")
	return b.String()
}

// GoString serves %#v, again without the password.
func (c Config) GoString() string {
	s := fmt.Sprintf("%#v", c.masked())
	return strings.Replace(s, "conf.plainConfig{", "conf.Config{", 1)
}

// Format routes every verb through String or GoString. Without it, verbs
// that skip Stringer (%d, %x on a struct...) would print the raw fields.
func (c Config) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, c.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", c.String())
	default:
		io.WriteString(f, c.String())
	}
}

// LogValue makes slog log the fields as a group, password masked, instead of
// reflecting over the raw struct.
func (c Config) LogValue() slog.Value {
	v := reflect.ValueOf(c.masked())
	t := v.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := range t.NumField() {
		attrs = append(attrs, slog.Any(t.Field(i).Name, v.Field(i).Interface()))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON masks the password too: a config dumped as JSON (a debug
// endpoint, a "show config" command) is just another way to print it. Fields
// keep declaration order; durations read as "10s" rather than nanoseconds.
func (c Config) MarshalJSON() ([]byte, error) {
	v := reflect.ValueOf(c.masked())
	t := v.Type()
	b := []byte{'{'}
	for i := range t.NumField() {
		val := v.Field(i).Interface()
		if d, ok := val.(time.Duration); ok {
			val = d.String()
		}
		enc, err := json.Marshal(val)
		if err != nil {
			return nil, fmt.Errorf("conf: marshal %s: %w", t.Field(i).Name, err)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, t.Field(i).Name...)
		b = append(b, '"', ':')
		b = append(b, enc...)
	}
	return append(b, '}'), nil
}
