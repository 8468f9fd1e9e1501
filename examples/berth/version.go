//go:build linux

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what docker version reports, for --format: the client's
// part. berth has no server.
type versionInfo struct {
	Client clientVersion
}

type clientVersion struct {
	Version   string
	GoVersion string
	GitCommit string
	BuildTime string
	Os        string
	Arch      string
}

func newVersionCommand(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version [OPTIONS]",
		Short: "Show the berth version information",
		Long: `Show the berth version information, as docker version shows the client's:
berth has no daemon, so there is no server part.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			info := versionInfo{Client: clientVersion{
				Version:   versionOf(bi),
				GoVersion: runtime.Version(),
				Os:        runtime.GOOS,
				Arch:      runtime.GOARCH,
			}}
			if bi != nil {
				for _, s := range bi.Settings {
					switch s.Key {
					case "vcs.revision":
						info.Client.GitCommit = s.Value[:min(len(s.Value), 7)]
					case "vcs.time":
						info.Client.BuildTime = s.Value
					}
				}
			}
			if format != "" {
				f, err := parseRowFormat(format, "")
				if err != nil {
					return usageError{err}
				}
				return f.write(c.stdout, nil, []any{info})
			}
			v := info.Client
			_, err := fmt.Fprintf(c.stdout, "Client:\n Version:           %s\n Go version:        %s\n Git commit:        %s\n Built:             %s\n OS/Arch:           %s/%s\n",
				v.Version, v.GoVersion, orUnknown(v.GitCommit), orUnknown(v.BuildTime), v.Os, v.Arch)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
