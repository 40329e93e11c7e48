//! `connect()` with the standard credential chain, against the simulator.
//!
//! The chain reads process environment variables, so this binary holds exactly
//! one test and sets them itself: dummy keys, no profile files, instance
//! metadata off, every endpoint on 127.0.0.1. Nothing can leave the machine.

use ecs_sim::SimConfig;
use ecs_watcher::{AssumeRole, AwsSettings, SetupError, connect};

mod chain_env;

use chain_env::{isolate_the_chain, set_env};

#[tokio::test]
async fn connect_resolves_the_chain_checks_credentials_and_assumes_roles() {
    let sim = ecs_sim::start(SimConfig::default())
        .await
        .expect("simulator starts on 127.0.0.1");
    let scratch = std::env::temp_dir().join(format!("ecs-watcher-connect-{}", std::process::id()));
    isolate_the_chain(&scratch);
    set_env("AWS_ENDPOINT_URL", &sim.endpoint());

    // No region anywhere: a setup error that says how to fix it.
    match connect(&AwsSettings::default()).await {
        Err(error @ SetupError::NoRegion) => assert!(error.to_string().contains("AWS_REGION")),
        Err(other) => panic!("expected NoRegion, got {other}"),
        Ok(_) => panic!("expected NoRegion, got a client"),
    }

    // A region but no credentials.
    let settings = AwsSettings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(sim.endpoint()),
        ..AwsSettings::default()
    };
    match connect(&settings).await {
        Err(error @ SetupError::NoCredentials(_)) => {
            assert!(error.to_string().contains("AWS_ACCESS_KEY_ID"), "{error}")
        }
        Err(other) => panic!("expected NoCredentials, got {other}"),
        Ok(_) => panic!("expected NoCredentials, got a client"),
    }

    // Credentials from the environment: a working client.
    set_env("AWS_ACCESS_KEY_ID", "test");
    set_env("AWS_SECRET_ACCESS_KEY", "test");
    let clients = match connect(&settings).await {
        Ok(clients) => clients,
        Err(error) => panic!("connect failed: {error}"),
    };
    let answer = clients
        .ecs()
        .describe_services("prod", &["web".to_owned()])
        .await;
    assert!(
        matches!(
            answer,
            Err(ecs_watcher::api::ApiError::ClusterNotFound { .. })
        ),
        "the client reached the simulator: {answer:?}"
    );
    let _watcher = ecs_watcher::Watcher::with_clients(clients.clone());

    // Assuming a role the endpoint cannot grant: the error names the role.
    let with_role = AwsSettings {
        assume_role: Some(AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/deployer".into(),
            external_id: Some("shared-secret".into()),
            session_name: None,
        }),
        ..settings.clone()
    };
    match connect(&with_role).await {
        Err(error @ SetupError::AssumeRole { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains("arn:aws:iam::123456789012:role/deployer"),
                "{text}"
            );
            assert!(!text.contains("shared-secret"), "{text}");
        }
        Err(other) => panic!("expected an AssumeRole error, got {other}"),
        Ok(_) => panic!("the simulator grants no role, yet one was assumed"),
    }

    // A malformed role ARN is bad input, named as such.
    let bad_role = AwsSettings {
        assume_role: Some(AssumeRole {
            role_arn: "deployer".into(),
            ..AssumeRole::default()
        }),
        ..settings
    };
    match connect(&bad_role).await {
        Err(SetupError::Input(error)) => assert_eq!(error.field, "assumeRole"),
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected an input error, got a client"),
    }
}
