//! ECS fidelity the service model alone cannot show: regions from the SigV4 scope, omitted members,
//! ECS's unknown-action answer, request ids, the AWS docs' health check, Fargate sizes, StopTask and
//! tags. (tests/conformance/run.sh validates every response shape against the ECS service model.)

mod common;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::Region;
use aws_sdk_ecs::error::ProvideErrorMetadata;
use aws_sdk_ecs::types::{ContainerDefinition, HealthCheck, Tag};
use common::*;

/// A raw ECS call (no SDK), signed-looking for `region` when given; returns status, headers, body.
async fn raw_call(
    sim: &ecs_sim::SimHandle,
    operation: &str,
    body: &str,
    region: Option<&str>,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(sim.address())
        .await
        .expect("connect");
    let authorization = region
        .map(|region| {
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/{region}/ecs/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=00\r\n"
            )
        })
        .unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonEC2ContainerServiceV20141113.{operation}\r\n{authorization}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head.to_owned(), body.to_owned())
}

fn client_in(sim: &ecs_sim::SimHandle, region: &str) -> Client {
    Client::from_conf(
        scenario::client_config(&sim.endpoint())
            .region(Region::new(region.to_owned()))
            .build(),
    )
}

#[tokio::test]
async fn region_comes_from_the_signature_and_each_region_is_its_own_world() {
    let sim = sim().await;
    let sydney = client_in(&sim, "ap-southeast-2");
    let arn = create_cluster(&sydney, "prod").await;
    assert_eq!(arn, "arn:aws:ecs:ap-southeast-2:123456789012:cluster/prod");
    let definition = register(&sydney, "web", TaskBehaviour::Healthy, "nginx:1").await;
    assert!(
        definition.starts_with("arn:aws:ecs:ap-southeast-2:"),
        "{definition}"
    );

    let virginia = scenario::Scenario::new(client(&sim), "prod");
    assert!(
        !virginia
            .describes_cluster()
            .await
            .expect("DescribeClusters"),
        "us-east-1 has a cluster prod too"
    );
    // Unsigned calls go to the configured region.
    let (status, _, body) = raw_call(&sim, "CreateCluster", r#"{"clusterName":"x"}"#, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("arn:aws:ecs:us-east-1:"), "{body}");
}

#[tokio::test]
async fn absent_members_are_omitted_never_null() {
    let (sim, ecs) = sim_and_client().await;
    steady_healthy(&ecs, "web", "nginx:1", 1, CircuitBreaker::Off).await;
    for (operation, body) in [
        ("ListServices", r#"{"cluster":"prod"}"#),
        ("ListTasks", r#"{"cluster":"prod"}"#),
        (
            "ListServiceDeployments",
            r#"{"cluster":"prod","service":"web"}"#,
        ),
        ("ListClusters", "{}"),
        ("ListTaskDefinitions", "{}"),
        (
            "DescribeServices",
            r#"{"cluster":"prod","services":["web"]}"#,
        ),
    ] {
        let (status, _, answer) = raw_call(&sim, operation, body, None).await;
        assert_eq!(status, 200, "{operation}: {answer}");
        assert!(
            !answer.contains("null"),
            "{operation} sends a null: {answer}"
        );
        assert!(!answer.contains("nextToken"), "{operation}: {answer}");
    }
}

#[tokio::test]
async fn unknown_actions_get_ecs_answer_and_request_ids_are_random() {
    let sim = sim().await;
    let (status, head, body) = raw_call(&sim, "ListContainerInstances", "{}", None).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#
    );
    let error = client(&sim)
        .list_account_settings()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("UnknownOperationException"));

    let request_id = |head: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix("x-amzn-requestid: "))
            .expect("x-amzn-requestid")
            .to_owned()
    };
    let (_, second, _) = raw_call(&sim, "ListClusters", "{}", None).await;
    let (first, second) = (request_id(&head), request_id(&second));
    assert_ne!(first, second);
    for id in [&first, &second] {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "a version-4 UUID: {id}");
        assert!(!id.starts_with("00000000"), "not a counter: {id}");
    }
}

