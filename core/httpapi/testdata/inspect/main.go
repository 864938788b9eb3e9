// Command inspect is a test plugin whose HTTP handler answers with what it
// received: headers, tenant and actor, so tests can check what the core's
// passthrough lets through.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

type inspect struct{}

func (inspect) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name: "inspect", Version: "1.0.0", Description: "Shows what its HTTP routes receive.", Publisher: "Switchyard tests",
		Actions:      []sdk.Action{{Name: "admin-only", Permission: "plugins:configure", Input: json.RawMessage(`{"type":"object"}`)}},
		ConfigSchema: json.RawMessage(`{"type":"object"}`),
		HTTP:         true,
	}
}

func (inspect) Configure(context.Context, sdk.Tenant, json.RawMessage) error { return nil }

func (inspect) Invoke(context.Context, sdk.Request) (json.RawMessage, error) {
	return json.RawMessage(`{"ok":true}`), nil
}

func (inspect) HTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized": // a body whose length the plugin announces
			w.Header().Set("Content-Length", "11")
			_, _ = w.Write([]byte("hello world"))
			return
		case "/short": // announces more than it sends
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("only this"))
			return
		case "/drip": // a first part at once, the rest after a while
			_, _ = w.Write([]byte("first\n"))
			w.(http.Flusher).Flush()
			time.Sleep(3 * time.Second)
			_, _ = w.Write([]byte("second\n"))
			return
		}
		t, _ := sdk.TenantFrom(r.Context())
		a, _ := sdk.ActorFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=stolen")
		w.Header().Set("X-Plugin", "inspect")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"path": r.URL.Path, "query": r.URL.RawQuery, "method": r.Method,
			"headers": r.Header, "tenant": t, "actor": a,
		})
	})
}

func main() {
	if err := sdk.Serve(inspect{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
