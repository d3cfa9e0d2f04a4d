package jsondom

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
)

// Typed reads fields whose type the contract fixes. Null and absent give
// no value; any other type records the first error, naming the key, so a
// malformed record is rejected with a reason instead of being half
// mapped. Fail builds that error from a format and its arguments.
type Typed struct {
	Err  error
	Fail func(format string, args ...any) error
}

func (t *Typed) fail(format string, args ...any) {
	if t.Err == nil {
		t.Err = t.Fail(format, args...)
	}
}

// Str returns a string field's bytes.
func (t *Typed) Str(key string, v *Value) []byte {
	if v == nil {
		return nil
	}
	switch v.t {
	case String:
		return v.s
	case Null:
		return nil
	}
	t.fail("%s: want a string, got %s", key, v.t)
	return nil
}

// Bool reads a boolean; "true" and "false" as strings count too, as some
// producers write CloudTrail's booleans that way.
func (t *Typed) Bool(key string, v *Value) jsonw.Bool {
	if v == nil {
		return jsonw.BoolUnset
	}
	switch v.t {
	case True:
		return jsonw.BoolTrue
	case False:
		return jsonw.BoolFalse
	case Null:
		return jsonw.BoolUnset
	case String:
		switch {
		case bytes.EqualFold(v.s, []byte("true")):
			return jsonw.BoolTrue
		case bytes.EqualFold(v.s, []byte("false")):
			return jsonw.BoolFalse
		}
	}
	t.fail("%s: want a boolean, got %s", key, v.t)
	return jsonw.BoolUnset
}

// Of returns v when it has type want.
func (t *Typed) Of(key string, v *Value, want Type) *Value {
	if v == nil || v.t == Null {
		return nil
	}
	if v.t != want {
		t.fail("%s: want %s, got %s", key, want, v.t)
		return nil
	}
	return v
}

// Count reads a non-negative whole number (a digit string is taken too).
func (t *Typed) Count(key string, v *Value) jsonw.Int {
	if v == nil || v.t == Null {
		return jsonw.Int{}
	}
	if v.t == String {
		if n, ok := text.Count(text.Present(v.s)); ok {
			return jsonw.IntOf(n)
		}
		if len(text.Present(v.s)) == 0 {
			return jsonw.Int{}
		}
	} else if n := WholeNumber(v); n.OK {
		return n
	}
	t.fail("%s: want a non-negative whole number, got %s", key, v.t)
	return jsonw.Int{}
}

// WholeNumber reads a JSON number that holds a non-negative integer
// (CloudTrail writes byte counts as 1234.0); no value for anything else.
func WholeNumber(v *Value) jsonw.Int {
	if v == nil || v.t != Number {
		return jsonw.Int{}
	}
	f, err := v.Float64()
	if err != nil || f < 0 || f > 1<<53 || f != float64(int64(f)) {
		return jsonw.Int{}
	}
	return jsonw.IntOf(int64(f))
}

// Copied returns v unless it is null: a subtree worth copying.
func Copied(v *Value) *Value {
	if v == nil || v.t == Null {
		return nil
	}
	return v
}

// StringOf returns v's bytes when it is a string, else nil.
func StringOf(v *Value) []byte {
	if v == nil || v.t != String {
		return nil
	}
	return v.s
}
