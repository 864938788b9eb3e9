// Package syncplugin is the sync plugin: it copies records from external
// sources (HTTP JSON APIs, CSV and JSONL files, PostgreSQL queries) into an
// organization's datasets, upserting by key, so every record is stored once
// however often it is synced.
//
// A sync runs as a job (the "sync" action, input {"source": name}), started
// by a user or, on a source's interval, by the plugin itself through the
// host's SubmitJob (created by "plugin:sync:schedule"; a tick is skipped
// while the source is still syncing). While it runs it reports progress to
// the core (the job's row) and emits sync.update events
// ({task_id, status, progress, processed_items, total_items}) at most four
// times a second, then a notification when it succeeds or fails. Records
// already written stay when a sync fails midway or is cancelled; the job's
// error says what happened.
//
// The plugin keeps nothing itself but each organization's parsed config
// and schedule: records live in the core's datasets. One Plugin serves
// every organization concurrently and is safe for concurrent use.
//
// It imports the sdk, sdk/outbound and its source package, never the core.
package syncplugin
