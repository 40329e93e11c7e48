// Waits for the ECS deployment named by stack config (clusterName, serviceName, desiredTaskDef).
// This program creates no ECS resources itself: in a real stack those values are the outputs of
// pulumi-aws resources, exactly as in @wanews/pulumi-wait-for-ecs-deploy's README.
import * as pulumi from '@pulumi/pulumi'
import { WaitForEcsDeployment } from '@wait-for-ecs-deploy/pulumi'

const config = new pulumi.Config()

const deployment = new WaitForEcsDeployment('wait-for-deployment', {
    clusterName: config.require('clusterName'),
    serviceName: config.require('serviceName'),
    desiredTaskDef: config.require('desiredTaskDef'),
    // Optional tuning; unset values take the provider's defaults.
    timeoutMs: config.getNumber('timeoutMs'),
    pollIntervalMs: config.getNumber('pollIntervalMs'),
    maxTaskFailures: config.getNumber('maxTaskFailures'),
    // deployed (default), paused, or stage:<LIFECYCLE_STAGE> for blue/green, linear and canary services.
    waitUntil: config.get('waitUntil'),
    // Roll back on any of failed, timedOut, cancelled (pulumi config set --path 'rollbackOn[0]' failed).
    rollbackOn: config.getObject<string[]>('rollbackOn'),
})

export const status = deployment.status
export const failureMessage = deployment.failureMessage
export const outcome = deployment.outcome
export const primaryTaskDef = deployment.primaryTaskDef
export const lifecycleStage = deployment.lifecycleStage
export const pausedHookId = deployment.pausedHookId
export const rollbackStatus = deployment.rollbackStatus
