// Package sdk is what a Switchyard plugin imports: write a Plugin, call
// Serve from main, and the core runs the binary for every organization
// (tenant) that installs it. gRPC and go-plugin stay hidden; sdk/README.md
// is the five-minute guide.
//
// # What the sdk owns
//
//   - Serving (Serve, ServeWith, NewServer): validates the manifest at start
//     (names, semantic version, JSON Schemas, event types) and the
//     capabilities the plugin implements against it, then serves it to the
//     core.
//   - Calls into the plugin: Configure, Invoke, jobs (JobRunner), HTTP
//     (HTTPHandler), tenant removal, health and shutdown. Each call carries
//     its tenant and actor; TenantFrom, ActorFrom and ConfigFrom read them
//     from the context. Inputs and configs are checked against the
//     manifest's schemas before the plugin sees them; outputs are checked
//     after. The sdk keeps each tenant's current config and refuses calls for
//     a tenant the core has not configured in this process.
//   - Jobs: one goroutine per (tenant, job id), "running" reported at start,
//     progress rate-limited (ServeOpts.ProgressInterval), exactly one final
//     report (succeeded, failed or cancelled; failed with ErrUnavailable,
//     retryable, when a shutdown interrupted it). A panicking job fails
//     alone.
//   - The way back to the core (Host): events one by one (Emit), in batches
//     (EmitBatch) or through a batching Publisher, per-tenant key/value State,
//     keyed Datasets, and a Logger whose records reach the core's log.
//   - Errors (ErrInvalidInput, ErrNotFound, ... and Errorf): their codes
//     cross the process boundary and become HTTP statuses in the core.
//
// # Concurrency
//
// One plugin value serves all tenants at once: the sdk calls its methods
// concurrently, from many goroutines, and the plugin must be safe for that.
// Host, State, Datasets, Publisher and Progress are safe for concurrent use.
// The sdk recovers panics in plugin calls and jobs: the call fails with
// ErrInternal and the process lives on.
//
// # Compatibility
//
// The sdk follows semantic versioning with the Switchyard module. The wire
// contract (sdk/proto) only grows; a breaking change raises
// grpcplugin.ProtocolVersion, and a core and a plugin without a common
// version refuse each other at start with both versions named.
package sdk
