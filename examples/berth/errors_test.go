//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testregistry"
)

func TestUnknownImagesFailWithAClearError(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	b := newBerth(t)
	b.fails(t, exitError, reg.Host+"/nope/missing", "pull", reg.Host+"/nope/missing")
	b.fails(t, exitError, "nope:1", "image", "inspect", "nope:1")
	b.fails(t, exitError, "nope:1", "history", "nope:1")
	b.fails(t, exitError, "nope:1", "rmi", "nope:1")
	b.fails(t, exitError, "nope:1", "tag", "nope:1", "other:1")
	b.fails(t, exitError, "nope:1", "push", reg.Host+"/nope:1")
}

func TestCommandLineMistakesExit125(t *testing.T) {
	b := newBerth(t)
	r := b.fails(t, exitUsage, "unknown flag: --bogus", "images", "--bogus")
	assert.Contains(t, r.stderr, "See 'berth images --help'.")
	b.fails(t, exitUsage, "accepts 2 arg(s)", "tag", "onlyone")
	b.fails(t, exitUsage, "unknown command", "frobnicate")
	b.fails(t, exitUsage, "requires at least 1 arg", "image", "rm")
	b.fails(t, exitUsage, "unknown shorthand flag", "pull", "-z", "busybox")
}

func TestBadFiltersAreErrors(t *testing.T) {
	b := newBerth(t)
	b.fails(t, exitError, "invalid filter 'colour'", "images", "--filter", "colour=red")
	b.fails(t, exitError, "template parsing error", "images", "--format", "{{.ID")
}

func TestVersionAndHelp(t *testing.T) {
	b := newBerth(t)
	assert.Regexp(t, `^berth version \S+\n$`, b.ok(t, "--version").stdout)
	r := b.ok(t)
	assert.Contains(t, r.stdout, "pull")
	assert.Contains(t, r.stdout, "exit status is 1")
}

// Naming one top-level command builds only that one; each is found by
// the name it has when all are built, and global flags before it are
// skipped, as the root defines them.
func TestOnlyTheNamedCommandIsBuilt(t *testing.T) {
	c := &cli{streams: streams{getenv: func(string) string { return "" }}}
	global := newRootCommand(c, nil).PersistentFlags()
	all := commands(c, "")
	require.Greater(t, len(all), 30)
	for _, cmd := range all {
		if cmd.Name() == "image" || cmd.Name() == "container" {
			continue
		}
		for _, args := range [][]string{
			{cmd.Name(), "x"},
			{"--root", "/r", cmd.Name()},
			{"--root=/r", "--insecure-registry", "h", cmd.Name(), "--help"},
			{"--config", "d", "--registry-mirror=m", cmd.Name()},
		} {
			name := commandName(global, args)
			assert.Equal(t, cmd.Name(), name, "%v", args)
			one := commands(c, name)
			require.Len(t, one, 1, "%v", args)
			assert.Equal(t, cmd.Name(), one[0].Name())
		}
	}
	for _, args := range [][]string{nil, {"--version"}, {"-h", "run"}, {"--root"}, {"--bogus", "run"}, {"image", "ls"}, {"help", "run"}, {"frobnicate"}} {
		assert.Len(t, commands(c, commandName(global, args)), len(all), "%v", args)
	}
	global.Bool("debug", false, "")
	assert.Equal(t, "ps", commandName(global, []string{"--debug", "ps"}), "a global bool flag takes no value")
	b := newBerth(t)
	assert.Contains(t, b.ok(t, "run", "--help").stdout, "--detach")
	assert.Contains(t, b.ok(t, "help", "run").stdout, "--detach")
	b.fails(t, exitUsage, "unknown flag: --bogus", "--root", b.root, "ps", "--bogus")
}
