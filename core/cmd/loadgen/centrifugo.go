package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// centrifugoTarget drives a Centrifugo server (`fanout -against BINARY`):
// the same shapes, subscribers, reader and figures on the same machine,
// so that the latency rows, which depend on the machine far more than on
// either server, can be compared. Centrifugo runs with an in-memory
// history per channel (so each publication carries an offset, its seq)
// and its clients unauthenticated; it journals nothing to disk, where
// switchyard commits every event before delivering it.
type centrifugoTarget struct{}

const centrifugoKey = "loadgen-api-key"

// startCentrifugo writes a configuration into dir and starts bin on a
// free loopback port.
func startCentrifugo(ctx context.Context, bin, dir string) (*centrifugoTarget, *server, error) {
	addr := freeAddr()
	host, port, _ := strings.Cut(addr, ":")
	portN, _ := strconv.Atoi(port)
	cfg := map[string]any{
		"log":         map[string]any{"level": "error"},
		"http_server": map[string]any{"address": host, "port": portN},
		"http_api":    map[string]any{"key": centrifugoKey},
		"health":      map[string]any{"enabled": true},
		"client": map[string]any{
			"insecure": true,
			// No application pings within a run: the load generator's
			// reader answers only WebSocket pings.
			"ping_interval": "300s", "pong_timeout": "60s",
		},
		"channel": map[string]any{"without_namespace": map[string]any{"history_size": 10000, "history_ttl": "600s"}},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, "centrifugo.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, nil, err
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--config", path)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	srv := &server{cmd: cmd, addr: addr}
	if !srv.answers("/health", 30*time.Second) {
		srv.stop()
		return nil, nil, fmt.Errorf("centrifugo on %s never became healthy", addr)
	}
	return &centrifugoTarget{}, srv, nil
}

// dial connects and subscribes to the organization's channel, and
// returns once the subscription is confirmed.
func (centrifugoTarget) dial(addr string, org, rcvbuf int) (*wsConn, error) {
	w, err := dialWS(addr, "/connection/websocket", rcvbuf)
	if err != nil {
		return nil, err
	}
	if err := w.send(0x1, []byte(`{"id":1,"connect":{}}`+"\n"+`{"id":2,"subscribe":{"channel":"`+fanoutSlug(org)+`"}}`)); err != nil {
		w.close()
		return nil, err
	}
	for {
		p, err := w.next(nil)
		if err != nil {
			w.close()
			return nil, err
		}
		for _, m := range bytes.Split(p, []byte("\n")) {
			if bytes.Contains(m, []byte(`"error"`)) {
				w.close()
				return nil, fmt.Errorf("centrifugo: %s", m)
			}
			if bytes.HasPrefix(m, []byte(`{"id":2,`)) {
				return w, nil
			}
		}
	}
}

func (centrifugoTarget) live(*wsConn) error { return nil }

func (centrifugoTarget) publish(req *fasthttp.Request, addr string, org int, sent int64, batch int, pad string) {
	data := fmt.Sprintf(`{"type":"custom.load","sent":%d,"org":%d,"pad":"%s"}`, sent, org, pad)
	pub := `{"channel":"` + fanoutSlug(org) + `","data":` + data + `}`
	req.Header.SetMethod("POST")
	req.Header.Set("X-API-Key", centrifugoKey)
	req.Header.SetContentType("application/json")
	if batch == 1 {
		req.SetRequestURI("http://" + addr + "/api/publish")
		req.SetBodyString(pub)
		return
	}
	var body strings.Builder
	body.WriteString(`{"commands":[`)
	for i := range batch {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(`{"publish":` + pub + `}`)
	}
	body.WriteString(`]}`)
	req.SetRequestURI("http://" + addr + "/api/batch")
	req.SetBodyString(body.String())
}

// accepted: Centrifugo answers 200 with an "error" member when a command
// failed.
func (centrifugoTarget) accepted(resp *fasthttp.Response) bool {
	return resp.StatusCode() == 200 && !bytes.Contains(resp.Body(), []byte(`"error"`))
}

func (centrifugoTarget) seqKey() []byte { return keyOffset }

var keyOffset = []byte(`"offset"`)
