package analyticsplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/switchyard/switchyard/sdk"
)

// routes serves the plugin's HTTP API, below
// /api/v1/orgs/{org}/plugins/analytics/http:
//
//	POST   /query               a query; the answer
//	GET    /sources             sources and their columns
//	GET    /panels              the panels
//	POST   /panels              create a panel {title, chart, query, position?}
//	GET    /panels/{id}         one panel
//	PUT    /panels/{id}         replace it
//	DELETE /panels/{id}         delete it
//	GET    /panels/{id}/data    its query's answer
//	GET    /metrics             the latest usage reading
func (p *Plugin) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, status int, fn func(ctx context.Context, ts *tenant, r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			t, ok := sdk.TenantFrom(r.Context())
			if !ok {
				writeError(w, sdk.Errorf(sdk.ErrPermission, "no tenant"))
				return
			}
			ts, err := p.tenant(t)
			var out any
			if err == nil {
				out, err = fn(r.Context(), ts, r)
			}
			if err != nil {
				writeError(w, err)
				return
			}
			if out == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			writeJSON(w, status, out)
		})
	}
	h("POST /query", 200, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		raw, err := body(r)
		if err != nil {
			return nil, err
		}
		q, err := decodeQuery(raw, "query")
		if err != nil {
			return nil, err
		}
		return p.run(ctx, ts, q)
	})
	h("GET /sources", 200, func(ctx context.Context, ts *tenant, _ *http.Request) (any, error) {
		return p.sources(ctx, ts)
	})
	h("GET /panels", 200, func(ctx context.Context, ts *tenant, _ *http.Request) (any, error) {
		ps, err := p.panels(ctx, ts)
		return map[string]any{"items": ps}, err
	})
	save := func(ctx context.Context, ts *tenant, r *http.Request, id string) (any, error) {
		raw, err := body(r)
		if err != nil {
			return nil, err
		}
		var in panelInput
		dec := json.NewDecoder(bytesReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, sdk.Errorf(sdk.ErrInvalidInput, "body: %v", err)
		}
		in.ID = id
		return p.savePanel(ctx, ts, in)
	}
	h("POST /panels", 201, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		return save(ctx, ts, r, "")
	})
	h("GET /panels/{id}", 200, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		return p.panel(ctx, ts, r.PathValue("id"))
	})
	h("PUT /panels/{id}", 200, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		return save(ctx, ts, r, r.PathValue("id"))
	})
	h("DELETE /panels/{id}", 204, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		return nil, p.deletePanel(ctx, ts, r.PathValue("id"))
	})
	h("GET /panels/{id}/data", 200, func(ctx context.Context, ts *tenant, r *http.Request) (any, error) {
		pn, err := p.panel(ctx, ts, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return p.run(ctx, ts, pn.Query)
	})
	h("GET /metrics", 200, func(ctx context.Context, ts *tenant, _ *http.Request) (any, error) {
		return p.currentMetrics(ctx, ts)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, sdk.Errorf(sdk.ErrNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// body reads a JSON request body of at most 256 KiB.
func body(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 256<<10+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(raw) > 256<<10 {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "the body is larger than 256 KiB")
	}
	return raw, nil
}

// writeError answers {"error":{"code","message","field"}} with the status
// of the error's code.
func writeError(w http.ResponseWriter, err error) {
	e := map[string]any{"code": string(sdk.CodeOf(err)), "message": err.Error()}
	var fe *fieldError
	if errors.As(err, &fe) {
		e["field"] = fe.field
	}
	writeJSON(w, sdk.CodeOf(err).HTTPStatus(), map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Invoke implements sdk.Plugin: the actions.
func (p *Plugin) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	ts, err := p.tenant(req.Tenant)
	if err != nil {
		return nil, err
	}
	var out any
	switch req.Action {
	case "query":
		q, qerr := decodeQuery(req.Input, "query")
		if qerr != nil {
			return nil, qerr
		}
		out, err = p.run(ctx, ts, q)
	case "sources":
		out, err = p.sources(ctx, ts)
	case "panels":
		var ps []Panel
		ps, err = p.panels(ctx, ts)
		out = map[string]any{"items": ps}
	case "panel_save":
		var in panelInput
		if err := json.Unmarshal(req.Input, &in); err != nil {
			return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
		}
		out, err = p.savePanel(ctx, ts, in)
	case "panel_delete", "panel_data":
		var in struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(req.Input, &in); err != nil {
			return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
		}
		if req.Action == "panel_delete" {
			err = p.deletePanel(ctx, ts, in.ID)
			out = map[string]any{"deleted": in.ID}
		} else {
			var pn Panel
			if pn, err = p.panel(ctx, ts, in.ID); err == nil {
				out, err = p.run(ctx, ts, pn.Query)
			}
		}
	case "metrics":
		out, err = p.currentMetrics(ctx, ts)
	default:
		return nil, sdk.Errorf(sdk.ErrNotFound, "no action %q", req.Action)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
