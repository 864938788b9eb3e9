// Command files is Switchyard's files plugin: each organization's files
// and folders, with streamed and resumable uploads, downloads, SHA-256
// digests, a quota and a trash. The core starts it; see
// internal/filesplugin for what it does.
//
// The core gives it, in its environment: SWITCHYARD_FILES_DIR (one
// directory per organization id; the plugin stores an organization's files
// under <id>/.switchyard-files) and, as a fallback when that is unset,
// SWITCHYARD_PLUGIN_DATA_DIR.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchyard/switchyard/plugins/files/internal/filesplugin"
	"github.com/switchyard/switchyard/sdk"
)

func main() {
	dir := os.Getenv("SWITCHYARD_FILES_DIR")
	if dir == "" {
		if data := os.Getenv("SWITCHYARD_PLUGIN_DATA_DIR"); data != "" {
			dir = filepath.Join(data, "files")
		}
	}
	if err := sdk.Serve(filesplugin.New(filesplugin.Options{FilesDir: dir})); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
