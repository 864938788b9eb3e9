// Command echo is the smallest complete Switchyard plugin: an action, a job
// with progress, an HTTP route and a per-tenant config. Copy it to start a
// plugin; sdk/README.md walks through it.
//
// Its test shows both ways to test a plugin with sdk/sdktest: in-process and
// as a built binary. The plugin value is shared by all tenants and keeps no
// per-tenant state of its own, so it is safe for concurrent use.
package main
