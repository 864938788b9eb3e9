package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"gorm.io/gorm"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
)

// fanoutOpts describe one fan-out measurement.
type fanoutOpts struct {
	bin      string
	orgs     int
	subs     int
	rate     int
	batch    int
	peak     bool
	idle     bool
	slow     int
	duration time.Duration
	pubConns int
	profile  string
	selfProf string
	payload  int
	via      string
	against  string
}

// runFanout connects subs sockets spread over orgs organizations, publishes
// events through the publish API at rate events/s (or as fast as it can
// with -peak), and reports connections, delivery rate, publish→receive
// latency, losses, isolation and server cost.
func runFanout(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	var o fanoutOpts
	fs.StringVar(&o.bin, "bin", "bin/switchyard", "switchyard binary")
	fs.IntVar(&o.orgs, "orgs", 1, "organizations")
	fs.IntVar(&o.subs, "subs", 1000, "subscriber sockets in all")
	fs.IntVar(&o.rate, "rate", 100, "events per second in all (ignored with -peak)")
	fs.IntVar(&o.batch, "batch", 1, "events per publish call")
	fs.BoolVar(&o.peak, "peak", false, "publish as fast as the server accepts")
	fs.BoolVar(&o.idle, "idle", false, "only connect the sockets and measure their memory")
	fs.IntVar(&o.slow, "slow", 0, "subscribers that stop reading (they should be cut, the others unaffected)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "publishing time")
	fs.IntVar(&o.pubConns, "publishers", 4, "concurrent publish connections")
	fs.StringVar(&o.via, "via", "api", "publish through the publish API (api) or from a plugin process through the host (plugin)")
	fs.IntVar(&o.payload, "payload", 0, "bytes of padding in each event's data (a heavier event)")
	fs.StringVar(&o.against, "against", "", "measure this Centrifugo binary instead of switchyard, for a comparison on the same machine (history in memory, no authentication)")
	fs.StringVar(&o.profile, "profile", "", "write the server's CPU profile of the publishing window to this file")
	fs.StringVar(&o.selfProf, "loadgen-profile", "", "write the load generator's own CPU profile of the publishing window to this file")
	_ = fs.Parse(args)
	if o.orgs < 1 || o.subs < o.orgs {
		return errors.New("need at least one subscriber per organization")
	}
	if o.via != "api" && o.via != "plugin" {
		return errors.New("-via is api or plugin")
	}
	if o.via == "plugin" && (o.peak || o.rate < o.orgs || o.payload > 0 || o.batch > 1) {
		return errors.New("-via plugin takes a -rate of at least one event per organization, without -peak, -batch or -payload")
	}
	if o.against != "" && (o.via != "api" || o.slow > 0 || o.profile != "") {
		return errors.New("-against takes neither -via plugin, -slow nor -profile")
	}

	dir, err := os.MkdirTemp("", "switchyard-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var (
		tgt         fanoutTarget
		srv         *server
		metricsAddr string
	)
	if o.against != "" {
		tgt, srv, err = startCentrifugo(ctx, o.against, dir)
	} else {
		tgt, srv, metricsAddr, err = startSwitchyard(ctx, o, dir)
	}
	if err != nil {
		return err
	}
	defer srv.stop()
	time.Sleep(500 * time.Millisecond)
	rss0 := srv.rssKiB()

	// Connect.
	socks := make([]*subscriber, o.subs)
	connProf := make(chan error, 1)
	if o.idle && o.profile != "" {
		go func() { connProf <- captureProfile(metricsAddr, o.profile+".connect", 3*time.Second) }()
	} else {
		connProf <- nil
	}
	start := time.Now()
	dialErr := connectAll(socks, func(i int) (*subscriber, error) {
		org := i % o.orgs
		rcvbuf := 0
		if i < o.slow {
			rcvbuf = 4096
		}
		w, err := tgt.dial(srv.addr, org, rcvbuf)
		if err != nil {
			return nil, err
		}
		return &subscriber{w: w, org: org, slow: i < o.slow, seqKey: tgt.seqKey()}, nil
	})
	connectTime := time.Since(start)
	if err := <-connProf; err != nil {
		fmt.Println("profile:", err)
	}
	if dialErr != nil {
		return fmt.Errorf("connecting: %w", dialErr)
	}
	for _, s := range socks {
		if err := tgt.live(s.w); err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second)
	rss1 := srv.rssKiB()
	fmt.Printf("connections held   %d in %d organizations, connected in %s\n", o.subs, o.orgs, connectTime.Round(time.Millisecond))
	fmt.Printf("server RSS         %.1f KiB per connection (%d MiB idle before, %d MiB with the sockets)\n",
		float64(rss1-rss0)/float64(o.subs), rss0/1024, rss1/1024)
	if o.idle {
		if o.profile != "" {
			if err := captureURL("http://"+metricsAddr+"/metrics", o.profile+".metrics"); err != nil {
				return err
			}
			return captureURL("http://"+metricsAddr+"/debug/pprof/heap", o.profile)
		}
		return nil
	}

	var ownerTokens []string
	if o.via == "plugin" {
		if ownerTokens, err = installLoadPlugin(ctx, srv.addr, o.orgs); err != nil {
			return err
		}
	}

	t := newTally(runtime.GOMAXPROCS(0))
	// Slow subscribers read on goroutines of their own, so that they can
	// stall; the others are read by the poller.
	readers := sync.WaitGroup{}
	for _, s := range socks[:o.slow] {
		s.stall() // before its reader starts, which checks it
		readers.Add(1)
		go func() {
			defer readers.Done()
			s.read(t.shard(0)) // a stalled reader counts nothing
		}()
	}
	poll, err := newPollReader(socks[o.slow:], t)
	if err != nil {
		return fmt.Errorf("reading the sockets: %w", err)
	}

	// Publish.
	client := &fasthttp.HostClient{Addr: srv.addr, MaxConns: o.pubConns, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	published := make([]atomic.Int64, o.orgs)
	pubHist := newHistogram()
	var pubFail atomic.Int64
	pubCtx, stopPub := context.WithTimeout(ctx, o.duration)
	defer stopPub()
	cpu0, self0, timeouts0, writes0 := srv.cpuSeconds(), selfCPU(), tcpTimeouts(), srv.writeCalls()
	pubStart := time.Now()
	profDone := make(chan error, 1)
	if o.profile != "" {
		go func() { profDone <- captureProfile(metricsAddr, o.profile, o.duration-time.Second) }()
	} else {
		profDone <- nil
	}
	if o.selfProf != "" {
		stopSelf, err := profileSelf(o.selfProf)
		if err != nil {
			return err
		}
		defer stopSelf()
	}
	pad := strings.Repeat("x", o.payload)
	// owed counts the deliveries due for what was published so far.
	var owed atomic.Int64
	perOrg := make([]int, o.orgs)
	for _, s := range socks[o.slow:] {
		perOrg[s.org]++
	}
	window := int64(2 * o.batch * o.pubConns * (o.subs - o.slow))
	var pubs sync.WaitGroup
	var seq atomic.Int64
	interval := time.Duration(0)
	if !o.peak {
		interval = time.Duration(float64(time.Second) * float64(o.batch) / float64(o.rate) * float64(o.pubConns))
	}
	if o.via == "plugin" {
		// Each organization's plugin job paces its own share of the rate.
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			if err := emitViaPlugin(pubCtx, srv.addr, o, ownerTokens, published); err != nil {
				fmt.Println("plugin:", err)
				pubFail.Add(1)
			}
		}()
	}
	for p := range o.pubConns {
		if o.via == "plugin" {
			break
		}
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			next := time.Now().Add(time.Duration(p) * interval / time.Duration(o.pubConns))
			for pubCtx.Err() == nil {
				// Latency counts from when the event was due, not from
				// when the publisher got to it: a publisher held up by a
				// slow answer does not hide the delay from the figures.
				due := time.Now()
				if interval > 0 {
					time.Sleep(time.Until(next))
					due, next = next, next.Add(interval)
				}
				// At peak, publishing waits while the readers are more
				// than two rounds of batches behind: the rate measured is
				// what the sockets take, not what a queue absorbs until
				// the server cuts its readers as too slow.
				for o.peak && owed.Load()-t.received() > window && pubCtx.Err() == nil {
					time.Sleep(200 * time.Microsecond)
				}
				if interval == 0 {
					due = time.Now()
				}
				n := seq.Add(1)
				org := int(n) % o.orgs
				sent := due.UnixNano()
				req.Reset()
				tgt.publish(req, srv.addr, org, sent, o.batch, pad)
				t0 := time.Now()
				err := client.Do(req, resp)
				pubHist.add(time.Since(t0))
				if err != nil || !tgt.accepted(resp) {
					pubFail.Add(1)
					continue
				}
				published[org].Add(int64(o.batch))
				owed.Add(int64(o.batch * perOrg[org]))
			}
		}()
	}
	pubs.Wait()
	pubWindow := time.Since(pubStart)
	if err := <-profDone; err != nil {
		fmt.Println("profile:", err)
	}

	// Expected deliveries: every event of a socket's organization, for the
	// sockets that kept reading.
	var expected int64
	for _, s := range socks {
		if !s.slow {
			expected += published[s.org].Load()
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for t.received() < expected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	drain := time.Since(pubStart)
	for _, s := range socks[:o.slow] {
		close(s.stalled)
	}
	time.Sleep(500 * time.Millisecond)
	cpu, self, timeouts, writes := srv.cpuSeconds()-cpu0, selfCPU()-self0, tcpTimeouts()-timeouts0, srv.writeCalls()-writes0
	var total int64
	for i := range published {
		total += published[i].Load()
	}
	poll.close()
	readers.Wait()
	cut := 0
	if o.slow > 0 {
		// The server's own count of the sockets it cut as too slow.
		if cut, err = slowCut(metricsAddr); err != nil {
			return err
		}
	}
	for _, s := range socks {
		s.w.close()
	}

	if o.via == "plugin" {
		fmt.Printf("published          %d events in %s (%.0f/s) by the loadgen plugin's jobs, one per organization\n",
			total, pubWindow.Round(time.Millisecond), float64(total)/pubWindow.Seconds())
	} else {
		fmt.Printf("published          %d events in %s (%.0f/s), %d failed calls; publish call p50 %s p99 %s max %s\n",
			total, pubWindow.Round(time.Millisecond), float64(total)/pubWindow.Seconds(), pubFail.Load(), pubHist.q(0.5), pubHist.q(0.99), pubHist.max())
	}
	return t.report(outcome{
		expected: expected, window: drain, cut: cut, slow: o.slow,
		from:      map[string]string{"api": "the event's due time on the publishing schedule", "plugin": "the plugin's Publish"}[o.via],
		serverCPU: cpu, selfCPU: self, timeouts: timeouts, writes: writes,
	})
}

// connectAll fills socks with dial(i) for every i, 256 dials at a time,
// and returns the first error (the sockets that did connect stay in socks).
func connectAll(socks []*subscriber, dial func(i int) (*subscriber, error)) error {
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, 256)
	for i := range socks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := dial(i)
			if err != nil {
				once.Do(func() { first = fmt.Errorf("socket %d: %w", i, err) })
				return
			}
			socks[i] = s
		}()
	}
	wg.Wait()
	return first
}

