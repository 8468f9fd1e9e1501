//go:build !linux

// Command bareruntime runs on Linux only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bareruntime: not supported on this OS")
	os.Exit(125)
}