#[tokio::test]
async fn the_health_check_from_the_aws_docs_stabilises() {
    let (_sim, ecs) = sim_and_client().await;
    let docs_check = HealthCheck::builder()
        .command("CMD-SHELL")
        .command("curl -f http://localhost/ || exit 1")
        .interval(5)
        .retries(2)
        .start_period(5)
        .build()
        .unwrap();
    let container = ContainerDefinition::builder()
        .name("app")
        .image("nginx:1")
        .health_check(docs_check)
        .build();
    let definition = register_container(&ecs, "web", container).await;
    steady_service(&ecs, "web", &definition, 2, CircuitBreaker::Off).await;
    let tasks = listed_tasks(&ecs, |list| list.service_name("web")).await;
    assert_eq!(tasks.len(), 2);
    for task in &tasks {
        assert_eq!(task.health_status().unwrap().as_str(), "HEALTHY");
        let eni = &task.attachments()[0];
        assert_eq!(eni.r#type(), Some("ElasticNetworkInterface"));
        assert_eq!(eni.status(), Some("ATTACHED"));
    }
}

#[tokio::test]
async fn fargate_sizes_follow_the_fargate_table() {
    let (_sim, ecs) = sim_and_client().await;
    let register_size = |cpu: &'static str, memory: &'static str| {
        ecs.register_task_definition()
            .family("sized")
            .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
            .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
            .cpu(cpu)
            .memory(memory)
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("nginx:1")
                    .build(),
            )
            .send()
    };
    let error = register_size("256", "4096").await.unwrap_err();
    assert_eq!(error.code(), Some("ClientException"), "{error:?}");
    assert!(
        error
            .message()
            .is_some_and(|m| m.contains("No Fargate configuration exists")),
        "{error:?}"
    );
    let big = register_size("8192", "32768")
        .await
        .expect("8 vCPU / 32 GiB");
    let big = big
        .task_definition()
        .and_then(|d| d.task_definition_arn())
        .unwrap()
        .to_owned();
    steady_service(&ecs, "big", &big, 1, CircuitBreaker::Off).await;

    let error = ecs
        .create_service()
        .cluster(CLUSTER)
        .service_name("ghost")
        .task_definition("never-registered:1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ClientException"));
    assert!(
        error
            .message()
            .is_some_and(|m| m.starts_with("TaskDefinition not found.")),
        "{error:?}"
    );
}

#[tokio::test]
async fn stopped_tasks_are_replaced_and_tags_round_trip() {
    let (_sim, ecs) = sim_and_client().await;
    steady_healthy(&ecs, "web", "nginx:1", 1, CircuitBreaker::Off).await;
    let first = list_tasks(&ecs, |list| list.service_name("web"))
        .await
        .expect("ListTasks")
        .task_arns()[0]
        .clone();
    let stopped = ecs
        .stop_task()
        .cluster(CLUSTER)
        .task(&first)
        .reason("rotate")
        .send()
        .await
        .expect("StopTask");
    let task = stopped.task().unwrap();
    assert_eq!(task.desired_status(), Some("STOPPED"));
    assert_eq!(task.stopped_reason(), Some("rotate"));
    assert_eq!(task.stop_code().unwrap().as_str(), "UserInitiated");
    scenario::poll_until(POLL_LIMIT, POLL_EVERY, async || {
        let arns = list_tasks(&ecs, |list| list.service_name("web"))
            .await
            .ok()?;
        arns.task_arns()
            .iter()
            .any(|arn| arn != &first)
            .then_some(())
    })
    .await
    .expect("a replacement task within 20 s");

    let service_arn = describe(&ecs, "web")
        .await
        .service_arn()
        .unwrap()
        .to_owned();
    ecs.tag_resource()
        .resource_arn(&service_arn)
        .tags(Tag::builder().key("env").value("prod").build())
        .send()
        .await
        .expect("TagResource");
    let described = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .unwrap();
    let tags = described.services()[0].tags();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].key(), Some("env"));
    ecs.untag_resource()
        .resource_arn(&service_arn)
        .tag_keys("env")
        .send()
        .await
        .expect("UntagResource");
    let listed = ecs
        .list_tags_for_resource()
        .resource_arn(&service_arn)
        .send()
        .await
        .unwrap();
    assert!(listed.tags().is_empty());
}
