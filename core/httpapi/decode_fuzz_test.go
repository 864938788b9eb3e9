package httpapi

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeBody feeds arbitrary bodies to the strict decoder: it never
// panics, every refusal is a 4xx API error naming what is wrong, and every
// acceptance satisfies the struct's rules.
func FuzzDecodeBody(f *testing.F) {
	seeds := []string{
		`{"email":"a@b.co","password":"password1","name":"Ada"}`,
		`{"email":"a@b.co","password":"password1"}`,
		`{"email":1}`,
		`{"email":"a@b.co","password":"password1","name":"Ada","x":1}`,
		`{"email":"a@b.co","password":"password1","name":"Ada"} []`,
		`[]`, `null`, `"str"`, `{`, `{"name":"\u0000"}`, ``, ` `,
		`{"email":"a@b.co","password":"password1","name":"` + string(make([]byte, 200)) + `"}`,
	}
	for _, s := range seeds {
		f.Add("application/json", []byte(s))
	}
	f.Add("text/plain", []byte(`{}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var req registerRequest
		err := decodeBody(contentType, body, &req)
		if err == nil {
			if req.Email == "" || req.Password == "" || req.Name == "" {
				t.Fatalf("accepted a body with a missing field: %q", body)
			}
			if utf8.RuneCountInString(req.Name) > 100 || len(req.Password) > 512 {
				t.Fatalf("accepted an oversized field: %q", body)
			}
			return
		}
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("non-API error %T %v for %q", err, err, body)
		}
		if ae.Status < 400 || ae.Status > 499 || ae.Code == "" || ae.Message == "" {
			t.Fatalf("refusal %+v for %q", ae, body)
		}
	})
}
