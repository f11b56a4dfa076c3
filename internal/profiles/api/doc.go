// Package api holds the Go types of the Customer Profiles operations Hotline
// implements, generated from the botocore model by cmd/modelgen. Edit
// operations.txt and rerun the generator; never edit types.gen.go.
package api

//go:generate sh -c "cd ../../.. && go run ./cmd/modelgen"
