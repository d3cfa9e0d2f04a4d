package conf

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
)

// mask stands in for a set password wherever a Config is shown.
const mask = "*****"

// shownField is one field of a Config as every printing path shows it.
type shownField struct {
	name  string
	value any
}

// shown returns the fields with the password replaced and each typed
// setting as the string a user writes in the property, so that a printed
// Config reads like its configuration. Every printing path goes through
// it so none can forget the password. Fields are found by reflection so a
// field added later is printed without touching this.
func (c Config) shown() []shownField {
	if c.SASLPassword == "" {
		c.SASLPassword = "(empty)"
	} else {
		c.SASLPassword = mask
	}
	v := reflect.ValueOf(c)
	t := v.Type()
	out := make([]shownField, t.NumField())
	for i := range out {
		val := v.Field(i).Interface()
		switch s := val.(type) {
		case normalize.Source:
			val = s.String()
		case normalize.Format:
			val = s.String()
		case Codec:
			val = s.String()
		case Acks:
			val = s.String()
		case Mechanism:
			val = string(s)
		}
		out[i] = shownField{t.Field(i).Name, val}
	}
	return out
}

// String shows every field, with the SASL password masked.
func (c Config) String() string {
	return c.list(": ", func(v any) string {
		switch v.(type) {
		case string, []string:
			return fmt.Sprintf("%q", v)
		}
		return fmt.Sprint(v)
	})
}

// GoString serves %#v, again without the password: Go syntax for each
// field, as %#v writes a struct.
func (c Config) GoString() string {
	return c.list(":", func(v any) string { return fmt.Sprintf("%#v", v) })
}

// list writes "conf.Config{Name<sep>value, ...}" with each shown value
// written by value.
func (c Config) list(sep string, value func(any) string) string {
	var b strings.Builder
	b.WriteString("conf.Config{")
	for i, f := range c.shown() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name)
		b.WriteString(sep)
		b.WriteString(value(f.value))
	}
	b.WriteString("}")
	return b.String()
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
	fields := c.shown()
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		attrs = append(attrs, slog.Any(f.name, f.value))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON masks the password too: a config dumped as JSON (a debug
// endpoint, a "show config" command) is just another way to print it. Fields
// keep declaration order; durations read as "10s" rather than nanoseconds.
func (c Config) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range c.shown() {
		val := f.value
		if d, ok := val.(time.Duration); ok {
			val = d.String()
		}
		enc, err := json.Marshal(val)
		if err != nil {
			return nil, fmt.Errorf("conf: marshal %s: %w", f.name, err)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		b = append(b, enc...)
	}
	return append(b, '}'), nil
}
