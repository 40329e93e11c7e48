package hostkit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Generator turns a bound schema into SDK files (path relative to the output directory → content);
// each host wraps its language's pkg/codegen GeneratePackage in one of these.
type Generator func(pkg *schema.Package, loader schema.ReferenceLoader, req *pulumirpc.GeneratePackageRequest) (map[string][]byte, error)

// GeneratePackage answers `pulumi package gen-sdk`: it binds the schema (validating it against the
// Pulumi metaschema, as the official hosts do), runs the generator and writes the files into the
// directory the engine chose.
func GeneratePackage(req *pulumirpc.GeneratePackageRequest, generate Generator) (*pulumirpc.GeneratePackageResponse, error) {
	if req.GetLoaderTarget() == "" {
		return nil, fmt.Errorf("gen-sdk request has no loader_target: the engine must serve the schema loader")
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connect to the engine's schema loader at %s: %w", req.GetLoaderTarget(), err)
	}
	defer func() { _ = loader.Close() }()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("schema is not valid JSON for a Pulumi package: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("bind schema of package %q: %w", spec.Name, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("schema of package %q is invalid: %s", spec.Name, diags.Error())
	}

	files, err := generate(pkg, loader, req)
	if err != nil {
		return nil, fmt.Errorf("generate SDK for package %q: %w", spec.Name, err)
	}
	if err := writeFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return &pulumirpc.GeneratePackageResponse{}, nil
}

// writeFiles writes generated files in a stable order so a failure part-way is reproducible.
func writeFiles(directory string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(directory, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", path, err)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
