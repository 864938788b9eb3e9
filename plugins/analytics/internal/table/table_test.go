package table

import (
	"encoding/json"
	"testing"
)

func TestNumericStrings(t *testing.T) {
	for in, want := range map[string]bool{"12": true, "-0.5": true, "1e6": true, "0": true, "007": false, "12a": false, "": false,
		"123456789012345678": false, " 1": false, "1.": false} {
		if _, ok := numeric(in); ok != want {
			t.Errorf("numeric(%q) = %v", in, ok)
		}
	}
	tb := New(true)
	for i, raw := range []string{`{"zip":"75001","amount":"10.5"}`, `{"zip":"2A004","amount":"4"}`} {
		f, err := Flatten(json.RawMessage(raw), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		tb.Upsert([]Row{{Key: string(rune('a' + i)), Fields: f}})
	}
	_ = tb.Read(func(v View) error {
		if c, _ := v.Column("amount"); c.Kind != Number || c.Nums[0] != 10.5 {
			t.Errorf("amount = %+v", c)
		}
		if c, _ := v.Column("zip"); c.Kind != String || c.Dict[c.Codes[0]] != "75001" {
			t.Errorf("zip = %+v", c)
		}
		return nil
	})
}
