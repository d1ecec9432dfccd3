package mtasts_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/mtasts"
)

func TestParseTXT(t *testing.T) {
	tests := []struct {
		in      string
		id      string // "" means an error is expected
		ext     []mtasts.Extension
		errPart string
	}{
		{in: "v=STSv1; id=20160831085700Z", id: "20160831085700Z"},
		{in: "v=STSv1; id=20160831085700Z;", id: "20160831085700Z"},
		{in: "v=STSv1;id=abc", id: "abc"},
		{in: "v=STSv1 ;\tid=abc ; ", id: "abc"},
		{in: "v=STSv1; id=" + strings.Repeat("a", 32), id: strings.Repeat("a", 32)},
		{in: "v=STSv1; id=first; id=second", id: "first"},
		{in: "v=STSv1; id=1; ext_1.x-y=some:value", id: "1", ext: []mtasts.Extension{{Key: "ext_1.x-y", Value: "some:value"}}},
		{in: "v=STSv1; x=1; id=2", id: "2", ext: []mtasts.Extension{{Key: "x", Value: "1"}}},

		{in: "", errPart: "must begin with"},
		{in: "v=STSv1", errPart: "no field"},
		{in: "v=STSv1;", errPart: "no field"},
		{in: "v=STSv1; ext=1", errPart: "id field is missing"},
		{in: "v=stsv1; id=1", errPart: "must begin with"},
		{in: " v=STSv1; id=1", errPart: "must begin with"},
		{in: "v=STSv10; id=1", errPart: "version field"},
		{in: "v=STSv1 id=1", errPart: "version field"},
		{in: "v=STSv1; id=" + strings.Repeat("a", 33), errPart: "1 to 32"},
		{in: "v=STSv1; id=2016-08-31", errPart: "1 to 32"},
		{in: "v=STSv1; id=", errPart: "empty value"},
		{in: "v=STSv1; id=a b", errPart: "1 to 32"},
		{in: "v=STSv1;; id=1", errPart: "two ';'"},
		{in: "v=STSv1; id=1;;", errPart: "two ';'"},
		{in: "v=STSv1; id", errPart: "no '='"},
		{in: "v=STSv1; _x=1; id=1", errPart: "field name"},
		{in: "v=STSv1; id=1; x=a=b", errPart: "value"},
		{in: "v=STSv1; id=1; x=caf\u00e9", errPart: "value"},
		{in: "v=STSv1; id=1; " + strings.Repeat("k", 33) + "=1", errPart: "field name"},
	}
	for _, tc := range tests {
		rec, err := mtasts.ParseTXT(tc.in)
		if tc.id == "" {
			if err == nil || !errors.Is(err, mtasts.ErrInvalidTXT) || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("ParseTXT(%q) = %+v, %v; want an ErrInvalidTXT mentioning %q", tc.in, rec, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTXT(%q): %v", tc.in, err)
			continue
		}
		if rec.ID != tc.id || rec.Version != "STSv1" || rec.Raw != tc.in || !slices.Equal(rec.Extensions, tc.ext) {
			t.Errorf("ParseTXT(%q) = %+v; want id %q, extensions %v", tc.in, rec, tc.id, tc.ext)
		}
	}
}
