// Command sync is Switchyard's sync plugin: it copies records from HTTP
// JSON APIs, CSV/JSONL files and PostgreSQL queries into an organization's
// datasets, as jobs or on a schedule. The core starts it; see
// internal/syncplugin for what it does and internal/source for the sources.
//
// The core gives it, in its environment: SWITCHYARD_OUTBOUND_ALLOW (the
// private hosts and networks sources may reach besides the public
// internet), SWITCHYARD_FILES_DIR (one directory per organization id, where
// file sources' paths resolve) and TMPDIR.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/switchyard/plugins/sync/internal/syncplugin"
	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/outbound"
)

func main() {
	policy, err := outbound.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
	p := syncplugin.New(syncplugin.Options{
		Policy:   policy,
		FilesDir: os.Getenv("SWITCHYARD_FILES_DIR"),
		TempDir:  os.Getenv("TMPDIR"),
	})
	if err := sdk.Serve(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