// outcome is what a run measured besides what its subscribers read.
type outcome struct {
	expected  int64         // deliveries due
	window    time.Duration // from the first publish to the last frame read
	from      string        // what latency counts from
	cut, slow int           // slow sockets the server cut, of those that stalled
	serverCPU float64       // seconds, over the window
	selfCPU   float64       // the load generator's, likewise
	timeouts  int64         // TCP retransmission timeouts meanwhile
	writes    int64         // the server's write calls, likewise
}

// report prints deliveries, latency, losses and cost, and fails when a
// delivery is missing, doubled or crossed organizations.
func (t *tally) report(o outcome) error {
	got := t.received()
	fmt.Printf("delivered          %d of %d expected (%.0f/s over %s)\n", got, o.expected, float64(got)/o.window.Seconds(), o.window.Round(time.Millisecond))
	lat := t.latency()
	dupes, foreign := t.sum(func(c *counts) int64 { return c.dupes.Load() }), t.sum(func(c *counts) int64 { return c.foreign.Load() })
	fmt.Printf("latency            p50 %s   p99 %s   max %s   (%s → frame read)\n", lat.q(0.5), lat.q(0.99), lat.max(), o.from)
	fmt.Printf("lost %d   duplicated %d   delivered to another organization %d   slow sockets cut %d of %d\n",
		max(o.expected-got, 0), dupes, foreign, o.cut, o.slow)
	if got > 0 {
		fmt.Printf("server CPU         %.2f µs per delivered event (%.1f s CPU; the load generator used %.1f s)\n", o.serverCPU/float64(got)*1e6, o.serverCPU, o.selfCPU)
	}
	if o.writes > 0 && got > 0 {
		fmt.Printf("server writes      %d write calls, %.2f delivered events per write\n", o.writes, float64(got)/float64(o.writes))
	}
	if o.timeouts > 0 {
		fmt.Printf("kernel             %d TCP retransmission timeouts on this machine meanwhile (each stalls a socket for 200 ms or more)\n", o.timeouts)
	}
	if foreign > 0 || dupes > 0 || got < o.expected {
		return errors.New("deliveries incomplete or wrong")
	}
	return nil
}

