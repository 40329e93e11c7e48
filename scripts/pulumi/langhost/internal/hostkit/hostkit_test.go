package hostkit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestEngineAddressIsTheLastArgumentAfterTheEnginesFlags(t *testing.T) {
	cases := map[string]struct {
		args    []string
		want    string
		wantErr bool
	}{
		"address only":        {args: []string{"127.0.0.1:4000"}, want: "127.0.0.1:4000"},
		"after logging flags": {args: []string{"--logtostderr", "-v=9", "127.0.0.1:4000"}, want: "127.0.0.1:4000"},
		"after tracing":       {args: []string{"--tracing", "file:/tmp/t", "127.0.0.1:4000"}, want: "127.0.0.1:4000"},
		"tracing value last":  {args: []string{"--tracing", "file:/tmp/t"}, wantErr: true},
		"flag last":           {args: []string{"127.0.0.1:4000", "--logtostderr"}, wantErr: true},
		"none":                {args: nil, want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := engineAddressFromArgs(tc.args)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("expected an error, got address %q", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestConfigEnvCarriesConfigAndSecretKeysAsJSON(t *testing.T) {
	env, err := ConfigEnv(&pulumirpc.RunRequest{
		Config:           map[string]string{"proj:clusterName": "prod", "proj:token": "s3cret"},
		ConfigSecretKeys: []string{"proj:token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, entry := range env {
		key, value, _ := strings.Cut(entry, "=")
		values[key] = value
	}
	var config map[string]string
	if err := json.Unmarshal([]byte(values["PULUMI_CONFIG"]), &config); err != nil || config["proj:clusterName"] != "prod" {
		t.Fatalf("PULUMI_CONFIG = %q (%v)", values["PULUMI_CONFIG"], err)
	}
	if values["PULUMI_CONFIG_SECRET_KEYS"] != `["proj:token"]` {
		t.Fatalf("PULUMI_CONFIG_SECRET_KEYS = %q", values["PULUMI_CONFIG_SECRET_KEYS"])
	}
}

func TestEmptyConfigIsAnEmptyObjectNotNull(t *testing.T) {
	env, err := ConfigEnv(&pulumirpc.RunRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if env[0] != "PULUMI_CONFIG={}" || env[1] != "PULUMI_CONFIG_SECRET_KEYS=[]" {
		t.Fatalf("got %v", env)
	}
}

func TestDirectoriesFallBackFromProgramInfoToTheOlderFields(t *testing.T) {
	withInfo := DirectoriesOf(&pulumirpc.RunRequest{
		Pwd:  "/work/app",
		Info: &pulumirpc.ProgramInfo{RootDirectory: "/work", ProgramDirectory: "/work/app", EntryPoint: "index.ts"},
	})
	if withInfo != (Directories{Root: "/work", Program: "/work/app", Pwd: "/work/app", Entry: "index.ts"}) {
		t.Fatalf("with info: %+v", withInfo)
	}
	flat := DirectoriesOf(&pulumirpc.RunRequest{Pwd: "/work/app"})
	if flat != (Directories{Root: "/work/app", Program: "/work/app", Pwd: "/work/app", Entry: "."}) {
		t.Fatalf("flat: %+v", flat)
	}
}

func TestOptionsOfTheWrongTypeAreErrorsNamingTheOption(t *testing.T) {
	options, err := structpb.NewStruct(map[string]any{"typescript": "yes", "virtualenv": 3.0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BoolOption(options, "typescript", true); err == nil || !strings.Contains(err.Error(), `"typescript"`) {
		t.Fatalf("BoolOption: %v", err)
	}
	if _, _, err := StringOption(options, "virtualenv"); err == nil || !strings.Contains(err.Error(), `"virtualenv"`) {
		t.Fatalf("StringOption: %v", err)
	}
	if value, _ := BoolOption(options, "absent", true); !value {
		t.Fatal("an absent option must take its default")
	}
}

func TestProgramExitCodesMapToTheEnginesTerms(t *testing.T) {
	run := func(script string) *pulumirpc.RunResponse {
		return RunProgram(context.Background(), Program{Description: "test program", Command: "sh", Args: []string{"-c", script}})
	}
	if response := run("exit 0"); response.Error != "" || response.Bail {
		t.Fatalf("success: %+v", response)
	}
	if response := run("exit 32"); !response.Bail || response.Error != "" {
		t.Fatalf("already reported: %+v", response)
	}
	if response := run("exit 3"); response.Bail || !strings.Contains(response.Error, "test program exited with code 3") {
		t.Fatalf("failure: %+v", response)
	}
	missing := RunProgram(context.Background(), Program{Description: "test program", Command: "/nonexistent/interpreter"})
	if !strings.Contains(missing.Error, "could not run test program (/nonexistent/interpreter)") {
		t.Fatalf("missing interpreter: %+v", missing)
	}
}
