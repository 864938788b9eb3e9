package pluginhost

import (
	"bytes"
	"context"
	"log/slog"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// hclogFor returns the hclog.Logger go-plugin writes to (process start and
// exit, the plugin's stderr): each line goes to log at its level.
func hclogFor(log *slog.Logger, name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      hclog.Info,
		Output:     &lineWriter{log: log},
		JSONFormat: false,
		// Levels are kept in the text; the writer maps them.
		DisableTime: true,
	})
}

// lineWriter forwards hclog's lines to slog.
type lineWriter struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := string(bytes.TrimSpace(w.buf[:i]))
		w.buf = w.buf[i+1:]
		if line == "" {
			continue
		}
		level := slog.LevelInfo
		switch {
		case bytes.HasPrefix([]byte(line), []byte("[ERROR]")):
			level = slog.LevelError
		case bytes.HasPrefix([]byte(line), []byte("[WARN]")):
			level = slog.LevelWarn
		case bytes.HasPrefix([]byte(line), []byte("[DEBUG]")), bytes.HasPrefix([]byte(line), []byte("[TRACE]")):
			level = slog.LevelDebug
		}
		if len(line) > 4096 {
			line = line[:4096]
		}
		w.log.Log(context.Background(), level, line)
	}
	if len(w.buf) > 64<<10 { // a runaway line without newline
		w.buf = w.buf[:0]
	}
	return len(p), nil
}