type subscriber struct {
	w       *wsConn
	org     int
	slow    bool
	seqKey  []byte // the field numbering the organization's events (keySeq when nil)
	lastSeq int64
	stalled chan struct{}
}

func (s *subscriber) stall() { s.stalled = make(chan struct{}) }

func (s *subscriber) read(c *counts) {
	if s.stalled != nil {
		// A slow consumer reads nothing while events are published; then
		// it reads what it can for a few seconds (the server counts the
		// sockets it cut, see slowCut).
		<-s.stalled
		_ = s.w.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		for {
			if _, err := s.w.next(nil); err != nil {
				return
			}
		}
	}
	buf := make([]byte, 0, 512)
	for {
		p, err := s.w.next(buf)
		if err != nil {
			return
		}
		s.handle(p, time.Now().UnixNano(), c)
	}
}

// tally is what the subscribers read. Each reading loop counts into a
// shard of its own, so the loops never contend for a counter's cache line
// (at 100,000 frames/s the contended atomics cost the load generator a
// tenth of its CPU); the totals add the shards up.
type tally struct{ shards []*counts }

// counts is one reading loop's share of a tally.
type counts struct {
	hist                     histogram
	received, dupes, foreign atomic.Int64
}

func newTally(n int) *tally {
	t := &tally{}
	for range max(n, 1) {
		t.shards = append(t.shards, &counts{})
	}
	return t
}

