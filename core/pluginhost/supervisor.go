package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-plugin"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Status is the state of a plugin process.
type Status string

// The statuses published as plugin.status and shown by the admin API.
const (
	StatusStarting Status = "starting"
	StatusRunning  Status = "running"
	StatusCrashed  Status = "crashed"
	StatusDisabled Status = "disabled"
	// StatusStopped is a process the host stopped (uninstalled, shutdown);
	// it is not published.
	StatusStopped Status = "stopped"
)

// tenantEntry is one organization served by a process.
type tenantEntry struct {
	tenant grpcplugin.Tenant
	// config is the organization's config; nil when it has none that
	// passes the schema yet.
	config     json.RawMessage
	configured bool
	problem    string // why it is not configured
}

// proc is one started process.
type proc struct {
	pc       *plugin.Client
	cmd      *exec.Cmd
	client   *grpcplugin.Client
	host     *hostAPI
	instance string
	pid      int
}

// statusNote is a status change to publish to the organizations listed.
type statusNote struct {
	data    statusData
	tenants []grpcplugin.Tenant
}

// supervisor runs one plugin version's process: start, configure, watch,
// restart, stop. Its loop is the only goroutine that starts or kills the
// process; everything else reads under mu.
type supervisor struct {
	m       *Manager
	name    string
	version string
	binary  string
	sum     []byte
	log     *slog.Logger

	mu        sync.Mutex
	status    Status
	lastErr   string
	restarts  int
	startedAt time.Time
	retryAt   time.Time
	proc      *proc
	plugin    *Plugin
	tenants   map[string]*tenantEntry
	changed   chan struct{} // closed and replaced on every status change
	failures  []time.Time
	running   bool // the loop was started
	stopping  bool

	view atomic.Pointer[map[string]string] // tenant id -> slug, for the host API

	wake  chan struct{} // re-enable a disabled process, cut a backoff short
	stop  chan struct{}
	done  chan struct{}
	notes chan statusNote
}

func newSupervisor(m *Manager, name, version, binary string, sum []byte) *supervisor {
	s := &supervisor{
		m: m, name: name, version: version, binary: binary, sum: sum,
		log:     m.log.With("plugin", name, "version", version),
		tenants: map[string]*tenantEntry{},
		changed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		notes:   make(chan statusNote, 64),
	}
	empty := map[string]string{}
	s.view.Store(&empty)
	return s
}

// start runs the loop (once).
func (s *supervisor) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return
	}
	s.running = true
	s.m.wg.Add(2)
	go func() {
		defer s.m.wg.Done()
		s.publishNotes()
	}()
	go func() {
		defer s.m.wg.Done()
		s.loop()
	}()
}

// poke wakes the loop from a backoff or the disabled state, forgetting
// past failures. A crashed or disabled process is reported as starting at
// once, so a caller waiting for it to be ready waits for the new attempt.
func (s *supervisor) poke() {
	s.mu.Lock()
	s.failures = nil
	st := s.status
	s.mu.Unlock()
	if st == StatusCrashed || st == StatusDisabled {
		s.setStatus(StatusStarting, "")
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *supervisor) hasTenant(t grpcplugin.Tenant) bool {
	slug, ok := (*s.view.Load())[t.ID]
	return ok && slug == t.Slug
}

func (s *supervisor) tenantView() map[string]string { return *s.view.Load() }

// refreshView republishes the tenant map for the host API. s.mu is held.
func (s *supervisor) refreshView() {
	v := make(map[string]string, len(s.tenants))
	for id, e := range s.tenants {
		v[id] = e.tenant.Slug
	}
	s.view.Store(&v)
}

func (s *supervisor) addTenant(t grpcplugin.Tenant, config json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.tenants[t.ID]
	if e == nil {
		e = &tenantEntry{}
		s.tenants[t.ID] = e
	}
	e.tenant, e.config, e.configured = t, config, false
	e.problem = "waiting for the plugin to start"
	s.refreshView()
}

// removeTenant forgets t and reports how many tenants remain.
func (s *supervisor) removeTenant(t grpcplugin.Tenant) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tenants, t.ID)
	s.refreshView()
	return len(s.tenants)
}

