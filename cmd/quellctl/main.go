// Command quellctl is the command line for incident responders and
// operators: trigger an action, see what happened and why. Run
// `quellctl --help` for the commands.
package main

import (
	"os"

	"github.com/quell-dev/quell/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
