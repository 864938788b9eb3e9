package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchyard/switchyard/sdk"
)

// loadPlugin is the plugin `loadgen fanout -via plugin` installs in every
// organization: loadgen's own binary, started by the core as a plugin
// (main serves it when the core's handshake cookie is set). Its "emit"
// job publishes load.tick events through the host at a given rate, with
// the SDK's batching Publisher, each carrying its send time, so the fan-out
// is measured through a plugin's path: host checks, journal, hub.
type loadPlugin struct{ host *sdk.Host }

func (p *loadPlugin) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name:        "loadgen",
		Version:     "1.0.0",
		Description: "Publishes timestamped load.tick events at a rate, for the fan-out benchmark.",
		Publisher:   "Switchyard",
		Actions: []sdk.Action{{
			Name:        "emit",
			Description: "Publishes rate events per second for seconds seconds.",
			Input: json.RawMessage(`{"type":"object","properties":{"org":{"type":"integer","minimum":0},` +
				`"rate":{"type":"integer","minimum":1,"maximum":100000},"seconds":{"type":"integer","minimum":1,"maximum":600}},` +
				`"required":["org","rate","seconds"],"additionalProperties":false}`),
			Output:     json.RawMessage(`{"type":"object","properties":{"published":{"type":"integer"}},"required":["published"]}`),
			Permission: "plugins:run",
			Job:        true,
		}},
		EventTypes:   []string{"load.tick"},
		ConfigSchema: json.RawMessage(`{"type":"object"}`),
	}
}

func (p *loadPlugin) Init(_ context.Context, h *sdk.Host) error {
	p.host = h
	return nil
}

func (p *loadPlugin) Configure(context.Context, sdk.Tenant, json.RawMessage) error { return nil }

func (p *loadPlugin) Invoke(_ context.Context, req sdk.Request) (json.RawMessage, error) {
	return nil, sdk.Errorf(sdk.ErrNotFound, "no action %q", req.Action)
}

// RunJob publishes the events, paced, and reports how many the host took.
func (p *loadPlugin) RunJob(ctx context.Context, job sdk.Job, _ sdk.Progress) (json.RawMessage, error) {
	var in struct{ Org, Rate, Seconds int }
	if err := json.Unmarshal(job.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	pub := p.host.NewPublisher(ctx, sdk.PublisherOptions{Linger: time.Millisecond})
	interval := time.Second / time.Duration(in.Rate)
	end := time.Now().Add(time.Duration(in.Seconds) * time.Second)
	next := time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		err := pub.Publish(ctx, job.Tenant, sdk.Event{Type: "load.tick", Data: map[string]int64{"sent": time.Now().UnixNano(), "org": int64(in.Org)}})
		if err != nil {
			return nil, err
		}
	}
	if err := pub.Close(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]uint64{"published": pub.Stats().Accepted})
}

// loadCatalog packs loadgen's own binary as the loadgen plugin into a
// catalog under dir, signed with a key made for the run, with the
// switchyard binary's own commands. It returns the catalog and the public
// key the server must trust.
func loadCatalog(ctx context.Context, bin, dir string) (catalog, pub string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	catalog, key := filepath.Join(dir, "catalog"), filepath.Join(dir, "publisher.key")
	run := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("switchyard %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	if pub, err = run("plugin", "keygen", "--out", key); err != nil {
		return "", "", err
	}
	if _, err := run("plugin", "pack", "--catalog", catalog, "--binary", exe); err != nil {
		return "", "", err
	}
	if _, err := run("plugin", "sign", "--catalog", catalog, "--key", key); err != nil {
		return "", "", err
	}
	return catalog, pub, nil
}

// apiCall sends one JSON request to the core as the bearer of token and
// decodes a 2xx answer into out (when not nil).
func apiCall(ctx context.Context, addr, method, path, token, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+"/api/v1"+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// installLoadPlugin installs the loadgen plugin in every organization as
// its owner and returns the owners' tokens.
func installLoadPlugin(ctx context.Context, addr string, orgs int) ([]string, error) {
	tokens := make([]string, orgs)
	for org := range orgs {
		now := time.Now()
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "switchyard", "sub": ownerID(org), "sid": "loadgen", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}).SignedString([]byte(loadgenSecret))
		if err != nil {
			return nil, err
		}
		tokens[org] = tok
		if err := apiCall(ctx, addr, "POST", "/orgs/"+fanoutSlug(org)+"/plugins", tok, `{"name":"loadgen"}`, nil); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// emitViaPlugin starts an "emit" job in every organization for its share
// of the rate until ctx's deadline, waits for them and counts what each
// published.
func emitViaPlugin(ctx context.Context, addr string, o fanoutOpts, tokens []string, published []atomic.Int64) error {
	deadline, _ := ctx.Deadline()
	seconds := max(int(time.Until(deadline).Round(time.Second).Seconds()), 1)
	bg := context.WithoutCancel(ctx)
	jobs := make([]string, o.orgs)
	for org := range o.orgs {
		var job struct{ ID string }
		in := fmt.Sprintf(`{"kind":"emit","input":{"org":%d,"rate":%d,"seconds":%d}}`, org, o.rate/o.orgs, seconds)
		if err := apiCall(bg, addr, "POST", "/orgs/"+fanoutSlug(org)+"/plugins/loadgen/jobs", tokens[org], in, &job); err != nil {
			return err
		}
		jobs[org] = job.ID
	}
	for org, id := range jobs {
		for {
			var j struct {
				Status string
				Error  string
				Result struct{ Published int64 }
			}
			if err := apiCall(bg, addr, "GET", "/orgs/"+fanoutSlug(org)+"/jobs/"+id, tokens[org], "", &j); err != nil {
				return err
			}
			if j.Status == "succeeded" {
				published[org].Store(j.Result.Published)
				break
			}
			if j.Status == "failed" || j.Status == "cancelled" {
				return fmt.Errorf("emit job of %s: %s %s", fanoutSlug(org), j.Status, j.Error)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}
