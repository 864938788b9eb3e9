// Package jobs owns plugin jobs: long work (a sync run, a training run)
// that a plugin performs in the background while the core keeps the
// record. Each run is a row in the jobs table — its plugin and kind, its
// input, status (queued, running, succeeded, failed, cancelled), progress
// and item counts, attempts, error, whether it is worth retrying, its
// result, who started it and when.
//
// Jobs are their own package, beside the plugin host rather than inside
// it, because their readers are broader than the host: the HTTP API lists,
// cancels and retries them, and the real-time hub answers get_sync_status
// from them (SyncTasks). The host is only how a job reaches its plugin: the
// Service calls a Runner (the plugin host) to start or cancel the plugin's
// side, and the host reports back through Update and Interrupt.
//
// A job is never lost. Each attempt is bound to the plugin process that
// runs it (the runner id); only that process's reports count, so a late
// report from a process that has since died cannot overwrite a newer
// attempt. When a process dies, Interrupt fails its unfinished jobs as
// retryable. Each attempt also belongs to the core process (replica) that
// launched it, whose plugin processes run it: on one node a core process
// that starts serving fails, with RecoverInterrupted, the jobs an earlier
// process left behind; replicas sharing a database each hold a lease
// (KeepAlive, the core_replicas table) and fail, with RecoverAbandoned,
// only the jobs of a replica whose lease lapsed or that left — never
// those of one still running. Retry starts a new attempt of the same job
// (same id, attempts+1) with its stored input.
//
// jobs imports core/store for the database and sdk/grpcplugin for the
// wire's job types. A Service is safe for concurrent use.
package jobs