func (s *supervisor) tenantList() []grpcplugin.Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenantsLocked()
}

func (s *supervisor) tenantsLocked() []grpcplugin.Tenant {
	out := make([]grpcplugin.Tenant, 0, len(s.tenants))
	for _, e := range s.tenants {
		out = append(out, e.tenant)
	}
	return out
}

// setStatus records a status change and queues its publication.
func (s *supervisor) setStatus(st Status, errMsg string) {
	s.mu.Lock()
	prev := s.status
	if errMsg != "" {
		s.lastErr = errMsg
	}
	if prev == st && errMsg == "" {
		s.mu.Unlock()
		return
	}
	s.status = st
	close(s.changed)
	s.changed = make(chan struct{})
	note := statusNote{data: statusData{Plugin: s.name, Version: s.version, Status: st, Error: errMsg}, tenants: s.tenantsLocked()}
	s.mu.Unlock()

	if prev != "" {
		s.m.metrics.status.WithLabelValues(s.name, s.version, string(prev)).Set(0)
	}
	s.m.metrics.status.WithLabelValues(s.name, s.version, string(st)).Set(1)
	if st == StatusStopped {
		return
	}
	if st == StatusRunning {
		s.log.Info("plugin running")
	} else if errMsg != "" {
		s.log.Warn("plugin "+string(st), "error", errMsg)
	}
	select {
	case s.notes <- note:
	default:
		s.log.Warn("plugin status not published: too many changes queued", "status", st)
	}
}

// publishNotes publishes status changes in order until the loop ends.
func (s *supervisor) publishNotes() {
	for n := range s.notes {
		for _, t := range n.tenants {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := s.m.d.Events.Publish(ctx, t.ID, []events.Draft{{Type: "plugin.status", Source: "core", Data: n.data.raw()}})
			cancel()
			if err != nil {
				s.log.Warn("plugin.status not published", "tenant", t.Slug, "error", err)
			}
		}
	}
}

// ready returns the running process, waiting while it starts until ctx
// ends; a crashed or disabled process fails at once.
func (s *supervisor) ready(ctx context.Context) (*proc, *Plugin, error) {
	for {
		s.mu.Lock()
		st, p, pl, ch, lastErr, retryAt := s.status, s.proc, s.plugin, s.changed, s.lastErr, s.retryAt
		s.mu.Unlock()
		switch st {
		case StatusRunning:
			return p, pl, nil
		case StatusCrashed:
			wait := time.Until(retryAt).Round(100 * time.Millisecond)
			return nil, nil, errorf(ErrUnavailable, "plugin %s %s has crashed and restarts in %s; last error: %s", s.name, s.version, max(wait, 0), lastErr)
		case StatusDisabled:
			return nil, nil, errorf(ErrUnavailable, "plugin %s %s is disabled: %s", s.name, s.version, lastErr)
		case StatusStopped:
			return nil, nil, errorf(ErrUnavailable, "plugin %s %s has been stopped", s.name, s.version)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, nil, errorf(ErrUnavailable, "plugin %s %s is still starting", s.name, s.version)
		}
	}
}

// current returns the running process and manifest without waiting.
func (s *supervisor) current() (*proc, *Plugin) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != StatusRunning {
		return nil, s.plugin
	}
	return s.proc, s.plugin
}

// manifest returns the manifest of the latest process, nil before the first
// one reported it.
func (s *supervisor) manifest() *Plugin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plugin
}

var errStopping = errors.New("stopping")

