//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package warehouse

import (
	"errors"
	"os"
)

var errNoFlock = errors.New("file locking is not supported on this system")

func tryLock(*os.File) (bool, error) { return false, errNoFlock }

func unlock(*os.File) error { return errNoFlock }
