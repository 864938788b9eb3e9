package grpcplugin

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// HTTPChunkSize is the largest body chunk one stream message carries, in
// both directions. With gRPC flow control it bounds the memory a streamed
// body takes, whatever its length.
const HTTPChunkSize = 32 << 10

func (s *pluginService) HandleHTTP(stream pluginv1.Plugin_HandleHTTPServer) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		return ToStatus(NewError(CodeInvalidInput, "http: no request head: "+err.Error()))
	}
	head := first.GetHead()
	if head == nil {
		return ToStatus(NewError(CodeInvalidInput, "http: the first message must be the request head"))
	}
	t := tenantFromProto(head.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return ToStatus(err)
	}
	if !validMethod(head.GetMethod()) {
		return ToStatus(NewError(CodeInvalidInput, "http: invalid method"))
	}
	if !strings.HasPrefix(head.GetPath(), "/") {
		return ToStatus(NewError(CodeInvalidInput, "http: path must start with /"))
	}
	u := &url.URL{Path: head.GetPath(), RawQuery: head.GetRawQuery()}
	r := (&http.Request{
		Method:        head.GetMethod(),
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        headersFromProto(head.GetHeaders()),
		Body:          &streamBody{stream: stream},
		ContentLength: head.GetContentLength(),
		RemoteAddr:    head.GetRemoteAddr(),
		RequestURI:    u.RequestURI(),
		Host:          "plugin",
	}).WithContext(ctx)
	if r.ContentLength == 0 {
		r.Body = http.NoBody
	}
	w := &streamResponseWriter{stream: stream, header: make(http.Header)}
	if err := s.impl.ServeHTTP(ctx, t, actorFromProto(head.GetActor()), w, r); err != nil {
		return ToStatus(err)
	}
	return w.finish()
}

// streamBody reads the request body from the stream's body parts. It is
// read by one goroutine, the handler's.
type streamBody struct {
	stream pluginv1.Plugin_HandleHTTPServer
	buf    []byte
	err    error
}

func (b *streamBody) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		part, err := b.stream.Recv()
		switch {
		case errors.Is(err, io.EOF):
			b.err = io.EOF
		case err != nil:
			b.err = FromStatus(err)
		case part.GetHead() != nil:
			b.err = NewError(CodeInvalidInput, "http: a second request head in one stream")
		default:
			b.buf = part.GetBody()
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *streamBody) Close() error { return nil }

// streamResponseWriter is the http.ResponseWriter of a plugin's handler: the
// head goes out with the first body bytes (or at Flush, or at the end), the
// body in chunks of at most HTTPChunkSize. It is used by the handler's
// goroutine only, as net/http's own writers are.
type streamResponseWriter struct {
	stream      pluginv1.Plugin_HandleHTTPServer
	header      http.Header
	status      int
	wroteHeader bool // WriteHeader was called (explicitly or by Write)
	sentHead    bool // the head message went out
	buf         []byte
	err         error
}

var (
	_ http.ResponseWriter = (*streamResponseWriter)(nil)
	_ http.Flusher        = (*streamResponseWriter)(nil)
)

func (w *streamResponseWriter) Header() http.Header { return w.header }

func (w *streamResponseWriter) WriteHeader(code int) {
	if w.wroteHeader || code < 200 || code > 999 {
		// Informational (1xx) answers are not proxied; a second call is a
		// no-op as in net/http.
		return
	}
	w.wroteHeader = true
	w.status = code
}

func (w *streamResponseWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sentHead && len(p) > 0 && w.header.Get("Content-Type") == "" && len(w.buf) == 0 {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	n := len(p)
	// Large writes go out directly, without copying through the buffer.
	if len(w.buf)+len(p) > HTTPChunkSize {
		if err := w.flushBuf(); err != nil {
			return 0, err
		}
		for len(p) >= HTTPChunkSize {
			if err := w.send(p[:HTTPChunkSize]); err != nil {
				return 0, err
			}
			p = p[HTTPChunkSize:]
		}
	}
	if w.buf == nil && len(p) > 0 {
		w.buf = make([]byte, 0, HTTPChunkSize)
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

// Flush sends the head and any buffered body bytes now.
func (w *streamResponseWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = w.flushBuf()
	if w.err == nil && !w.sentHead {
		w.err = w.sendHead()
	}
}

func (w *streamResponseWriter) flushBuf() error {
	if len(w.buf) == 0 {
		return w.err
	}
	err := w.send(w.buf)
	w.buf = w.buf[:0]
	return err
}

// send sends one body chunk, preceded by the head if it has not gone out.
// gRPC encodes the message before Send returns, so p may be reused.
func (w *streamResponseWriter) send(p []byte) error {
	if w.err != nil {
		return w.err
	}
	if !w.sentHead {
		if w.err = w.sendHead(); w.err != nil {
			return w.err
		}
	}
	if err := w.stream.Send(&pluginv1.HTTPResponsePart{Part: &pluginv1.HTTPResponsePart_Body{Body: p}}); err != nil {
		w.err = FromStatus(err)
	}
	return w.err
}

func (w *streamResponseWriter) sendHead() error {
	w.sentHead = true
	err := w.stream.Send(&pluginv1.HTTPResponsePart{Part: &pluginv1.HTTPResponsePart_Head{Head: &pluginv1.HTTPResponseHead{
		Status:  int32Of(w.status),
		Headers: headersToProto(w.header),
	}}})
	return FromStatus(err)
}

// finish sends what is left once the handler returned.
func (w *streamResponseWriter) finish() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if err := w.flushBuf(); err != nil {
		return ToStatus(err)
	}
	if !w.sentHead {
		if err := w.sendHead(); err != nil {
			return ToStatus(err)
		}
	}
	return nil
}

// validMethod reports whether m is an HTTP method token (RFC 9110, 5.6.2).
func validMethod(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
