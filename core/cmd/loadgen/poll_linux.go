//go:build linux

package main

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pollReader reads many subscriber sockets from a few epoll loops, one
// per P, instead of a goroutine each. A goroutine per socket costs the
// load generator a park, a wake and a read that finds nothing for every
// frame; here one epoll_wait reports every socket with data and each is
// read once. The measurement is of the server: the less CPU the load
// generator takes on the same cores, the less it distorts the latency it
// reports.
type pollReader struct {
	loops []*pollLoop
	stop  atomic.Bool
	wg    sync.WaitGroup
}

type pollLoop struct {
	ep    *os.File // the epoll instance, itself waited on in the Go runtime's poller
	epfd  int
	conns map[int32]*pollConn
}

// pollConn is one socket taken out of the Go runtime's poller: a
// descriptor of its own and the bytes of a frame not yet complete.
type pollConn struct {
	fd      int
	sub     *subscriber
	pending []byte
}

// newPollReader takes the subscribers' sockets over and starts reading
// them; t receives what they read.
func newPollReader(subs []*subscriber, t *tally) (*pollReader, error) {
	r := &pollReader{}
	for range runtime.GOMAXPROCS(0) {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			r.close()
			return nil, err
		}
		// Non-blocking, the epoll descriptor joins the runtime's poller: a
		// loop with nothing to read parks like any goroutine instead of
		// holding a thread and its P in epoll_wait.
		if err := syscall.SetNonblock(epfd, true); err != nil {
			_ = syscall.Close(epfd)
			r.close()
			return nil, err
		}
		r.loops = append(r.loops, &pollLoop{ep: os.NewFile(uintptr(epfd), "epoll"), epfd: epfd, conns: map[int32]*pollConn{}})
	}
	for i, s := range subs {
		fd, rest, err := s.w.detach()
		if err != nil {
			r.close()
			return nil, err
		}
		l := r.loops[i%len(r.loops)]
		l.conns[int32(fd)] = &pollConn{fd: fd, sub: s, pending: rest}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			r.close()
			return nil, err
		}
	}
	for i, l := range r.loops {
		tl := t.shard(i)
		for _, c := range l.conns {
			if len(c.pending) > 0 { // frames read with the handshake
				c.consume(tl)
			}
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			l.run(&r.stop, tl)
		}()
	}
	return r, nil
}

// run reads until stop is set or every socket has ended.
func (l *pollLoop) run(stop *atomic.Bool, tl *counts) {
	rc, err := l.ep.SyscallConn()
	if err != nil {
		return
	}
	evs := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 256<<10)
	for !stop.Load() && len(l.conns) > 0 {
		n := 0
		var werr error
		err := rc.Read(func(fd uintptr) bool {
			n, werr = syscall.EpollWait(int(fd), evs, 0)
			return n > 0 || (werr != nil && !errors.Is(werr, syscall.EINTR))
		})
		if err != nil || werr != nil {
			return // closed by close
		}
		for _, ev := range evs[:n] {
			c := l.conns[ev.Fd]
			if c == nil {
				continue
			}
			m, err := syscall.Read(c.fd, buf)
			switch {
			case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
				continue
			case err != nil || m == 0:
				l.drop(c)
				continue
			}
			if len(c.pending) == 0 {
				c.pending = buf[:m] // parsed in place; what remains is copied
			} else {
				c.pending = append(c.pending, buf[:m]...)
			}
			if !c.consume(tl) {
				l.drop(c)
			}
		}
	}
}

func (l *pollLoop) drop(c *pollConn) {
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	_ = syscall.Close(c.fd)
	delete(l.conns, int32(c.fd))
}

// consume handles every complete frame in pending and keeps the rest (in
// a buffer of its own). It reports false when the server closed.
func (c *pollConn) consume(tl *counts) bool {
	now := time.Now().UnixNano()
	p := c.pending
	for {
		op, payload, n := parseFrame(p)
		if n == 0 {
			break
		}
		p = p[n:]
		switch op {
		case 0x1:
			c.sub.handle(payload, now, tl)
		case 0x8:
			return false
		case 0x9:
			if _, err := syscall.Write(c.fd, clientFrame(0xA, payload)); err != nil {
				return false
			}
		}
	}
	c.pending = append([]byte(nil), p...)
	return true
}

// close stops the loops and closes every socket they held.
func (r *pollReader) close() {
	r.stop.Store(true)
	for _, l := range r.loops {
		_ = l.ep.Close() // wakes a parked loop
	}
	r.wg.Wait()
	for _, l := range r.loops {
		for _, c := range l.conns {
			_ = syscall.Close(c.fd)
		}
	}
}

// detach takes the socket away from the Go runtime: a duplicate of its
// descriptor (non-blocking, as the original was) and the bytes already
// buffered; the connection itself is closed.
func (w *wsConn) detach() (int, []byte, error) {
	sc, ok := w.c.(syscall.Conn)
	if !ok {
		return 0, nil, errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, nil, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(orig uintptr) { fd, derr = syscall.Dup(int(orig)) }); err != nil {
		return 0, nil, err
	}
	if derr != nil {
		return 0, nil, derr
	}
	syscall.CloseOnExec(fd)
	rest, _ := w.br.Peek(w.br.Buffered())
	rest = append([]byte(nil), rest...)
	_ = w.c.Close()
	return fd, rest, nil
}
