// Command benchreport turns Go benchmark output into the figures section of
// BENCHMARKS.md: the machine, each figure beside its baseline measured in the
// same run with their ratio, the targets met or not, and how each
// figure grows with the population size (a table and a PNG plot).
//
// Usage (what `make bench` runs):
//
//	go test -run '^$' -bench ... ./... | tee bench/results.txt
//	go run ./cmd/benchreport -in bench/results.txt -doc BENCHMARKS.md -plots bench
//
// The input is the standard benchmark format: "BenchmarkName-P  N  v unit  v
// unit ...", plus the "cpu:" and "pkg:" header lines. Scripts that measure
// whole commands (an import, an HTTP load) append lines in the same format.
// The figures replace the text between the markers
// "<!-- bench:begin -->" and "<!-- bench:end -->" of the document; the prose
// around them is kept.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "bench/results.txt", "benchmark output to read")
	doc := flag.String("doc", "BENCHMARKS.md", "document whose figures section is rewritten")
	plots := flag.String("plots", "bench", "folder for the plot images (relative to the document's folder)")
	command := flag.String("command", "make bench", "the command that produced the input, for the report")
	flag.Parse()
	if err := run(*in, *doc, *plots, *command); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}
