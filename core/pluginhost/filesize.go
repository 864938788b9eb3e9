package pluginhost

import (
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// filesSizer measures organizations' files directories (FilesDir/<org id>)
// for the host API's Usage. A walk is remembered for maxAge, so frequent
// callers cost one walk per organization per maxAge. It is safe for
// concurrent use.
type filesSizer struct {
	root   string
	maxAge time.Duration

	mu    sync.Mutex
	sizes map[string]sizeReading
}

type sizeReading struct {
	bytes int64
	at    time.Time
}

func newFilesSizer(root string, maxAge time.Duration) *filesSizer {
	return &filesSizer{root: root, maxAge: maxAge, sizes: map[string]sizeReading{}}
}

// size returns the bytes of regular files under the organization's
// directory (0 when it does not exist).
func (f *filesSizer) size(orgID string) int64 {
	f.mu.Lock()
	r, ok := f.sizes[orgID]
	f.mu.Unlock()
	if ok && time.Since(r.at) < f.maxAge {
		return r.bytes
	}
	var total int64
	_ = filepath.WalkDir(filepath.Join(f.root, orgID), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a vanished or unreadable entry counts as empty
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	f.mu.Lock()
	f.sizes[orgID] = sizeReading{bytes: total, at: time.Now()}
	f.mu.Unlock()
	return total
}
