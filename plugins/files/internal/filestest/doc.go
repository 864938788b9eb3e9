// Package filestest drives the files plugin's HTTP routes through an
// sdktest harness, as the core's passthrough does, and makes large
// deterministic bodies that never sit in memory, for the plugin's tests.
// A Client is safe for concurrent use; a Pattern is not.
package filestest
