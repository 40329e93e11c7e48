// Command pulumi-language-python is this project's small Python language host (see package hostkit for
// why it exists). It runs programs through Pulumi's own pulumi-language-python-exec script (taken from
// the published sdk module by build.sh and installed next to this binary), using the virtualenv named in
// Pulumi.yaml `runtime.options.virtualenv` or else `python3` from PATH, and generates Python SDKs with
// pkg/codegen/python. It does not create virtualenvs or install dependencies.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"wait-for-ecs-deploy.local/langhost/internal/hostkit"
)

const (
	hostName   = "pulumi-language-python"
	execScript = "pulumi-language-python-exec"
)

// version is set at build time (-X main.version=...) to the pulumi version it was built against.
var version = "0.0.0-dev"

type pythonRuntime struct {
	hostkit.BaseRuntime
	engineAddress string
}

func main() {
	hostkit.Main(hostName, func(engineAddress string) pulumirpc.LanguageRuntimeServer {
		return &pythonRuntime{BaseRuntime: hostkit.BaseRuntime{Version: version}, engineAddress: engineAddress}
	})
}

// Run starts `python -u pulumi-language-python-exec <flags> <entry point>`.
func (r *pythonRuntime) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dirs := hostkit.DirectoriesOf(req)

	script, err := execScriptPath()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	interpreter, venvEnv, err := pythonInterpreter(req, dirs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	env, err := hostkit.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	// Unbuffered output keeps the program's prints in order with the engine's own messages.
	env = append(env, "PYTHONUNBUFFERED=1")
	env = append(env, venvEnv...)

	args := []string{"-u", script}
	args = append(args, hostkit.CommonFlags(req, dirs, "_")...)
	if r.engineAddress != "" {
		args = append(args, "--engine="+r.engineAddress)
	}
	args = append(args, fmt.Sprintf("--dry_run=%t", req.GetDryRun()))
	args = append(args, dirs.Entry)
	args = append(args, req.GetArgs()...)

	return hostkit.RunProgram(ctx, hostkit.Program{
		Description: "python program " + dirs.Program,
		Command:     interpreter,
		Args:        args,
		Dir:         dirs.Program,
		Env:         env,
	}), nil
}

// execScriptPath finds the exec script next to this binary, where build.sh installs it.
func execScriptPath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot locate %s: %w", hostName, err)
	}
	script := filepath.Join(filepath.Dir(self), execScript)
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("%s is missing next to %s (re-run scripts/pulumi/build.sh): %w", execScript, self, err)
	}
	return script, nil
}

// pythonInterpreter picks the virtualenv's python when Pulumi.yaml names one (relative to the project
// root, as Pulumi documents it), else python3 from PATH.
func pythonInterpreter(req *pulumirpc.RunRequest, dirs hostkit.Directories) (string, []string, error) {
	venv, ok, err := hostkit.StringOption(req.GetInfo().GetOptions(), "virtualenv")
	if err != nil {
		return "", nil, err
	}
	if !ok || venv == "" {
		return "python3", nil, nil
	}
	venv = hostkit.ResolveFrom(dirs.Root, venv)
	interpreter := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(interpreter); err != nil {
		return "", nil, fmt.Errorf("virtualenv %s from Pulumi.yaml runtime.options.virtualenv has no bin/python "+
			"(create it with `python3 -m venv %s` and install requirements.txt): %w", venv, venv, err)
	}
	return interpreter, []string{
		"VIRTUAL_ENV=" + venv,
		"PATH=" + filepath.Join(venv, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
	}, nil
}

// GeneratePackage writes a Python SDK using the published pulumi code generator.
func (r *pythonRuntime) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return hostkit.GeneratePackage(req, func(pkg *schema.Package, loader schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		return python.GeneratePackage(hostName, pkg, req.GetExtraFiles(), loader)
	})
}