// shard is the counts of reading loop i.
func (t *tally) shard(i int) *counts { return t.shards[i%len(t.shards)] }

func (t *tally) sum(f func(*counts) int64) int64 {
	var n int64
	for _, c := range t.shards {
		n += f(c)
	}
	return n
}

func (t *tally) received() int64 { return t.sum(func(c *counts) int64 { return c.received.Load() }) }

// latency merges the shards' histograms.
func (t *tally) latency() *histogram {
	h := newHistogram()
	for _, c := range t.shards {
		for i := range c.hist.buckets {
			h.buckets[i].Add(c.hist.buckets[i].Load())
		}
		h.top.Store(max(h.top.Load(), c.hist.top.Load()))
	}
	return h
}

// handle counts one text frame read at now: each load event's latency,
// and whether it was for another organization or came twice. A frame may
// hold several messages, one per line (JSON encodes a newline inside a
// message as \n, so a raw one only ever separates messages).
func (s *subscriber) handle(p []byte, now int64, c *counts) {
	for len(p) > 0 {
		line := p
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		s.handleMessage(line, now, c)
	}
}

func (s *subscriber) handleMessage(p []byte, now int64, c *counts) {
	if head := p[:min(len(p), 80)]; !bytes.Contains(head, keyCustomLoad) && !bytes.Contains(head, keyLoadTick) {
		return
	}
	seqKey := s.seqKey
	if seqKey == nil {
		seqKey = keySeq
	}
	sent, ok1 := numberAfter(p, keySent)
	org, ok2 := numberAfter(p, keyOrg)
	seq, ok3 := numberAfter(p, seqKey)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	if int(org) != s.org {
		c.foreign.Add(1)
	}
	if seq <= s.lastSeq {
		c.dupes.Add(1)
	}
	s.lastSeq = seq
	c.received.Add(1)
	c.hist.add(time.Duration(now - sent))
}

