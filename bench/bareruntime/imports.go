//go:build linux && berthimports

package main

// Linked, never called: what starting a program with berth's packages and
// its CLI's costs (package initialisation, a larger binary to map).
import (
	_ "github.com/spf13/cobra"
	_ "github.com/vbauerster/mpb/v8"
	_ "golang.org/x/term"

	_ "github.com/berth-dev/berth/container"
	_ "github.com/berth-dev/berth/image"
	_ "github.com/berth-dev/berth/layer"
	_ "github.com/berth-dev/berth/registryclient"
)
