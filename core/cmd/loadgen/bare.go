package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// bare measures a fan-out shape, with the same subscribers, reader and
// figures as `fanout`, against a bare server that does nothing but write
// each event's frame to every socket of its organization: one write per
// socket per event, from one goroutine per P, as the hub's flushers write
// a socket with one frame queued. It has no publish API, no journal, no
// authentication and no per-socket queue. What it shows is the machine:
// the CPU a frame costs when each is its own write, on both sides of
// loopback, and whether the machine can carry a shape that way at all.
// Where it cannot, the hub still can, because a socket that has several
// frames queued when its turn comes gets them in one write (`server
// writes` in both reports) — and the wait for that turn is its tail.

// runBare runs the bare server as a process of its own (this binary,
// `bare-serve`), so that it shares the cores with the load generator as
// the core does.
func runBare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	orgs := fs.Int("orgs", 1, "organizations")
	subs := fs.Int("subs", 1000, "subscriber sockets in all")
	rate := fs.Int("rate", 100, "events per second in all")
	duration := fs.Duration("duration", 10*time.Second, "publishing time")
	_ = fs.Parse(args)
	if *orgs < 1 || *subs < *orgs || *rate < 1 || *duration <= 0 {
		return errors.New("need a rate, a duration and at least one subscriber per organization")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr := freeAddr()
	cmd := exec.CommandContext(ctx, self, "bare-serve", "-addr", addr, "-orgs", strconv.Itoa(*orgs),
		"-rate", strconv.Itoa(*rate), "-duration", duration.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	start, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	srv := &server{cmd: cmd, addr: addr}
	defer srv.stop()
	if err := waitListening(addr, 10*time.Second); err != nil {
		return err
	}

	socks := make([]*subscriber, *subs)
	t0 := time.Now()
	err = connectAll(socks, func(i int) (*subscriber, error) {
		w, err := dialWS(addr, "/ws?org="+strconv.Itoa(i%*orgs), 0)
		if err != nil {
			return nil, err
		}
		return &subscriber{w: w, org: i % *orgs}, nil
	})
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	fmt.Printf("connections held   %d in %d organizations, connected in %s (bare server)\n", *subs, *orgs, time.Since(t0).Round(time.Millisecond))
	time.Sleep(time.Second)

	t := newTally(runtime.GOMAXPROCS(0))
	poll, err := newPollReader(socks, t)
	if err != nil {
		return fmt.Errorf("reading the sockets: %w", err)
	}
	perOrg := make([]int64, *orgs)
	for i := range socks {
		perOrg[i%*orgs]++
	}
	total := bareEvents(*rate, *duration)
	var expected int64
	for n := range total {
		expected += perOrg[n%*orgs]
	}
	cpu0, self0, timeouts0, writes0 := srv.cpuSeconds(), selfCPU(), tcpTimeouts(), srv.writeCalls()
	pubStart := time.Now()
	if _, err := io.WriteString(start, "go\n"); err != nil {
		return err
	}
	deadline := pubStart.Add(*duration + 15*time.Second)
	for t.received() < expected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	window := time.Since(pubStart)
	cpu, selfUsed, timeouts, writes := srv.cpuSeconds()-cpu0, selfCPU()-self0, tcpTimeouts()-timeouts0, srv.writeCalls()-writes0
	poll.close()
	fmt.Printf("published          %d events in %s (%d/s) by the bare server's own clock\n", total, duration.String(), *rate)
	return t.report(outcome{
		expected: expected, window: window, from: "the event's due time on the bare server's schedule",
		serverCPU: cpu, selfCPU: selfUsed, timeouts: timeouts, writes: writes,
	})
}

// bareEvents is how many events the bare server publishes: one every
// 1/rate seconds for the duration.
func bareEvents(rate int, d time.Duration) int {
	return max(int(d.Seconds()*float64(rate)), 1)
}

func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bare server on %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runBareServe is the bare server: it accepts WebSocket upgrades
// (?org=N), waits for a line on stdin, then publishes bareEvents events
// on its schedule, organization n%orgs for event n, and serves until
// interrupted.
func runBareServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bare-serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	orgs := fs.Int("orgs", 1, "organizations")
	rate := fs.Int("rate", 100, "events per second in all")
	duration := fs.Duration("duration", 10*time.Second, "publishing time")
	_ = fs.Parse(args)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	b := newBareHub(*orgs, runtime.GOMAXPROCS(0))
	go b.accept(ln)
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return nil // the load generator went away before starting
	}
	interval := time.Second / time.Duration(*rate)
	seq := make([]int64, *orgs)
	begin := time.Now()
	for n := range bareEvents(*rate, *duration) {
		due := begin.Add(time.Duration(n) * interval)
		time.Sleep(time.Until(due))
		if ctx.Err() != nil {
			return nil
		}
		org := n % *orgs
		seq[org]++
		payload := fmt.Appendf(nil, `{"type":"custom.load","seq":%d,"data":{"sent":%d,"org":%d}}`, seq[org], due.UnixNano(), org)
		b.publish(org, serverFrame(0x1, payload))
	}
	<-ctx.Done()
	return nil
}