// loop starts the process and keeps it running until stop.
func (s *supervisor) loop() {
	defer close(s.done)
	defer close(s.notes)
	backoff := s.m.cfg.BackoffMin
	for {
		select {
		case <-s.stop:
			s.setStatus(StatusStopped, "")
			return
		default:
		}
		s.setStatus(StatusStarting, "")
		p, err := s.launch()
		var ranFor time.Duration
		if err == nil {
			began := time.Now()
			s.mu.Lock()
			s.startedAt = began.UTC()
			s.mu.Unlock()
			s.setStatus(StatusRunning, "")
			err = s.watch(p)
			ranFor = time.Since(began)
		}
		if errors.Is(err, errStopping) {
			s.shutdownProc(p)
			s.setStatus(StatusStopped, "")
			return
		}
		s.killProc(p)
		reason := fmt.Sprintf("plugin %s %s stopped: %v", s.name, s.version, err)
		if p != nil && s.m.d.Jobs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			n, jerr := s.m.d.Jobs.Interrupt(ctx, s.name, p.instance, reason+"; retry the job")
			cancel()
			if jerr != nil {
				s.log.Error("interrupted jobs not recorded", "error", jerr)
			} else if n > 0 {
				s.log.Warn("jobs interrupted by a plugin failure", "jobs", n)
			}
		}
		if ranFor >= s.m.cfg.StableAfter {
			backoff = s.m.cfg.BackoffMin
		}
		now := time.Now()
		s.mu.Lock()
		s.proc = nil
		cutoff := now.Add(-s.m.cfg.FailureWindow)
		kept := s.failures[:0]
		for _, f := range s.failures {
			if f.After(cutoff) {
				kept = append(kept, f)
			}
		}
		s.failures = append(kept, now)
		failures := len(s.failures)
		s.mu.Unlock()

		if errors.Is(err, ErrChecksum) || errors.Is(err, errPermanent) || failures >= s.m.cfg.MaxFailures {
			msg := err.Error()
			if failures >= s.m.cfg.MaxFailures && !errors.Is(err, ErrChecksum) && !errors.Is(err, errPermanent) {
				msg = fmt.Sprintf("failed %d times within %s (reinstall the plugin or restart the core to try again); last error: %v", failures, s.m.cfg.FailureWindow, err)
			}
			s.setStatus(StatusDisabled, msg)
			select {
			case <-s.stop:
				s.setStatus(StatusStopped, "")
				return
			case <-s.wake:
				backoff = s.m.cfg.BackoffMin
				continue
			}
		}
		wait := jitter(backoff)
		s.mu.Lock()
		s.retryAt = time.Now().Add(wait)
		s.restarts++
		s.mu.Unlock()
		s.m.metrics.restarts.WithLabelValues(s.name).Inc()
		s.setStatus(StatusCrashed, err.Error())
		timer := time.NewTimer(wait)
		select {
		case <-s.stop:
			timer.Stop()
			s.setStatus(StatusStopped, "")
			return
		case <-s.wake:
			timer.Stop()
		case <-timer.C:
		}
		backoff = min(backoff*2, s.m.cfg.BackoffMax)
	}
}

// jitter picks a wait in [d/2, d].
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// errPermanent marks a failure that restarting cannot fix.
var errPermanent = errors.New("permanent failure")

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() []error {
	return []error{e.err, errPermanent}
}

