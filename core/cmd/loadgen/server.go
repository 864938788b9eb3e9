package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a switchyard process started for a measurement.
type server struct {
	cmd  *exec.Cmd
	addr string
}

// loadgenSecret signs the tokens loadgen mints for its synthetic users.
const loadgenSecret = "loadgen-secret-loadgen-secret-loadgen-secret"

func serverEnv(dataDir, addr string, extra ...string) []string {
	env := append(os.Environ(), extra...)
	return append(env,
		"SWITCHYARD_DATA_DIR="+dataDir,
		"SWITCHYARD_ADDR="+addr,
		"SWITCHYARD_JWT_SECRET="+loadgenSecret,
		"SWITCHYARD_LOG_LEVEL=warn",
		"SWITCHYARD_DATABASE_URL=",
		"SWITCHYARD_NATS_URL=",
	)
}

// migrate creates the schema in dataDir.
func migrate(ctx context.Context, bin, dataDir string) error {
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = serverEnv(dataDir, "127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("migrate: %v: %s", err, out)
	}
	return nil
}

// startServer runs `switchyard serve` on a free loopback port and waits
// until it is ready.
func startServer(ctx context.Context, bin, dataDir string) (*server, error) {
	return startServerEnv(ctx, bin, dataDir, nil)
}

// startServerEnv is startServer with extra environment variables.
func startServerEnv(ctx context.Context, bin, dataDir string, extra map[string]string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve")
	var env []string
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	cmd.Env = serverEnv(dataDir, addr, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr}
	if !s.answers("/readyz", 60*time.Second) {
		s.stop()
		return nil, fmt.Errorf("server on %s never became ready", addr)
	}
	return s, nil
}

// answers waits up to within for the server to answer path with 200.
func (s *server) answers(path string, within time.Duration) bool {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + s.addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rssKiB reads the server's resident set size.
func (s *server) rssKiB() int64 { return rssOf(s.cmd.Process.Pid) }

// cpuSeconds reads the server's user+system CPU time.
func (s *server) cpuSeconds() float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are 14 and 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// writeCalls reads how many write system calls the server has made
// (syscw in /proc/PID/io; socket writes are nearly all of them during a
// fan-out): frames delivered per write show how far the hub coalesced.
func (s *server) writeCalls() int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func rssOf(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// tcpTimeouts reads the machine's count of TCP retransmission timeouts
// (TcpExt TCPTimeouts): each stalls one socket for at least 200 ms, so a
// few explain a run's maximum latency.
func tcpTimeouts() int64 {
	raw, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return 0
	}
	var head []string
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TcpExt:" {
			continue
		}
		if head == nil {
			head = f
			continue
		}
		for i, name := range head {
			if name == "TCPTimeouts" && i < len(f) {
				n, _ := strconv.ParseInt(f[i], 10, 64)
				return n
			}
		}
	}
	return 0
}
