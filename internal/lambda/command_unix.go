//go:build unix

package lambda

import (
	"os/exec"
	"syscall"
)

// killProcessGroup puts the command in a process group of its own and
// makes cancelling it kill the whole group, so that `sh -c 'sleep 10'` and
// the children of an interpreter die at the time limit too.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
