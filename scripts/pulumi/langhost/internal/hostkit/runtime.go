package hostkit

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// BaseRuntime answers the LanguageRuntime calls that are the same for every host here; every call a
// host does not implement answers Unimplemented, which the engine tolerates for optional features.
type BaseRuntime struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	Version string
}

// GetPluginInfo reports the pulumi version the host was built against.
func (b *BaseRuntime) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

// Handshake accepts the engine's protocol handshake; these hosts need nothing from it because every
// Run request carries the directories and addresses they use.
func (b *BaseRuntime) Handshake(
	context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetRequiredPackages lists no packages: it only lets the engine pre-install plugins, and the engine
// resolves each provider anyway when the program first registers one of its resources (from PATH or
// from Pulumi.yaml `plugins`), which is how this project's locally built provider is found.
func (b *BaseRuntime) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages, answered the same way.
func (b *BaseRuntime) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}
