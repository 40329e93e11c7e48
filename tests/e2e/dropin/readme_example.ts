// The usage example from @wanews/pulumi-wait-for-ecs-deploy's README, type-checked against this
// project's generated SDK to prove the SDK is a drop-in replacement. Differences from the README:
//  1. the WaitForEcsDeployment import names @wait-for-ecs-deploy/pulumi instead of
//     @wanews/pulumi-wait-for-ecs-deploy (the one intended change);
//  2. two slips in the README snippet itself, which would not compile with the original package
//     either: `pulumi` was used without being imported, and the result was referred to as `d`
//     although it is declared as `deployment` (kept as `d` below through one alias line);
//  3. where the README elides the aws resources' arguments with `//...`, the TaskDefinition gets the
//     two arguments @pulumi/aws requires (family, containerDefinitions).
import * as pulumi from '@pulumi/pulumi'
import * as aws from '@pulumi/aws'
import { WaitForEcsDeployment } from '@wait-for-ecs-deploy/pulumi'

const cluster = new aws.ecs.Cluster('cluster', {
//...
})

const taskDef = new aws.ecs.TaskDefinition('taskDef', {
//...
    family: 'web',
    containerDefinitions: '[]',
})

const service = new aws.ecs.Service('service', {
    cluster: cluster.arn,
    taskDefinition: taskDef.arn,
    deploymentController: {
        type: 'ECS',
    },
    deploymentCircuitBreaker: {
        enable: true,
        rollback: true,
    },
})

const deployment = new WaitForEcsDeployment('wait-for-deployment', {
    clusterName: cluster.name,
    serviceName: service.name,
    desiredTaskDef: taskDef.arn,
    awsRegion: 'ap-southeast-2', // optional
    assumeRole: 'arn:aws:iam::12345678:role/myRole', // optional
})

const d = deployment
pulumi.all([d.status, d.failureMessage]).apply(([status, failureMessage]) => {
    console.log(`deployment completed with status ${status}: ${failureMessage}`)
})
