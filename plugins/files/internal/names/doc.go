// Package names checks and normalizes the names of files and folders the
// files plugin stores, and parses slash-separated paths made of them.
//
// A name is NFC-normalized UTF-8 of 1 to 255 bytes; it is neither "." nor
// "..", holds no slash or backslash, no control or format character (NUL,
// newlines, bidirectional overrides), does not start or end with a space,
// does not end with a dot, and is not a device name that Windows reserves
// (CON, NUL, COM1, ...), so every stored name is safe on any file system and
// in any download. The functions are pure and safe for concurrent use.
package names
