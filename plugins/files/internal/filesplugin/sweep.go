package filesplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchyard/switchyard/plugins/files/internal/storage"
	"github.com/switchyard/switchyard/sdk"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// orphanAge is how old an unreferenced blob or staging file must be before
// the sweeper removes it, so that uploads in flight are never touched.
const orphanAge = time.Hour

func (p *Plugin) sweepLoop(ctx context.Context) {
	tick := time.NewTicker(p.opts.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, ts := range p.tenantList() {
			if err := p.Sweep(ctx, ts.t); err != nil && ctx.Err() == nil {
				p.host.Logger().WarnContext(ctx, "files sweep failed", "tenant", ts.t.Slug, "error", err.Error())
			}
		}
	}
}

// SweepReport counts what one sweep removed.
type SweepReport struct {
	Purged         int `json:"purged"`
	ExpiredUploads int `json:"expired_uploads"`
	OrphanBlobs    int `json:"orphan_blobs"`
	OrphanStaging  int `json:"orphan_staging"`
}

// Sweep cleans up one organization: entries whose trash retention ended
// are purged, expired uploads dropped, and blobs and staging files that
// nothing refers to (left by a crash) removed once older than an hour.
func (p *Plugin) Sweep(ctx context.Context, t sdk.Tenant) error {
	_, err := p.sweep(ctx, t)
	return err
}

func (p *Plugin) sweep(ctx context.Context, t sdk.Tenant) (SweepReport, error) {
	var rep SweepReport
	ts, err := p.tenant(t)
	if err != nil {
		return rep, err
	}
	tr := p.tree(ts)
	now := p.opts.Now()
	var expired []string
	err = tr.scan(ctx, "t/", func(key string, raw []byte) error {
		var ti trashItem
		if json.Unmarshal(raw, &ti) == nil && now.Sub(ti.DeletedAt) >= ts.cfg.retention {
			expired = append(expired, strings.TrimPrefix(key, "t/"))
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, id := range expired {
		if _, err := p.purge(ctx, ts, id); err != nil && !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrConflict) {
			return rep, err
		}
		rep.Purged++
	}
	var uploads []upload
	sessions := map[string]bool{}
	err = tr.scan(ctx, "u/", func(_ string, raw []byte) error {
		var u upload
		if json.Unmarshal(raw, &u) == nil {
			sessions[u.ID] = true
			if now.After(u.ExpiresAt) {
				uploads = append(uploads, u)
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, u := range uploads {
		if ts.claim(u.ID) != nil {
			continue // being written to right now
		}
		p.abortUpload(ctx, ts, u, "expired")
		ts.unclaim(u.ID)
		rep.ExpiredUploads++
	}
	if entries, err := os.ReadDir(ts.staging); err == nil {
		for _, de := range entries {
			info, err := de.Info()
			if err != nil || sessions[de.Name()] || now.Sub(info.ModTime()) < orphanAge {
				continue
			}
			if os.Remove(filepath.Join(ts.staging, de.Name())) == nil {
				rep.OrphanStaging++
			}
		}
	}
	// Blobs no entry refers to: written by an upload that crashed before
	// its entry was recorded.
	refs := map[string]bool{}
	if err := tr.scan(ctx, "e/", func(_ string, raw []byte) error {
		var e Entry
		if json.Unmarshal(raw, &e) == nil && e.Blob != "" {
			refs[e.Blob] = true
		}
		return nil
	}); err != nil {
		return rep, err
	}
	var orphans []string
	if err := ts.store.Walk(ctx, "blobs/", func(o storage.Object) error {
		if !refs[o.Key] && now.Sub(o.ModTime) >= orphanAge {
			orphans = append(orphans, o.Key)
		}
		return nil
	}); err != nil {
		return rep, err
	}
	for _, key := range orphans {
		if ts.store.Delete(ctx, key) == nil {
			rep.OrphanBlobs++
		}
	}
	return rep, nil
}
