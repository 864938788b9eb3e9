// Package web embeds the built dashboard (web/dist) into the Switchyard
// binary. The React app's sources live beside this file; `make web` builds
// them into dist. Without a build, dist holds only .gitkeep and DistFS
// reports that no dashboard is present, so `go build ./...` and
// `go test ./...` work on a machine without Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// DistFS returns the built dashboard rooted at its index.html, or nil when
// the binary was built without one.
func DistFS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