// bareHub holds each organization's sockets and one writer per P. Writer
// i writes to every socket whose index in its organization is i modulo
// the writers, so each socket gets its frames in order.
type bareHub struct {
	mu      sync.Mutex
	rooms   [][]*bareConn
	writers []chan bareEvent
}

type bareEvent struct {
	org   int
	frame []byte
}

type bareConn struct {
	c  net.Conn
	rc syscall.RawConn
}

func newBareHub(orgs, writers int) *bareHub {
	b := &bareHub{rooms: make([][]*bareConn, orgs)}
	for i := range writers {
		ch := make(chan bareEvent, 1<<14)
		b.writers = append(b.writers, ch)
		go b.write(i, ch)
	}
	return b
}

func (b *bareHub) publish(org int, frame []byte) {
	for _, ch := range b.writers {
		ch <- bareEvent{org: org, frame: frame}
	}
}

func (b *bareHub) write(i int, ch <-chan bareEvent) {
	for ev := range ch {
		b.mu.Lock()
		room := b.rooms[ev.org]
		b.mu.Unlock()
		for j := i; j < len(room); j += len(b.writers) {
			room[j].send(ev.frame)
		}
	}
}

// send writes frame with one non-blocking write, as the hub's flushers
// do; the rare remainder is written blocking (the bare server has no
// queue to put it in).
func (c *bareConn) send(frame []byte) {
	written := 0
	_ = c.rc.Write(func(fd uintptr) bool {
		for written < len(frame) {
			n, err := syscall.Write(int(fd), frame[written:])
			if n > 0 {
				written += n
			}
			if err != syscall.EINTR && err != nil {
				return true
			}
		}
		return true
	})
	if written < len(frame) {
		_, _ = c.c.Write(frame[written:])
	}
}

func (b *bareHub) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go b.upgrade(c)
	}
}

// upgrade answers the WebSocket handshake and adds the socket to its
// organization; what the client sends afterwards is read and dropped.
func (b *bareHub) upgrade(c net.Conn) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		_ = c.Close()
		return
	}
	org, err := strconv.Atoi(req.URL.Query().Get("org"))
	if err != nil || org < 0 || org >= len(b.rooms) {
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		_ = c.Close()
		return
	}
	sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if _, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "+base64.StdEncoding.EncodeToString(sum[:])+"\r\n\r\n"); err != nil {
		_ = c.Close()
		return
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		_ = c.Close()
		return
	}
	b.mu.Lock()
	b.rooms[org] = append(b.rooms[org], &bareConn{c: c, rc: rc})
	b.mu.Unlock()
	_, _ = io.Copy(io.Discard, br)
}

// serverFrame encodes an unmasked final frame the way the hub sends one.
func serverFrame(op byte, payload []byte) []byte {
	f := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		f = append(f, byte(n))
	case n <= 0xffff:
		f = append(f, 126, 0, 0)
		binary.BigEndian.PutUint16(f[2:], uint16(n))
	default:
		f = append(f, 127, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(f[2:], uint64(n))
	}
	return append(f, payload...)
}
