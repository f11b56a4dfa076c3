//go:build !unix

package lambda

import "os/exec"

// killProcessGroup leaves exec's default: cancelling kills the process
// itself (there are no process groups to kill here).
func killProcessGroup(*exec.Cmd) {}
