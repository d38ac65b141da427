package main

import (
	"fmt"
	"io"
	"sort"
)

// benchCommands are the experiments under "allocsim bench"; each registers
// itself in init with registerBench (see bench_frag.go), like top-level commands.
var benchCommands = map[string]*command{}

func registerBench(c *command) {
	if _, dup := benchCommands[c.name]; dup {
		panic("allocsim: bench subcommand registered twice: " + c.name)
	}
	benchCommands[c.name] = c
}

func init() {
	register(&command{name: "bench", summary: "experiments: policy sweeps (sweep), capacity planning (size), the FGD GPU fragmentation study (frag), CI performance gates (gate)", run: runBench})
}

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		benchUsage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := benchCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "allocsim bench: unknown experiment %q\n\n", args[0])
		benchUsage(stderr)
		return errUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func benchUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: allocsim bench <experiment> [flags]\n\nExperiments:")
	names := make([]string, 0, len(benchCommands))
	for n := range benchCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, benchCommands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'allocsim bench <experiment> --help' for its flags.")
}
