package apptest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Socket is a test client of the real-time protocol. A goroutine reads
// frames as they come (a read with a deadline would close the connection),
// so a test may stop reading to play a slow client with Pause.
type Socket struct {
	t      testing.TB
	Conn   *websocket.Conn
	frames chan []byte
	ended  chan struct{}
	err    error
	resume chan struct{}
	paused chan bool
}

// Frame is one server frame.
type Frame struct {
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp time.Time       `json:"timestamp"`
	Seq       uint64          `json:"seq"`
	ID        string          `json:"id"`
}

// Ticket asks for a socket ticket as u.
func (s *Server) Ticket(t testing.TB, u *User, org string) string {
	t.Helper()
	r := s.As(u).Do(t, "POST", "/api/v1/orgs/"+org+"/ws-ticket", nil).Must(t, http.StatusCreated)
	ticket, _ := r.JSON()["ticket"].(string)
	return ticket
}

// DialTicket opens the organization's socket with a ticket and optional
// headers (an Origin, say). It returns the HTTP error of a failed handshake.
func (s *Server) DialTicket(t testing.TB, org, ticket string, header http.Header) (*Socket, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/orgs/" + org + "/ws?ticket=" + ticket
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(8 << 20)
	sock := &Socket{t: t, Conn: c, frames: make(chan []byte, 1<<16), ended: make(chan struct{}), paused: make(chan bool, 1)}
	go sock.read()
	t.Cleanup(func() { _ = c.CloseNow() })
	return sock, nil
}

func (s *Socket) read() {
	defer close(s.ended)
	for {
		select {
		case p := <-s.paused:
			for p {
				p = <-s.paused
			}
		default:
		}
		_, raw, err := s.Conn.Read(context.Background())
		if err != nil {
			s.err = err
			return
		}
		s.frames <- raw
	}
}

// Pause stops reading from the socket (the server's writes back up), or
// resumes it.
func (s *Socket) Pause(stop bool) { s.paused <- stop }

// Dial opens the organization's socket as u and reads connection_status.
func (s *Server) Dial(t testing.TB, u *User, org string) (*Socket, Frame) {
	t.Helper()
	sock, err := s.DialTicket(t, org, s.Ticket(t, u, org), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	status := sock.Expect("connection_status")
	return sock, status
}

// Send writes one JSON message.
func (s *Socket) Send(v any) {
	s.t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	s.SendRaw(raw)
}

// SendRaw writes one text frame as it is.
func (s *Socket) SendRaw(raw []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Conn.Write(ctx, websocket.MessageText, raw); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

// Next reads the next frame, or fails after timeout. err is the read
// error when the connection ended (a websocket.CloseError carries the code).
func (s *Socket) Next(timeout time.Duration) (Frame, error) {
	var raw []byte
	select {
	case raw = <-s.frames:
	case <-s.ended:
		select {
		case raw = <-s.frames:
		default:
			return Frame{}, s.err
		}
	case <-time.After(timeout):
		return Frame{}, context.DeadlineExceeded
	}
	var f Frame
	if err := json.Unmarshal(raw, &f); err != nil {
		s.t.Fatalf("server sent non-JSON %q", raw)
	}
	return f, nil
}

// Expect reads frames until one of type typ arrives (skipping
// user.presence and user.activity, which arrive as others come and go).
func (s *Socket) Expect(typ string) Frame {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f, err := s.Next(time.Until(deadline))
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if f.Type == typ {
			return f
		}
		if f.Type == "user.presence" || f.Type == "user.activity" {
			continue
		}
		s.t.Fatalf("waiting for %s, got %s: %s", typ, f.Type, f.Data)
	}
	s.t.Fatalf("no %s within 10s", typ)
	return Frame{}
}

// Quiet asserts that no frame other than the ignored types arrives within d.
func (s *Socket) Quiet(d time.Duration, ignore ...string) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		f, err := s.Next(left)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
			s.t.Fatalf("connection ended: %v", err)
		}
		skip := false
		for _, t := range ignore {
			skip = skip || f.Type == t
		}
		if !skip {
			s.t.Fatalf("unexpected frame %s: %s", f.Type, f.Data)
		}
	}
}

// CloseCode waits for the connection to end and returns its close code
// (-1 when it ended without one).
func (s *Socket) CloseCode(timeout time.Duration) websocket.StatusCode {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := s.Next(time.Until(deadline))
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
	s.t.Fatalf("connection still open after %s", timeout)
	return 0
}