// launch starts a process, reads and checks its manifest and configures
// every tenant. On error the returned proc (if any) must be killed.
func (s *supervisor) launch() (*proc, error) {
	if _, err := os.Stat(s.binary); err != nil {
		return nil, &permanentError{fmt.Errorf("the binary %s is missing (%w); reinstall the plugin", s.binary, err)}
	}
	dataDir := filepath.Join(s.m.cfg.DataDir, s.name)
	if err := os.MkdirAll(filepath.Join(dataDir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("plugin data directory: %w", err)
	}
	instance := uuid.Must(uuid.NewV7()).String()
	host := newHostAPI(s, instance)
	cmd := exec.Command(s.binary) //nolint:gosec // the binary was verified at install and its checksum is checked now
	cmd.Env = s.m.env(dataDir)
	cmd.Dir = dataDir
	cmd.SysProcAttr = sysProcAttr()
	cfg := grpcplugin.ClientConfig(cmd, host, hclogFor(s.log, s.name))
	cfg.SecureConfig = &plugin.SecureConfig{Checksum: s.sum, Hash: sha256.New()}
	cfg.StartTimeout = s.m.cfg.StartTimeout
	pc := plugin.NewClient(cfg)
	p := &proc{pc: pc, cmd: cmd, host: host, instance: instance}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()

	client, err := grpcplugin.Connect(pc)
	if cmd.Process != nil {
		p.pid = cmd.Process.Pid
	}
	if err != nil {
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return p, &Error{Kind: ErrChecksum, Msg: fmt.Sprintf(
				"the binary %s no longer matches the SHA-256 recorded at install (%s): it was changed on disk, so it will not be started; reinstall the plugin",
				s.binary, hex.EncodeToString(s.sum))}
		}
		return p, err
	}
	p.client = client
	ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.StartTimeout)
	defer cancel()
	m, err := client.Manifest(ctx)
	if err != nil {
		return p, fmt.Errorf("reading the manifest: %w", err)
	}
	pl, err := NewPlugin(m)
	if err != nil {
		return p, &permanentError{fmt.Errorf("the plugin sent an invalid manifest: %w", err)}
	}
	if m.Name != s.name || m.Version != s.version {
		return p, &permanentError{fmt.Errorf("the binary says it is %s %s, but was installed as %s %s", m.Name, m.Version, s.name, s.version)}
	}
	host.plugin.Store(pl)
	s.mu.Lock()
	s.plugin = pl
	s.mu.Unlock()
	for _, t := range s.tenantList() {
		if err := s.configureTenant(ctx, p, t); err != nil {
			s.log.Warn("plugin refused an organization's config", "tenant", t.Slug, "error", err)
		}
	}
	return p, nil
}

// configureTenant sends t's config to the process. A tenant without a
// config that passes the schema stays unconfigured (not an error); the
// plugin's refusal is returned and recorded.
func (s *supervisor) configureTenant(ctx context.Context, p *proc, t grpcplugin.Tenant) error {
	s.mu.Lock()
	e := s.tenants[t.ID]
	pl := s.plugin
	if e == nil || pl == nil {
		s.mu.Unlock()
		return nil
	}
	config := e.config
	s.mu.Unlock()

	var err error
	problem := ""
	verr := pl.ValidateConfig(config)
	switch {
	case config == nil:
		problem = "the organization has not configured the plugin yet"
	case verr != nil:
		problem = "the organization's config does not match the plugin's config schema: " + verr.Error()
	default:
		err = p.client.Configure(ctx, t, config)
		if err != nil {
			problem = "the plugin refused the organization's config: " + err.Error()
		}
	}
	s.mu.Lock()
	if cur := s.tenants[t.ID]; cur == e && bytesEqual(cur.config, config) {
		e.configured, e.problem = problem == "", problem
	}
	s.mu.Unlock()
	return err
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// configureWhenReady configures t once the process runs, unless it was
// configured meanwhile (a tenant registered while the process was
// starting may have missed the start's own pass).
func (s *supervisor) configureWhenReady(t grpcplugin.Tenant) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.m.cfg.StartTimeout)
	defer cancel()
	p, _, err := s.ready(ctx)
	if err != nil {
		return // the next start configures every tenant
	}
	if ok, _ := s.tenantReady(t); ok {
		return
	}
	if err := s.configureTenant(ctx, p, t); err != nil {
		s.log.Warn("plugin refused an organization's config", "tenant", t.Slug, "error", err)
	}
}

// tenantReady reports whether t is configured in the process, and why not.
func (s *supervisor) tenantReady(t grpcplugin.Tenant) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.tenants[t.ID]
	if e == nil {
		return false, "not installed"
	}
	return e.configured, e.problem
}

