//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package warehouse

import "os"

func tryLock(*os.File) (bool, error) { return false, errNoFlock }

func unlock(*os.File) error { return errNoFlock }

func lockShared(*os.File) error { return errNoFlock }
