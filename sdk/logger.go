package sdk

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// logTimeout bounds the delivery of one log record to the core.
const logTimeout = 2 * time.Second

// logHandler is the slog.Handler of Host.Logger: it sends each record to the
// core's Log, flattening attributes into key/value strings, and falls back
// to stderr when the core cannot be reached.
type logHandler struct {
	api      grpcplugin.HostServer
	level    slog.Leveler
	fallback slog.Handler
	attrs    []grpcplugin.LogField
	group    string
}

var _ slog.Handler = (*logHandler)(nil)

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	e := grpcplugin.LogEntry{Level: r.Level, Message: r.Message}
	e.Fields = append(e.Fields, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		e.Fields = appendAttr(e.Fields, h.group, a)
		return true
	})
	if t, ok := TenantFrom(ctx); ok {
		e.Tenant = t
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logTimeout)
	defer cancel()
	if err := h.api.Log(sendCtx, e); err != nil {
		return h.fallback.Handle(ctx, r)
	}
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append([]grpcplugin.LogField(nil), h.attrs...)
	for _, a := range attrs {
		n.attrs = appendAttr(n.attrs, h.group, a)
	}
	n.fallback = h.fallback.WithAttrs(attrs)
	return &n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.group = joinKey(h.group, name)
	n.fallback = h.fallback.WithGroup(name)
	return &n
}

func appendAttr(fields []grpcplugin.LogField, group string, a slog.Attr) []grpcplugin.LogField {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return fields
	}
	if a.Value.Kind() == slog.KindGroup {
		g := joinKey(group, a.Key)
		for _, ga := range a.Value.Group() {
			fields = appendAttr(fields, g, ga)
		}
		return fields
	}
	return append(fields, grpcplugin.LogField{Key: joinKey(group, a.Key), Value: a.Value.String()})
}

func joinKey(group, key string) string {
	switch {
	case group == "":
		return key
	case key == "":
		return group
	}
	return strings.Join([]string{group, key}, ".")
}
