package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `awsaudit: S3 access logs and CloudTrail as one audit record.

Usage:
  awsaudit normalize [flags] [FILE...]   print unified records (JSON lines)
  awsaudit ship [flags] [FILE...]        send unified records to Kafka
  awsaudit schema                        print the JSON Schema of the record
  awsaudit demo [FILE...]                the pipeline against an in-memory Kafka
  awsaudit broker [flags]                an in-memory Kafka on loopback (demos, benchmarks)
  awsaudit consume [flags]               print a topic's messages

Run "awsaudit COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	if handler, ok := commands[cmd]; ok {
		return handler(rest, stdin, stdout, stderr)
	}
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "awsaudit: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// Exit codes shared by the commands.
const (
	exitOK       = 0
	exitUsage    = 1 // usage or I/O error
	exitRejected = 2 // some inputs were rejected; the rest were written
)

type command func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

var commands = map[string]command{
	"normalize": runNormalize,
	"schema":    runSchema,
	"ship":      runShip,
	"broker":    runBroker,
	"consume":   runConsume,
	"demo":      runDemo,
}
