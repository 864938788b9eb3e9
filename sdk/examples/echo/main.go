package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

func main() {
	if err := sdk.Serve(&echo{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// echo serves every tenant from one value. It keeps nothing per tenant
// itself: the sdk hands it each tenant's config with every call.
type echo struct {
	host *sdk.Host
}

// config is the per-tenant config, as its schema in the manifest describes.
type config struct {
	Greeting string `json:"greeting"`
}

func (e *echo) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name:        "echo",
		Version:     "1.0.0",
		Description: "Echoes input back, counts in a job and greets over HTTP.",
		Publisher:   "Switchyard",
		Actions: []sdk.Action{
			{
				Name:        "echo",
				Description: "Returns the message it was given.",
				Input:       json.RawMessage(`{"type":"object","properties":{"message":{"type":"string","maxLength":1000}},"required":["message"],"additionalProperties":false}`),
				Output:      json.RawMessage(`{"type":"object","properties":{"message":{"type":"string"},"greeting":{"type":"string"}},"required":["message"]}`),
			},
			{
				Name:        "count",
				Description: "Counts to n, reporting progress and emitting a sync.update event per step.",
				Input:       json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":100000},"delay_ms":{"type":"integer","minimum":0,"maximum":1000}},"required":["n"]}`),
				Output:      json.RawMessage(`{"type":"object","properties":{"counted":{"type":"integer"}},"required":["counted"]}`),
				Permission:  "plugins:run",
				Job:         true,
			},
			{
				Name:        "count_later",
				Description: "Submits a count job of the plugin's own to the core, as a schedule would, and returns its id.",
				Input:       json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":100000}},"required":["n"],"additionalProperties":false}`),
				Output:      json.RawMessage(`{"type":"object","properties":{"job_id":{"type":"string"}},"required":["job_id"]}`),
				Permission:  "plugins:run",
			},
		},
		EventTypes:   []string{"sync.update", "notification"},
		ConfigSchema: json.RawMessage(`{"type":"object","properties":{"greeting":{"type":"string","maxLength":100}},"additionalProperties":false}`),
		HTTP:         true,
	}
}

func (e *echo) Init(_ context.Context, host *sdk.Host) error {
	e.host = host
	return nil
}

func (e *echo) Configure(ctx context.Context, t sdk.Tenant, raw json.RawMessage) error {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return sdk.Errorf(sdk.ErrInvalidInput, "config: %v", err)
	}
	e.host.Logger().InfoContext(ctx, "configured", "greeting", c.Greeting)
	return nil
}

func (e *echo) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	if req.Action == "count_later" {
		// The core records the job and calls RunJob for it, like for a
		// job a user started.
		id, err := e.host.SubmitJob(ctx, req.Tenant, sdk.JobSubmission{Kind: "count", Input: req.Input, Reason: "count-later"})
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"job_id": id})
	}
	var in struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(req.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	var c config
	_ = json.Unmarshal(req.Config, &c) // validated by its schema at Configure
	return json.Marshal(map[string]string{"message": in.Message, "greeting": c.Greeting})
}

// RunJob counts to n. The sdk reports running, progress and the end; the job
// also emits a sync.update event per step for the tenant's dashboards.
func (e *echo) RunJob(ctx context.Context, job sdk.Job, progress sdk.Progress) (json.RawMessage, error) {
	var in struct {
		N       int64 `json:"n"`
		DelayMS int   `json:"delay_ms"`
	}
	if err := json.Unmarshal(job.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	pub := e.host.NewPublisher(ctx, sdk.PublisherOptions{})
	defer func() { _ = pub.Close(context.WithoutCancel(ctx)) }()
	progress.SetTotal(in.N)
	for i := int64(1); i <= in.N; i++ {
		if err := sleep(ctx, time.Duration(in.DelayMS)*time.Millisecond); err != nil {
			return nil, err
		}
		progress.Report(i, in.N)
		err := pub.Publish(ctx, job.Tenant, sdk.Event{Type: "sync.update", Data: map[string]any{
			"task_id": job.ID, "status": "running", "progress": i * 100 / in.N, "processed_items": i, "total_items": in.N,
		}})
		if err != nil {
			return nil, err
		}
	}
	if err := pub.Flush(ctx); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]int64{"counted": in.N})
}

// HTTPHandler serves GET /hello and POST /upload (which counts the bytes of
// a body of any size, streaming).
func (e *echo) HTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		t, _ := sdk.TenantFrom(r.Context())
		a, _ := sdk.ActorFrom(r.Context())
		var c config
		if raw, ok := sdk.ConfigFrom(r.Context()); ok {
			_ = json.Unmarshal(raw, &c)
		}
		greeting := c.Greeting
		if greeting == "" {
			greeting = "Hello"
		}
		name := strings.TrimSpace(r.URL.Query().Get("name"))
		if name == "" {
			name = a.UserID
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = fmt.Fprintf(w, "%s, %s of %s\n", greeting, name, t.Slug) //nolint:gosec // plain text, not sniffed as HTML
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"bytes": n})
	})
	return mux
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
