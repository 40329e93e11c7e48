//go:build !linux

package hostkit

import "os/exec"

// killWithParent has no portable equivalent of Linux's parent-death signal; on other systems the
// program ends when the engine's monitor connection closes.
func killWithParent(_ *exec.Cmd) {}