// watch blocks until the process exits, stops answering health checks, or
// the supervisor is stopped (errStopping).
func (s *supervisor) watch(p *proc) error {
	exitTick := time.NewTicker(s.m.cfg.ExitPoll)
	defer exitTick.Stop()
	health := time.NewTicker(s.m.cfg.HealthInterval)
	defer health.Stop()
	failed := 0
	for {
		select {
		case <-s.stop:
			return errStopping
		case <-exitTick.C:
			if p.pc.Exited() {
				if st := p.cmd.ProcessState; st != nil {
					return fmt.Errorf("the process exited (%s)", st)
				}
				return errors.New("the process exited")
			}
		case <-health.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.HealthTimeout)
			h, err := p.client.Health(ctx)
			cancel()
			if err != nil {
				failed++
				s.log.Warn("plugin health check failed", "error", err, "consecutive", failed)
				if failed >= 2 {
					return fmt.Errorf("the process stopped answering health checks (%v); restarting it", err)
				}
				continue
			}
			failed = 0
			if h.State != grpcplugin.HealthOK {
				s.mu.Lock()
				s.lastErr = "unhealthy: " + h.Message
				s.mu.Unlock()
			}
		}
	}
}

// killProc kills a failed process and its group at once.
func (s *supervisor) killProc(p *proc) {
	s.endProc(p, false)
}

// shutdownProc stops a healthy process gracefully: its jobs report
// failed-and-retryable, then the process and its group end.
func (s *supervisor) shutdownProc(p *proc) {
	s.endProc(p, true)
	if p != nil && s.m.d.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _ = s.m.d.Jobs.Interrupt(ctx, s.name, p.instance, fmt.Sprintf("plugin %s %s was stopped while the job ran; retry the job", s.name, s.version))
		cancel()
	}
}

// endProc ends a process: gracefully (Shutdown within StopTimeout) when
// asked and possible, otherwise by killing its group; go-plugin's own
// cleanup is bounded too, since its graceful close waits on a process that
// may hang.
func (s *supervisor) endProc(p *proc, graceful bool) {
	if p == nil {
		return
	}
	if graceful && p.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.StopTimeout)
		n, err := p.client.Shutdown(ctx)
		cancel()
		switch {
		case err != nil:
			s.log.Warn("plugin did not shut down gracefully; killing it", "error", err)
			graceful = false
		case n > 0:
			s.log.Info("plugin shut down", "interrupted_jobs", n)
		}
	}
	if !graceful {
		killGroup(p.pid)
	}
	done := make(chan struct{})
	go func() {
		p.pc.Kill()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		killGroup(p.pid)
		<-done
	}
	killGroup(p.pid)
}

// halt stops the loop and waits until the process is gone or ctx ends.
func (s *supervisor) halt(ctx context.Context) error {
	s.mu.Lock()
	started := s.running
	if !s.stopping {
		s.stopping = true
		close(s.stop)
	}
	s.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		// Out of time: kill whatever runs.
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		if p != nil {
			killGroup(p.pid)
		}
		return fmt.Errorf("plugin %s %s did not stop in time: %w", s.name, s.version, ctx.Err())
	}
}

// ProcessStatus is one plugin process as GET /admin/plugins shows it.
type ProcessStatus struct {
	Name      string     `json:"name"`
	Version   string     `json:"version"`
	Status    Status     `json:"status"`
	PID       int        `json:"pid"`
	Restarts  int        `json:"restarts"`
	LastError string     `json:"last_error"`
	StartedAt *time.Time `json:"started_at"`
	// Tenants counts the organizations served.
	Tenants int `json:"tenants"`
}

func (s *supervisor) snapshot() ProcessStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := ProcessStatus{Name: s.name, Version: s.version, Status: s.status, Restarts: s.restarts, LastError: s.lastErr, Tenants: len(s.tenants)}
	if s.status == StatusRunning && s.proc != nil {
		ps.PID = s.proc.pid
		t := s.startedAt
		ps.StartedAt = &t
	}
	return ps
}
