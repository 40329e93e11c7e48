// Command pulumi-language-go is this project's Go language host for SDK generation only (see package
// hostkit for why it exists): `pulumi package gen-sdk --language go` works through it with
// pkg/codegen/go. Running Go Pulumi programs is not supported and says so.
package main

import (
	"context"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"wait-for-ecs-deploy.local/langhost/internal/hostkit"
)

const hostName = "pulumi-language-go"

// version is set at build time (-X main.version=...) to the pulumi version it was built against.
var version = "0.0.0-dev"

type goRuntime struct {
	hostkit.BaseRuntime
}

func main() {
	hostkit.Main(hostName, func(string) pulumirpc.LanguageRuntimeServer {
		return &goRuntime{BaseRuntime: hostkit.BaseRuntime{Version: version}}
	})
}

// Run refuses clearly instead of failing somewhere deeper.
func (r *goRuntime) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return &pulumirpc.RunResponse{
		Error: hostName + " here only generates SDKs (pulumi package gen-sdk); running Go programs is not supported",
	}, nil
}

// GeneratePackage writes a Go SDK using the published pulumi code generator.
func (r *goRuntime) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return hostkit.GeneratePackage(req, func(pkg *schema.Package, _ schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		return gogen.GeneratePackage(hostName, pkg, req.GetLocalDependencies())
	})
}
