// Package miniterpb is the generated Go API of miniter: the messages and the
// MiniterClient stub of proto/miniter/v1/miniter.proto.
//
// The *.pb.go files are not committed, so that a .proto change that breaks
// Go code fails the tests instead of going unnoticed; create them with
// `go generate ./...` in clients/go (it runs ../generate.sh).
package miniterpb

//go:generate bash ../generate.sh
