// Command volmatch is the command line of the volunteer-service matching
// engine: generate a Beijing population, import and export it, rank
// volunteers for a need, build menus, assign shifts in batch, evaluate, and
// serve the API and the planner dashboard. It is the only place where the
// concrete parts (stores, indexes, the API) are wired together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
)

// commands holds the constructors of the subcommands; each subcommand's file
// adds its own in an init function, so files do not edit a shared list.
var commands []func(env *env) *cobra.Command

func register(f func(env *env) *cobra.Command) { commands = append(commands, f) }

// env is what every subcommand writes to.
type env struct {
	stdout, stderr io.Writer
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line and returns the exit code, so that tests can
// call it without a process.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(&env{stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	// Every command's cmd.Context() is this context (never nil).
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(stderr, "volmatch:", err)
		return 1
	}
	return 0
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "volmatch",
		Short:         "Supply–demand matching for volunteer service (志愿服务供需对接)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	var cmds []*cobra.Command
	for _, f := range commands {
		cmds = append(cmds, f(e))
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	root.AddCommand(cmds...)
	return root
}
