// Package hostkit is what this project's language hosts share: the plugin start-up contract (serve
// gRPC on loopback, print the port on stdout), the engine health check, running a program as a child
// process, and SDK generation through the published pulumi codegen packages.
//
// Why these hosts exist at all: Pulumi's own nodejs/python/go language host modules are not served by
// the Go module proxy reachable from our machines, while the engine (pulumi/pkg), the SDK (pulumi/sdk)
// and the code generators are. These hosts are deliberately small: they run programs through the entry
// points the language SDKs themselves ship (@pulumi/pulumi's cmd/run, the sdk module's
// pulumi-language-python-exec) and generate SDKs with pkg/codegen. They are not a general replacement.
package hostkit

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// engineHealthInterval is how often a host checks that the engine still answers; a host whose engine
// died exits instead of lingering as an orphan.
const engineHealthInterval = 5 * time.Second

// Main is the whole `main` of a language host: it finds the engine address in the arguments the
// engine passes, serves the given runtime on a loopback port, prints that port, and exits when the
// engine goes away or a termination signal arrives.
func Main(name string, newRuntime func(engineAddress string) pulumirpc.LanguageRuntimeServer) {
	if err := serve(os.Args[1:], newRuntime); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func serve(args []string, newRuntime func(engineAddress string) pulumirpc.LanguageRuntimeServer) error {
	engineAddress, err := engineAddressFromArgs(args)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, engineHealthInterval, stop); err != nil {
			return fmt.Errorf("could not watch the engine at %s: %w", engineAddress, err)
		}
	}

	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newRuntime(engineAddress))
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		return err
	}
	// The engine reads exactly this line to learn where to connect.
	fmt.Printf("%d\n", handle.Port)

	select {
	case <-ctx.Done():
		close(cancel)
		return <-handle.Done
	case err := <-handle.Done:
		return err
	}
}

// engineAddressFromArgs returns the engine address, which the engine always passes as the last
// positional argument, after optional flags such as --logtostderr, -v=N or --tracing URL.
func engineAddressFromArgs(args []string) (string, error) {
	if len(args) == 0 {
		return "", nil
	}
	last := args[len(args)-1]
	if strings.HasPrefix(last, "-") {
		return "", fmt.Errorf("expected the engine address as the last argument, got flag %q", last)
	}
	if len(args) >= 2 && args[len(args)-2] == "--tracing" {
		return "", fmt.Errorf("expected the engine address after --tracing %s", last)
	}
	return last, nil
}
