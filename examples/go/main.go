// Waits for the ECS deployment named by stack config (clusterName, serviceName, desiredTaskDef).
//
// This program creates no ECS resources itself: in a real stack those values are the outputs of
// pulumi-aws resources.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/wait-for-ecs-deploy/wait-for-ecs-deploy/sdk/go/waitforecsdeploy"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		args := &waitforecsdeploy.WaitForEcsDeploymentArgs{
			ClusterName:    pulumi.String(cfg.Require("clusterName")),
			ServiceName:    pulumi.String(cfg.Require("serviceName")),
			DesiredTaskDef: pulumi.String(cfg.Require("desiredTaskDef")),
		}
		// Optional tuning; unset values take the provider's defaults.
		if v, err := cfg.TryInt("timeoutMs"); err == nil {
			args.TimeoutMs = pulumi.IntPtr(v)
		}
		if v, err := cfg.TryInt("pollIntervalMs"); err == nil {
			args.PollIntervalMs = pulumi.IntPtr(v)
		}
		if v, err := cfg.TryInt("maxTaskFailures"); err == nil {
			args.MaxTaskFailures = pulumi.IntPtr(v)
		}
		// deployed (default), paused, or stage:<LIFECYCLE_STAGE> for blue/green, linear and canary services.
		if v, err := cfg.Try("waitUntil"); err == nil {
			args.WaitUntil = pulumi.StringPtr(v)
		}
		// Roll back on any of failed, timedOut, cancelled (pulumi config set --path 'rollbackOn[0]' failed).
		var rollbackOn []string
		if err := cfg.TryObject("rollbackOn", &rollbackOn); err == nil {
			args.RollbackOn = pulumi.ToStringArray(rollbackOn)
		}
		deployment, err := waitforecsdeploy.NewWaitForEcsDeployment(ctx, "wait-for-deployment", args)
		if err != nil {
			return err
		}
		ctx.Export("status", deployment.Status)
		ctx.Export("failureMessage", deployment.FailureMessage)
		ctx.Export("outcome", deployment.Outcome)
		ctx.Export("primaryTaskDef", deployment.PrimaryTaskDef)
		ctx.Export("lifecycleStage", deployment.LifecycleStage)
		ctx.Export("pausedHookId", deployment.PausedHookId)
		ctx.Export("rollbackStatus", deployment.RollbackStatus)
		return nil
	})
}
