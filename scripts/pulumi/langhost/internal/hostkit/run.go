package hostkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// ExitedAfterReportingError is the exit code both the nodejs and python SDK entry points use when the
// program failed and the SDK already showed the error to the user; the engine must not repeat it.
const ExitedAfterReportingError = 32

// Program is one child process that runs a user's Pulumi program.
type Program struct {
	// Description names the program in error text, e.g. "node program index.ts".
	Description string
	Command     string
	Args        []string
	Dir         string
	// Env is added to this host's own environment (later entries win).
	Env []string
}

// RunProgram runs the program to completion and translates its exit into the engine's terms: success,
// an error the SDK already reported (bail), or an error the engine should show.
func RunProgram(ctx context.Context, program Program) *pulumirpc.RunResponse {
	cmd := exec.CommandContext(ctx, program.Command, program.Args...)
	cmd.Dir = program.Dir
	cmd.Env = append(os.Environ(), program.Env...)
	// The engine shows whatever a language host prints as the program's output.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	killWithParent(cmd)

	err := cmd.Run()
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if exitErr.ExitCode() == ExitedAfterReportingError {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("%s exited with code %d", program.Description, exitErr.ExitCode()),
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s (%s): %v",
		program.Description, program.Command, err)}
}

// ConfigEnv passes the stack configuration the way the SDKs read it at start-up: PULUMI_CONFIG holds a
// JSON object of "project:key" → value and PULUMI_CONFIG_SECRET_KEYS a JSON array of the secret keys.
func ConfigEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encode stack config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encode secret config keys: %w", err)
	}
	return []string{
		"PULUMI_CONFIG=" + string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON),
	}, nil
}

// Directories are where a program lives and where it runs, resolved from a Run request.
type Directories struct {
	Root    string // the directory holding Pulumi.yaml
	Program string // the program directory (Pulumi.yaml `main`, else the root)
	Pwd     string // where the program runs
	Entry   string // the entry point relative to Program ("." = the directory itself)
}

// DirectoriesOf resolves the directories of a Run request, preferring the structured program info
// over the older flat fields.
func DirectoriesOf(req *pulumirpc.RunRequest) Directories {
	info := req.GetInfo()
	dirs := Directories{
		Root:    info.GetRootDirectory(),
		Program: info.GetProgramDirectory(),
		Pwd:     req.GetPwd(),
		Entry:   info.GetEntryPoint(),
	}
	if dirs.Program == "" {
		dirs.Program = dirs.Pwd
	}
	if dirs.Root == "" {
		dirs.Root = dirs.Program
	}
	if dirs.Pwd == "" {
		dirs.Pwd = dirs.Program
	}
	if dirs.Entry == "" {
		dirs.Entry = req.GetProgram() //nolint:staticcheck // older engines fill only this field
	}
	if dirs.Entry == "" {
		dirs.Entry = "."
	}
	return dirs
}

// StringOption reads a runtime option (Pulumi.yaml `runtime.options`) that must be a string.
func StringOption(options *structpb.Struct, name string) (string, bool, error) {
	value, ok := options.GetFields()[name]
	if !ok {
		return "", false, nil
	}
	text, isString := value.GetKind().(*structpb.Value_StringValue)
	if !isString {
		return "", false, fmt.Errorf("runtime option %q must be a string, got %v", name, value.AsInterface())
	}
	return text.StringValue, true, nil
}

// BoolOption reads a boolean runtime option, with a default when it is absent.
func BoolOption(options *structpb.Struct, name string, fallback bool) (bool, error) {
	value, ok := options.GetFields()[name]
	if !ok {
		return fallback, nil
	}
	flag, isBool := value.GetKind().(*structpb.Value_BoolValue)
	if !isBool {
		return false, fmt.Errorf("runtime option %q must be true or false, got %v", name, value.AsInterface())
	}
	return flag.BoolValue, nil
}

// ResolveFrom makes a possibly relative path absolute against base.
func ResolveFrom(base, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}

// CommonFlags are the --key=value flags both SDK entry points accept, spelled with the given
// separator between words ("-" for nodejs, "_" for python).
func CommonFlags(req *pulumirpc.RunRequest, dirs Directories, wordSeparator string) []string {
	flag := func(name, value string) string {
		return "--" + strings.ReplaceAll(name, " ", wordSeparator) + "=" + value
	}
	flags := []string{
		flag("monitor", req.GetMonitorAddress()),
		flag("project", req.GetProject()),
		flag("stack", req.GetStack()),
		flag("pwd", dirs.Pwd),
		flag("root directory", dirs.Root),
		flag("parallel", fmt.Sprint(req.GetParallel())),
	}
	if org := req.GetOrganization(); org != "" {
		flags = append(flags, flag("organization", org))
	}
	return flags
}
