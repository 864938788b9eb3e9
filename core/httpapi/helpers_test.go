package httpapi_test

import (
	"github.com/switchyard/switchyard/core/auth"
	"net/url"
	"strconv"
)

func itoa(i int) string         { return strconv.Itoa(i) }
func urlEscape(s string) string { return url.PathEscape(s) }

func platformKey() auth.NewAPIKey { return auth.NewAPIKey{Name: "ops", CreatedBy: "test"} }
