// Package sdktest runs a plugin the way the Switchyard core does, without the
// core, so a plugin author can test it end to end.
//
//   - Serve/Start run a plugin in the test's process over a real go-plugin
//     gRPC connection (local socket, the same broker, interceptors and
//     adapters as a plugin binary, without TLS).
//   - ServeBinary/StartBinary build the plugin's main package with go build
//     and launch it as a separate process, with AutoMTLS and the binary's
//     SHA-256 checked, as the core does.
//   - RecordingHost is the in-memory host both use: it records events,
//     state, datasets, job updates and logs, lets a test wait for an event
//     or a job's end, and enforces what the core enforces (installed
//     tenants, declared event types).
//   - HostFuncs is a host API made of function fields, for tests that need
//     a host to fail or block; pass it to sdk.NewHost or as Options.Host.
//
// Harness, RecordingHost and HostFuncs are safe for concurrent use.
package sdktest
