package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchyard/switchyard/core/auth"
)

// fanoutTarget is the server a fan-out run measures: a switchyard core,
// or Centrifugo for a comparison on the same machine and the same day.
type fanoutTarget interface {
	// dial opens a subscriber socket that receives organization org's
	// events once the server has confirmed the subscription.
	dial(addr string, org, rcvbuf int) (*wsConn, error)
	// live is called for every socket once all are connected.
	live(w *wsConn) error
	// publish fills req with one publish call of batch events for org,
	// each carrying sent (its due time) and pad.
	publish(req *fasthttp.Request, addr string, org int, sent int64, batch int, pad string)
	// accepted reports whether the answer means every event was taken.
	accepted(resp *fasthttp.Response) bool
	// seqKey names the field of a delivered frame that numbers the
	// organization's events in order.
	seqKey() []byte
}

// switchyardTarget drives a core through its socket ticket and publish API.
type switchyardTarget struct {
	svc  *auth.Service
	keys []string // each organization's API key
}

// startSwitchyard migrates and seeds a database in dir and serves it.
func startSwitchyard(ctx context.Context, o fanoutOpts, dir string) (*switchyardTarget, *server, string, error) {
	if err := migrate(ctx, o.bin, dir); err != nil {
		return nil, nil, "", err
	}
	svc, keys, err := seedFanout(ctx, dir, o.orgs)
	if err != nil {
		return nil, nil, "", err
	}
	env := map[string]string{
		"SWITCHYARD_QUOTA_SOCKETS":        strconv.Itoa(o.subs + 10),
		"SWITCHYARD_QUOTA_EVENTS_PER_SEC": "10000000",
		"SWITCHYARD_BODY_LIMIT":           "8388608",
	}
	if o.via == "plugin" {
		cat, pub, err := loadCatalog(ctx, o.bin, dir)
		if err != nil {
			return nil, nil, "", err
		}
		env["SWITCHYARD_CATALOG"], env["SWITCHYARD_TRUSTED_KEYS"] = cat, pub
	}
	metricsAddr := ""
	if o.profile != "" || o.slow > 0 {
		metricsAddr = freeAddr()
		env["SWITCHYARD_METRICS_ADDR"] = metricsAddr
	}
	srv, err := startServerEnv(ctx, o.bin, dir, env)
	if err != nil {
		return nil, nil, "", err
	}
	return &switchyardTarget{svc: svc, keys: keys}, srv, metricsAddr, nil
}

func (t *switchyardTarget) dial(addr string, org, rcvbuf int) (*wsConn, error) {
	ticket, _, err := t.svc.IssueTicket(ownerID(org), "loadgen-session", fanoutOrgID(org))
	if err != nil {
		return nil, err
	}
	w, err := dialWS(addr, "/api/v1/orgs/"+fanoutSlug(org)+"/ws?ticket="+ticket, rcvbuf)
	if err != nil {
		return nil, err
	}
	if _, err := w.next(nil); err != nil { // connection_status
		w.close()
		return nil, err
	}
	return w, nil
}

// live sends a first message, which ends the socket's hold on live events.
func (t *switchyardTarget) live(w *wsConn) error { return w.send(0x1, []byte(`{"type":"ping"}`)) }

func (t *switchyardTarget) publish(req *fasthttp.Request, addr string, org int, sent int64, batch int, pad string) {
	var body strings.Builder
	body.WriteString(`{"events":[`)
	for i := range batch {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"type":"custom.load","data":{"sent":%d,"org":%d,"pad":"%s"}}`, sent, org, pad)
	}
	body.WriteString(`]}`)
	req.Header.SetMethod("POST")
	req.SetRequestURI("http://" + addr + "/api/v1/orgs/" + fanoutSlug(org) + "/events")
	req.Header.Set("Authorization", "Bearer "+t.keys[org])
	req.Header.SetContentType("application/json")
	req.SetBodyString(body.String())
}

func (t *switchyardTarget) accepted(resp *fasthttp.Response) bool { return resp.StatusCode() == 201 }

func (t *switchyardTarget) seqKey() []byte { return keySeq }
