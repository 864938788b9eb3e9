// Package filesplugin is the files plugin: each organization's files and
// folders, uploaded and downloaded through the plugin's HTTP routes with
// bodies streamed end to end (constant memory for files of any size), and
// managed through actions.
//
// Contents are blobs in a storage.Storage (the local disk under the
// organization's directory of SWITCHYARD_FILES_DIR by default); the tree —
// names, folders, sizes, SHA-256 digests, sniffed content types, the trash
// and resumable upload sessions — lives in the plugin's per-organization
// state in the core. A blob is written whole (temporary file, fsync,
// rename) before the entry naming it is recorded, so a refused or broken
// upload leaves nothing behind and a crash between the two leaves at most
// an unreferenced blob, which the sweeper removes.
//
// Uploads are checked against the organization's quota (the config's
// quota_bytes, 5 GiB by default; files in the trash and bytes reserved by
// unfinished resumable uploads count) before and while bytes arrive. Large
// files use the resumable protocol (POST /uploads, PATCH chunks at an
// offset, POST /uploads/{id}/complete), which survives broken connections
// and plugin restarts: the offset is what the staging file durably holds.
// Deleted entries go to the trash and can be restored until the retention
// (the config's trash_retention, 30 days by default) ends; the sweeper then
// purges them.
//
// Events: file.upload.progress and file.download.progress (to the acting
// user, at most four a second per transfer, plus the final one) and
// file.operation (created, renamed, deleted, restored, purged) for every
// change of the tree.
//
// One Plugin serves every organization concurrently and is safe for
// concurrent use: each organization's tree changes under its own lock.
package filesplugin
