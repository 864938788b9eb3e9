// Package pluginhost runs Switchyard's plugins: separate binaries started
// with hashicorp/go-plugin over gRPC (sdk/grpcplugin), one process per
// plugin version, shared by every organization that installed it.
//
// # What it owns
//
//   - The registry (Manager): which organizations installed which plugin
//     version, and the route from an (organization, plugin) pair to the
//     process serving it. Calls into a plugin — Invoke, jobs (RunJob,
//     CancelJob, the jobs.Runner the job service uses), HTTP
//     (RoundTrip) — carry the organization as the tenant and the acting
//     user as the actor. Inputs and configs are checked against the
//     manifest's JSON Schemas before the plugin sees them, with the
//     offending field named.
//   - One supervisor per process (supervisor.go): it launches the binary
//     (AutoMTLS, the binary's SHA-256 checked before every start, the
//     core's environment withheld but for an allow-list, a start timeout,
//     its own process group that dies with the core), reads and checks the
//     manifest, configures every installed tenant before routing their
//     calls, health-checks the process and restarts it with exponential
//     backoff and jitter when it exits or hangs. A plugin that keeps failing,
//     or whose binary no longer matches its checksum, is disabled. Every
//     status change (starting, running, crashed, disabled) is published as
//     a plugin.status event to each organization that installed it. Calls
//     to a process that is not running fail at once with ErrUnavailable
//     (HTTP 503); calls to a starting one wait at most until their deadline.
//   - The host API (hostapi.go): the grpcplugin.HostServer a process calls
//     back into. Every request names a tenant, and the process may act only
//     for tenants that installed its plugin. Emitted events must also be of
//     a type the manifest declares and within the size limit, and the
//     organization's event rate quota applies; a violating event is
//     dropped, counted (switchyard_plugin_events_dropped_total and the
//     events service's drop counter) and logged, and never reaches an
//     organization. Accepted events go to the events service with source
//     "plugin:<name>". Per-tenant key/value state belongs to one plugin in
//     one organization; datasets belong to the organization (one plugin
//     writes what another reads), records upserted by key. Job reports go
//     to the job service, logs to the core's log tagged with plugin and
//     tenant.
//
// # What it may import
//
// core/store (state and datasets), core/events (event drafts), core/jobs
// (placement of jobs), sdk/grpcplugin and go-plugin. The marketplace
// decides what is installed and calls Attach, Register, Configure and
// Detach; the HTTP API calls the routing methods.
//
// # Concurrency
//
// A Manager is safe for concurrent use. Each supervisor runs one goroutine
// for its process's life cycle and one that publishes its status changes in
// order; the host API is called concurrently by gRPC.
//
// # Processes
//
// Plugin processes run in their own process group. On Linux they get
// Pdeathsig SIGKILL, so the kernel kills them when the core dies, even by
// kill -9; stopping a plugin also kills its whole group, so nothing a
// plugin spawned outlives it. The environment a plugin sees is exactly:
// SWITCHYARD_OUTBOUND_ALLOW, SWITCHYARD_PLUGIN_DATA_DIR (its private
// directory, also HOME and TMPDIR), SWITCHYARD_FILES_DIR (organizations'
// files, one directory per organization id), the go-plugin handshake, and
// TZ, LANG, LC_ALL, SSL_CERT_FILE and SSL_CERT_DIR when the core has them.
// Never the database URL or the JWT secret.
package pluginhost
