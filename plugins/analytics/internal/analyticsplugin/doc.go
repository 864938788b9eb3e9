// Package analyticsplugin is the analytics plugin: aggregations over an
// organization's datasets (those the sync plugin fills), its own event
// stream and its usage figures, saved dashboard panels, and live updates.
//
// Each source a query or panel names is copied into a column store in
// memory (internal/table) and kept current incrementally: a dataset
// through the host's change feed (Datasets.Changes, by cursor), the event
// stream through Events.Since (by sequence number, the newest events_keep
// events kept), usage samples from Host.Usage. A query reads only the
// local copy, so it answers in milliseconds over a million rows; the copy
// is refreshed before each query and on every tick of the organization's
// loop. Copies live in memory only: after a restart they are loaded again
// from the core (events the core no longer keeps are gone from them too).
//
// Panels (a query and a chart type) are kept in the plugin's state. The
// loop (every refresh_interval, 5s by default) refreshes the sources of
// the organization's panels and, when a source changed, runs its panels
// again and emits analytics.update with the new result. Every
// metrics_interval (15s; "0s" turns it off) it reads the organization's
// usage and emits metrics.update when a figure changed: events per second
// (the events published since the last reading, not counting the
// plugin's own, over the time between), open sockets, queued and running
// jobs, and storage (datasets, files, plugin state).
//
// One Plugin serves every organization concurrently and is safe for
// concurrent use; a source's refresh is serialized by its own lock and
// queries read its table under a shared lock.
package analyticsplugin
