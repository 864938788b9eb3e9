// Package pluginv1 holds the Go code generated from
// sdk/proto/switchyard/plugin/v1/plugin.proto: the messages and the Plugin
// and Host gRPC services of the Switchyard plugin contract.
//
// Do not edit the *.pb.go files: change the .proto and run `make proto`
// (sdk/proto/generate.sh), which regenerates them with pinned generator
// versions; TestGeneratedCodeIsCurrent fails when they are stale. Only
// sdk/grpcplugin uses these types; the core and plugins work with the Go
// types of grpcplugin. Generated clients are safe for concurrent use, as
// gRPC clients are; messages are not.
package pluginv1