var (
	keyCustomLoad, keyLoadTick = []byte(`"custom.load"`), []byte(`"load.tick"`)
	keySent, keyOrg, keySeq    = []byte(`"sent"`), []byte(`"org"`), []byte(`"seq"`)
)

func ownerID(o int) string     { return fmt.Sprintf("00000000-0000-7000-8000-%012d", o) }
func fanoutOrgID(o int) string { return fmt.Sprintf("00000000-0000-7000-9000-%012d", o) }
func fanoutSlug(o int) string  { return fmt.Sprintf("load-%05d", o) }

// seedFanout creates the organizations with one owner each and an API key
// allowed to publish, and returns an auth service that mints tickets with
// the server's secret.
func seedFanout(ctx context.Context, dir string, orgs int) (*auth.Service, []string, error) {
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	now := time.Now().UTC()
	err = db.Transaction(func(tx *gorm.DB) error {
		for o := range orgs {
			steps := []struct {
				q    string
				args []any
			}{
				{`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, 'Load', 'x', ?, ?)`,
					[]any{ownerID(o), fmt.Sprintf("load%d@example.com", o), now, now}},
				{`INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
					[]any{fanoutOrgID(o), fanoutSlug(o), fanoutSlug(o), now, now}},
				{`INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES (?, ?, 'owner', ?, ?)`,
					[]any{fanoutOrgID(o), ownerID(o), now, now}},
				{`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', ?, 'owner', ?)`, []any{ownerID(o), fanoutSlug(o)}},
			}
			for _, s := range steps {
				if err := tx.Exec(s.q, s.args...).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	authz, err := rbac.New(db.DB)
	if err != nil {
		return nil, nil, err
	}
	svc, err := auth.NewService(db.DB, auth.Config{Secret: []byte(loadgenSecret), Password: auth.PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}, authz)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, orgs)
	for o := range orgs {
		_, secret, err := svc.CreateAPIKey(ctx, auth.NewAPIKey{OrgID: fanoutOrgID(o), OrgSlug: fanoutSlug(o), Name: "load",
			Permissions: []string{string(rbac.EventsPublish)}, CreatedBy: ownerID(o)})
		if err != nil {
			return nil, nil, err
		}
		keys[o] = secret
	}
	return svc, keys, nil
}

// histogram counts durations in log-spaced buckets (about 2% wide) without
// locks.
type histogram struct {
	buckets [1200]atomic.Int64
	top     atomic.Int64
}

func newHistogram() *histogram { return &histogram{} }

const histBase = 1.02

func (h *histogram) add(d time.Duration) {
	us := float64(d.Nanoseconds()) / 1000
	i := 0
	if us > 1 {
		i = int(math.Log(us) / math.Log(histBase))
	}
	i = min(max(i, 0), len(h.buckets)-1)
	h.buckets[i].Add(1)
	for {
		t := h.top.Load()
		if int64(d) <= t || h.top.CompareAndSwap(t, int64(d)) {
			break
		}
	}
}

func (h *histogram) q(p float64) time.Duration {
	var total int64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(p * float64(total)))
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= want {
			return time.Duration(math.Pow(histBase, float64(i+1)) * 1000).Round(time.Microsecond)
		}
	}
	return h.max()
}

func (h *histogram) max() time.Duration { return time.Duration(h.top.Load()).Round(time.Microsecond) }

// profileSelf starts the load generator's CPU profile; the returned func
// stops it and closes the file.
func profileSelf(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// captureProfile saves the server's CPU profile over d.
func captureProfile(addr, path string, d time.Duration) error {
	return captureURL(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(int(d.Seconds()), 1)), path)
}

// captureURL saves what url answers to path.
func captureURL(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// slowCut reads from the server's metrics how many sockets it cut as too
// slow to keep up.
func slowCut(addr string) (int, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	const name = `switchyard_ws_dropped_total{reason="slow_consumer"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int(f), err
		}
	}
	return 0, sc.Err()
}
