// Package storage keeps the files plugin's file contents (blobs) behind the
// Storage interface: Local stores them on the local disk, and an
// S3-compatible object store fits the same interface (Put is a PutObject,
// Import a multipart upload of a staged file, Open a ranged GetObject,
// Delete a DeleteObject, Walk a ListObjectsV2).
//
// Objects are written whole or not at all: Local writes into a temporary
// file beside the target, fsyncs it, renames it into place and fsyncs the
// directory, and removes the temporary file on any error, so a crash or a
// refused upload never leaves a partial object behind.
//
// Keys are slash-separated lower-case paths ("blobs/01/0193...") that
// callers build; Local refuses anything else, so no key reaches outside its
// root. Local is safe for concurrent use.
package storage
