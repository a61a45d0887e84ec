//go:build unix

package jobs

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid exists. Signal 0 checks without
// signalling; EPERM means it exists but belongs to another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
