// Command pulumi-language-nodejs is this project's small Node.js language host (see package hostkit for
// why it exists). It runs TypeScript/JavaScript programs through @pulumi/pulumi's own `cmd/run` entry
// point from the program's node_modules, and generates Node.js SDKs with pkg/codegen/nodejs.
// It does not install dependencies, detect package managers, or support `pulumi new`/`convert`.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"wait-for-ecs-deploy.local/langhost/internal/hostkit"
)

const hostName = "pulumi-language-nodejs"

// version is set at build time (-X main.version=...) to the pulumi version it was built against.
var version = "0.0.0-dev"

type nodeRuntime struct {
	hostkit.BaseRuntime
	engineAddress string
}

func main() {
	hostkit.Main(hostName, func(engineAddress string) pulumirpc.LanguageRuntimeServer {
		return &nodeRuntime{BaseRuntime: hostkit.BaseRuntime{Version: version}, engineAddress: engineAddress}
	})
}

// Run starts `node <@pulumi/pulumi/cmd/run> <flags> <entry point>` in the program directory.
func (r *nodeRuntime) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dirs := hostkit.DirectoriesOf(req)
	options := req.GetInfo().GetOptions()

	typescript, err := hostkit.BoolOption(options, "typescript", true)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeArgs, _, err := hostkit.StringOption(options, "nodeargs")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	runScript, err := locateRunScript(ctx, dirs.Program)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	env, err := hostkit.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	env = append(env, fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", typescript))
	if tsconfig, ok, err := hostkit.StringOption(options, "tsconfig"); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	} else if ok {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+hostkit.ResolveFrom(dirs.Program, tsconfig))
	}

	args := append(strings.Fields(nodeArgs), runScript)
	args = append(args, hostkit.CommonFlags(req, dirs, "-")...)
	if r.engineAddress != "" {
		args = append(args, "--engine="+r.engineAddress)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, dirs.Entry)
	args = append(args, req.GetArgs()...)

	return hostkit.RunProgram(ctx, hostkit.Program{
		Description: "node program " + dirs.Program,
		Command:     "node",
		Args:        args,
		Dir:         dirs.Pwd,
		Env:         env,
	}), nil
}

// locateRunScript asks node itself where @pulumi/pulumi is, so the program runs against exactly the
// SDK copy its own require() would load.
func locateRunScript(ctx context.Context, programDir string) (string, error) {
	const resolve = `process.stdout.write(require.resolve("@pulumi/pulumi/cmd/run", {paths: [process.argv[1]]}))`
	cmd := exec.CommandContext(ctx, "node", "-e", resolve, programDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find @pulumi/pulumi from %s (run `npm install` there; node said: %s): %w",
			programDir, strings.TrimSpace(stderr.String()), err)
	}
	return string(out), nil
}

// GeneratePackage writes a Node.js SDK using the published pulumi code generator.
func (r *nodeRuntime) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return hostkit.GeneratePackage(req, func(pkg *schema.Package, loader schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		return nodejs.GeneratePackage(hostName, pkg, req.GetExtraFiles(), req.GetLocalDependencies(),
			req.GetLocal(), loader)
	})
}
