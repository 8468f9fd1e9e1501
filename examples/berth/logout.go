//go:build linux

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/registryclient"
)

// dockerHubServer is how docker names Docker Hub in its config and messages.
const dockerHubServer = "https://index.docker.io/v1/"

func newLogoutCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "logout [SERVER]",
		Short: "Log out from a registry",
		Long: `Remove the credentials stored for a registry (Docker Hub when SERVER is
omitted). Not being logged in is not an error.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			server, display := "", dockerHubServer
			if len(args) == 1 {
				server = args[0]
				display = serverHostname(server)
			}
			reg, err := c.registryClient()
			if err != nil {
				return err
			}
			err = reg.Logout(ctx, server)
			if errors.Is(err, registryclient.ErrNotFound) {
				fmt.Fprintf(c.stdout, "Not logged in to %s\n", display)
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Removing login credentials for %s\n", display)
			return nil
		},
	}
}

// serverHostname strips the scheme and path from a server address, as
// docker does when naming it: "https://host:5000/v2/" is "host:5000".
func serverHostname(server string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(server, "http://"), "https://")
	host, _, _ := strings.Cut(s, "/")
	return host
}
