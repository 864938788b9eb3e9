package grpcplugin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// HTTPRequest is one HTTP request the core proxies to a plugin.
type HTTPRequest struct {
	Tenant Tenant
	Actor  Actor
	Method string
	// Path is the path below the plugin's mount point, starting with "/":
	// for /api/v1/orgs/acme/plugins/files/http/upload it is "/upload".
	Path     string
	RawQuery string
	Header   http.Header
	// Body is streamed to the plugin in chunks; nil (or http.NoBody) means
	// no body.
	Body io.Reader
	// ContentLength is the body length, -1 when unknown; 0 with a non-nil
	// Body is sent as unknown.
	ContentLength int64
	RemoteAddr    string
}

// HTTPResponse is a plugin's answer. Body streams the response body: read
// it to the end or Close it early; Close must be called either way.
type HTTPResponse struct {
	StatusCode int
	Header     http.Header
	Body       io.ReadCloser
}

// RoundTrip sends req to the plugin's HTTP handler and returns the response
// once its head arrived. Bodies stream in both directions in chunks of
// HTTPChunkSize under gRPC flow control, so memory stays flat for bodies of
// any size. req.Body is read from another goroutine until the request body
// was sent, the response body is closed, or ctx ends, and never after
// RoundTrip returned an error or Body.Close returned (so a pooled request
// buffer may be reused then); a Body whose Read blocks delays those returns.
func (c *Client) RoundTrip(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.rpc.HandleHTTP(ctx)
	if err != nil {
		cancel()
		return nil, FromStatus(err)
	}
	head := &pluginv1.HTTPRequestHead{
		Tenant:        tenantToProto(req.Tenant),
		Actor:         actorToProto(req.Actor),
		Method:        req.Method,
		Path:          req.Path,
		RawQuery:      req.RawQuery,
		Headers:       headersToProto(req.Header),
		ContentLength: req.ContentLength,
		RemoteAddr:    req.RemoteAddr,
	}
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		head.ContentLength = 0
	case head.ContentLength == 0:
		// A body with a zero length is most likely a length nobody set:
		// send it as one of unknown length rather than drop it.
		head.ContentLength = -1
	}
	if err := stream.Send(&pluginv1.HTTPRequestPart{Part: &pluginv1.HTTPRequestPart_Head{Head: head}}); err != nil {
		err = recvError(stream)
		cancel()
		return nil, err
	}
	sender := &bodySender{done: make(chan struct{})}
	go sender.run(ctx, cancel, stream, req.Body)

	first, err := stream.Recv()
	if err != nil {
		cancel()
		<-sender.done
		if sender.err != nil {
			return nil, sender.err
		}
		return nil, FromStatus(err)
	}
	rh := first.GetHead()
	if rh == nil {
		cancel()
		<-sender.done
		return nil, NewError(CodeInternal, "http: the plugin sent a body before the response head")
	}
	return &HTTPResponse{
		StatusCode: int(rh.GetStatus()),
		Header:     headersFromProto(rh.GetHeaders()),
		Body:       &responseBody{stream: stream, cancel: cancel, sender: sender},
	}, nil
}

// ServeHTTP proxies req to the plugin and writes the answer to w, flushing
// after every chunk when w is an http.Flusher. It returns an error, and
// writes nothing, when the plugin failed before answering: the caller maps
// it to a status with HTTPStatus. An error after the head was written means
// the response was cut short.
func (c *Client) ServeHTTP(ctx context.Context, w http.ResponseWriter, req *HTTPRequest) error {
	resp, err := c.RoundTrip(ctx, req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	flusher, _ := w.(http.Flusher)
	rb := resp.Body.(*responseBody)
	for {
		chunk, err := rb.next()
		if len(chunk) > 0 {
			if _, werr := w.Write(chunk); werr != nil {
				return werr
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// bodySender streams the request body to the plugin.
type bodySender struct {
	done chan struct{}
	err  error // a failure reading the request body; set before done closes
}

func (s *bodySender) run(ctx context.Context, cancel context.CancelFunc, stream pluginv1.Plugin_HandleHTTPClient, body io.Reader) {
	defer close(s.done)
	if body == nil {
		_ = stream.CloseSend()
		return
	}
	buf := make([]byte, HTTPChunkSize)
	for ctx.Err() == nil {
		n, err := body.Read(buf)
		if n > 0 {
			// Send encodes the message before it returns, so buf is reused.
			if serr := stream.Send(&pluginv1.HTTPRequestPart{Part: &pluginv1.HTTPRequestPart_Body{Body: buf[:n]}}); serr != nil {
				return // the plugin answered or the stream broke; Recv reports which
			}
		}
		if errors.Is(err, io.EOF) {
			_ = stream.CloseSend()
			return
		}
		if err != nil {
			s.err = NewError(CodeInvalidInput, "http: read request body: "+err.Error())
			cancel()
			return
		}
	}
}

// responseBody streams the response body from the plugin.
type responseBody struct {
	stream pluginv1.Plugin_HandleHTTPClient
	cancel context.CancelFunc
	sender *bodySender

	buf       []byte
	err       error
	closeOnce sync.Once
}

// next returns the next chunk as received, without copying.
func (b *responseBody) next() ([]byte, error) {
	if len(b.buf) > 0 {
		p := b.buf
		b.buf = nil
		return p, nil
	}
	for b.err == nil {
		part, err := b.stream.Recv()
		switch {
		case errors.Is(err, io.EOF):
			b.err = io.EOF
		case err != nil:
			b.err = FromStatus(err)
			b.cancel()
			<-b.sender.done
			if b.sender.err != nil {
				b.err = b.sender.err
			}
		case part.GetHead() != nil:
			b.err = NewError(CodeInternal, "http: the plugin sent a second response head")
		case len(part.GetBody()) > 0:
			return part.GetBody(), nil
		}
	}
	return nil, b.err
}

func (b *responseBody) Read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		chunk, err := b.next()
		if err != nil {
			return 0, err
		}
		b.buf = chunk
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// Close ends the exchange: an unfinished response is abandoned (the plugin's
// handler sees its context cancelled) and the request body is no longer read.
func (b *responseBody) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		<-b.sender.done
	})
	return nil
}

// recvError returns the status that ended a stream whose Send failed.
func recvError(stream pluginv1.Plugin_HandleHTTPClient) error {
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return NewError(CodeUnavailable, "http: the plugin closed the stream")
			}
			return FromStatus(err)
		}
	}
}
