package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// wsConn is a minimal WebSocket client for load: it reads frames straight
// from a buffered reader and decodes only the two numbers it needs, so that
// thousands of subscribers cost the load generator little CPU.
type wsConn struct {
	c  net.Conn
	br *bufio.Reader
}

// dialWS performs the opening handshake on a fresh TCP connection. A
// positive rcvbuf sets the socket's receive buffer (before it connects, so
// the window it advertises stays that small): a slow client on a narrow
// link, whose backlog the server sees soon instead of after megabytes of
// loopback buffers.
func dialWS(addr, path string, rcvbuf int) (*wsConn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	_ = c.SetDeadline(time.Time{})
	return &wsConn{c: c, br: br}, nil
}

// errClosed carries the close code the server sent.
type errClosed struct{ code int }

func (e errClosed) Error() string { return "closed with " + strconv.Itoa(e.code) }

// next returns the payload of the next text frame, answering pings on the
// way. buf is reused when large enough.
func (w *wsConn) next(buf []byte) ([]byte, error) {
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return nil, err
		}
		op := h[0] & 0x0f
		n := int64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return nil, err
			}
			n = int64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return nil, err
			}
			n = int64(binary.BigEndian.Uint64(e[:]))
		}
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(w.br, buf); err != nil {
			return nil, err
		}
		switch op {
		case 0x1:
			return buf, nil
		case 0x8:
			code := 1005
			if len(buf) >= 2 {
				code = int(binary.BigEndian.Uint16(buf))
			}
			return nil, errClosed{code}
		case 0x9:
			if err := w.send(0xA, buf); err != nil {
				return nil, err
			}
		}
	}
}

// send writes one masked client frame.
func (w *wsConn) send(op byte, payload []byte) error {
	if len(payload) > 125 {
		return errors.New("loadgen sends small frames only")
	}
	_, err := w.c.Write(clientFrame(op, payload))
	return err
}

// clientFrame encodes a masked client frame of at most 125 bytes.
func clientFrame(op byte, payload []byte) []byte {
	payload = payload[:min(len(payload), 125)]
	f := make([]byte, 0, 6+len(payload))
	f = append(f, 0x80|op, 0x80|byte(len(payload)))
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}

// parseFrame decodes the server frame at the start of b (unmasked, final
// fragments, as the hub sends them): its opcode, payload and length; n is
// 0 while the frame is incomplete.
func parseFrame(b []byte) (op byte, payload []byte, n int) {
	if len(b) < 2 {
		return 0, nil, 0
	}
	op = b[0] & 0x0f
	size, head := uint64(b[1]&0x7f), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return 0, nil, 0
		}
		size, head = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, 0
		}
		size, head = binary.BigEndian.Uint64(b[2:]), 10
	}
	if uint64(len(b)-head) < size {
		return 0, nil, 0
	}
	end := head + int(size)
	return op, b[head:end], end
}

func (w *wsConn) close() { _ = w.c.Close() }

// numberAfter finds key in a JSON payload and parses the non-negative
// integer after it, without allocating.
func numberAfter(p, key []byte) (int64, bool) {
	i := bytes.Index(p, key)
	if i < 0 {
		return 0, false
	}
	j := i + len(key)
	for j < len(p) && (p[j] == ' ' || p[j] == ':') {
		j++
	}
	var n int64
	k := j
	for ; k < len(p) && p[k] >= '0' && p[k] <= '9'; k++ {
		if n > (math.MaxInt64-9)/10 {
			return 0, false
		}
		n = n*10 + int64(p[k]-'0')
	}
	return n, k > j
}
