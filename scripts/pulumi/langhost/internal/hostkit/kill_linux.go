package hostkit

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill the program if this host dies first (the engine kills language
// hosts on cancellation), so no program process is ever left running on its own.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
