package normalize

import (
	"errors"
	"testing"
)

func TestRejectsWrapErrRejected(t *testing.T) {
	for _, in := range []string{"garbage", `{"eventName":1,"eventVersion":"1"}`, `{"no":"cloudtrail"}`, `{`} {
		res := normalizeAll(New(DefaultOptions()), []byte(in), SourceAuto)
		if len(res) != 1 || res[0].err == nil {
			t.Fatalf("%q: want one reject, got %+v", in, res)
		}
		var re *RejectError
		if !errors.Is(res[0].err, ErrRejected) || !errors.As(res[0].err, &re) || re.Reason == "" {
			t.Errorf("%q: error %v is not a RejectError with a reason", in, res[0].err)
		}
		if string(res[0].input) != in {
			t.Errorf("%q: Output.Input = %q, want the input", in, res[0].input)
		}
	}
}
