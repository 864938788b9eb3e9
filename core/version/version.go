// Package version reports what build of Switchyard is running. The
// release build sets Version and Commit with -ldflags -X.
package version

import "runtime"

// Set at build time; the defaults describe a development build.
var (
	Version = "dev"
	Commit  = "unknown"
)

// Info describes the running build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
}

// Get returns the running build's Info.
func Get() Info {
	return Info{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
}
