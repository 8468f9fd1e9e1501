//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newLoginCommand(c *cli) *cobra.Command {
	var (
		username, password string
		passwordStdin      bool
	)
	cmd := &cobra.Command{
		Use:   "login [OPTIONS] [SERVER]",
		Short: "Authenticate to a registry",
		Long: `Log in to a registry (Docker Hub when SERVER is omitted). The credentials are
checked against the registry, then stored in the docker config directory
(--config, $DOCKER_CONFIG or ~/.docker) or its credential helper. Missing
username or password are prompted for when stdin is a terminal.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			server := ""
			if len(args) == 1 {
				server = args[0]
			}
			if password != "" {
				fmt.Fprintln(c.stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
				if passwordStdin {
					return errors.New("--password and --password-stdin are mutually exclusive")
				}
			}
			if passwordStdin {
				if username == "" {
					return errors.New("must provide --username with --password-stdin")
				}
				data, err := io.ReadAll(c.stdin)
				if err != nil {
					return fmt.Errorf("read password from stdin: %w", err)
				}
				password = strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
			}
			if username == "" || password == "" {
				if !isTerminal(c.stdin) {
					return errors.New("cannot perform an interactive login from a non TTY device")
				}
				var err error
				if username, password, err = c.promptCredentials(username, password); err != nil {
					return err
				}
			}
			reg, err := c.registryClient()
			if err != nil {
				return err
			}
			if err := reg.Login(ctx, server, username, password); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, "Login Succeeded")
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringVarP(&username, "username", "u", "", "Username")
	flags.StringVarP(&password, "password", "p", "", "Password or Personal Access Token (PAT)")
	flags.BoolVar(&passwordStdin, "password-stdin", false, "Take the Password or Personal Access Token (PAT) from stdin")
	return cmd
}

// promptCredentials asks for what is missing on the terminal on stdin; the
// password is read without echo.
func (c *cli) promptCredentials(username, password string) (string, string, error) {
	in := c.stdin.(*os.File)
	if username == "" {
		fmt.Fprint(c.stdout, "Username: ")
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return "", "", fmt.Errorf("read username: %w", err)
		}
		username = strings.TrimSpace(line)
		if username == "" {
			return "", "", errors.New("username is required")
		}
	}
	if password == "" {
		fmt.Fprint(c.stdout, "Password: ")
		secret, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(c.stdout)
		if err != nil {
			return "", "", fmt.Errorf("read password: %w", err)
		}
		password = string(secret)
		if password == "" {
			return "", "", errors.New("password is required")
		}
	}
	return username, password, nil
}
