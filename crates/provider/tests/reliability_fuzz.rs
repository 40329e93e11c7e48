//! Property-based fuzzing (proptest, a bounded number of cases inside `cargo test`) of what the engine sends
//! the provider: any property map — known names with values of any type and size, unknowns, secrets,
//! unexpected names — goes through Check, the state decoding of Read/Update, Diff and the provider
//! configuration without a panic; every failure names its property; a secret value is never shown and an
//! input that arrived secret leaves Check still secret.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::Config;
use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};
use pulumi_gestalt_proto::pulumi::pulumirpc::CreateRequest;
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_server::ResourceProvider;
use pulumi_resource_wait_for_ecs_deploy::config::{ProviderConfig, check_config};
use pulumi_resource_wait_for_ecs_deploy::engine_log::EngineLog;
use pulumi_resource_wait_for_ecs_deploy::operations::Operations;
use pulumi_resource_wait_for_ecs_deploy::properties::{
    UNKNOWN, receive, reveal, secret_value, string_value,
};
use pulumi_resource_wait_for_ecs_deploy::resource::{WaitArgs, WaitState, WaitStateInputs};
use pulumi_resource_wait_for_ecs_deploy::server::{Provider, config_diff, resource_diff};
use tokio_util::sync::CancellationToken;

/// Input and output names of the resource and the provider, plus a few it does not have.
const NAMES: &[&str] = &[
    "clusterName",
    "serviceName",
    "desiredTaskDef",
    "timeoutMs",
    "awsRegion",
    "assumeRole",
    "externalId",
    "maxTaskFailures",
    "failOnError",
    "pollIntervalMs",
    "status",
    "failureMessage",
    "outcome",
    "deploymentId",
    "primaryTaskDef",
    "elapsedSeconds",
    "waitUntil",
    "rollbackOn",
    "lifecycleStage",
    "pausedHookId",
    "rollbackStatus",
    "region",
    "profile",
    "endpoint",
    "version",
    "colour",
    "",
];

/// `cases` cases, and no regression files in the source tree (a failing case is printed with its minimal
/// input).
fn config(cases: u32) -> Config {
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

/// Texts the provider gives a meaning: the unknown marker, task definitions and ARNs, a region, a status, a
/// wait target, a rollback trigger, an endpoint.
const MEANINGFUL_TEXTS: &[&str] = &[
    UNKNOWN,
    "web:3",
    "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    "arn:aws:ecs:eu-west-1:123456789012:service/staging/web",
    "arn:aws:iam::123456789012:role/deployer",
    "us-east-1",
    "COMPLETED",
    "stage:BAKE_TIME",
    "timedOut",
    "http://127.0.0.1:4566",
];

/// Numbers at the edges of what a property can hold: not numbers, infinities, a negative zero, beyond f64's
/// exact integers, beyond u32.
const EDGE_NUMBERS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    1e300,
    9_007_199_254_740_993.0,
    4_294_967_296.0,
];

/// Any short text, a meaningful one (as often as each of them could be its own arm), or a huge one.
fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => ".{0,24}",
        1 => "[a-z0-9-]{1,12}",
        10 => prop::sample::select(MEANINGFUL_TEXTS).prop_map(str::to_owned),
        1 => (1usize..200_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// An edge number (as often as each of them could be its own arm), an ordinary one, or any f64.
fn number_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        7 => prop::sample::select(EDGE_NUMBERS),
        1 => -10.0f64..1e9,
        1 => any::<f64>(),
    ]
}

fn wire_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value { kind: None }),
        Just(Value {
            kind: Some(Kind::NullValue(0))
        }),
        any::<bool>().prop_map(|b| Value {
            kind: Some(Kind::BoolValue(b))
        }),
        number_value().prop_map(|n| Value {
            kind: Some(Kind::NumberValue(n))
        }),
        text_value().prop_map(string_value),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|values| Value {
                kind: Some(Kind::ListValue(ListValue { values }))
            }),
            prop::collection::btree_map("[a-z]{0,6}", inner.clone(), 0..3).prop_map(|fields| {
                Value {
                    kind: Some(Kind::StructValue(Struct { fields })),
                }
            }),
            inner.prop_map(secret_value),
        ]
    })
}

fn property_map() -> impl Strategy<Value = Struct> {
    prop::collection::btree_map(
        prop::sample::select(NAMES).prop_map(str::to_owned),
        wire_value(),
        0..12,
    )
    .prop_map(|fields| Struct { fields })
}

/// Every secret text of the inputs: values that arrived wrapped as secrets, and those of properties the
/// schema marks secret (`externalId`).
fn secret_texts(properties: &Struct) -> Vec<String> {
    reveal(Some(properties))
        .secret_texts(&[WaitArgs::FIELDS])
        .into_iter()
        .filter(|text| !text.is_empty())
        .collect()
}

/// A current-thread runtime and the provider (its gRPC service, called in-process) started inside it (no
/// engine to log to).
fn runtime_and_provider() -> (tokio::runtime::Runtime, Provider) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let provider = {
        let _inside = runtime.enter();
        Provider::new(Operations::new(
            EngineLog::start(),
            CancellationToken::new(),
        ))
    };
    (runtime, provider)
}

#[test]
fn any_property_map_is_checked_decoded_and_diffed_without_panicking() {
    let (_runtime, provider) = runtime_and_provider();
    proptest!(config(2000), |(news in property_map(), olds in property_map())| {
        let response = provider.check_inputs(Some(&news));
        let secrets = secret_texts(&news);
        for failure in &response.failures {
            // Redaction wins over wording: a secret that is part of the property's name masks it too.
            let masked = secrets.iter().any(|secret| failure.property.contains(secret.as_str()));
            prop_assert!(
                masked || failure.reason.contains(failure.property.as_str()),
                "the reason names its property {:?}: {}", failure.property, failure.reason
            );
            // The mask itself is text: a one-letter secret "e" is "in" every masked message.
            for secret in secrets.iter().filter(|s| s.len() >= 4 && !"[secret]".contains(s.as_str())) {
                prop_assert!(!failure.reason.contains(secret.as_str()), "a secret value is shown: {}", failure.reason);
            }
        }
        let checked = response.inputs.expect("Check hands the inputs back");
        for name in reveal(Some(&news)).secret {
            let value = &checked.fields[&name];
            let is_plain_text = matches!(&value.kind, Some(Kind::StringValue(text)) if text != UNKNOWN);
            prop_assert!(!is_plain_text, "{name} arrived secret and left Check in the clear");
        }

        let revealed = reveal(Some(&news));
        let _ = WaitArgs::decode(&revealed.values);
        let _ = WaitState::resolve(receive::<WaitStateInputs>(Some(&news)).inputs);
        let _ = resource_diff(Some(&olds), Some(&news), &["timeoutMs".to_owned()]);
        let _ = config_diff(Some(&olds), Some(&news), &[]);
        let _ = check_config(&revealed);
        let _ = ProviderConfig::from_configure(Some(&revealed), &Default::default());
        let _ = provider.check_config_of(Some(&news));
        let variables: std::collections::HashMap<String, String> = revealed
            .values
            .iter()
            .filter_map(|(name, value)| match &value.kind {
                Some(Kind::StringValue(text)) => Some((format!("wait-for-ecs-deploy:{name}"), text.clone())),
                _ => None,
            })
            .collect();
        let _ = ProviderConfig::from_configure(None, &variables);
    });
}

#[test]
fn a_preview_with_any_inputs_answers_without_calling_aws() {
    let (runtime, provider) = runtime_and_provider();
    proptest!(config(512), |(news in property_map())| {
        let applied = runtime.block_on(provider.create(tonic::Request::new(CreateRequest {
            urn: "urn:pulumi:test::fuzz::wait-for-ecs-deploy:index:WaitForEcsDeployment::w".into(),
            properties: Some(news.clone()),
            preview: true,
            timeout: f64::NAN,
            ..Default::default()
        })));
        // No provider configuration and no AWS environment is needed: a preview only echoes.
        let applied = applied.map_err(|status| TestCaseError::fail(format!("{status:?}")))?;
        let applied_outputs = applied.into_inner().properties.unwrap_or_default();
        for field in ["status", "outcome", "failureMessage"] {
            prop_assert_eq!(
                applied_outputs.fields.get(field).cloned(),
                Some(string_value(UNKNOWN)),
                "{} is unknown in a preview", field
            );
        }
        let secret_names = reveal(Some(&news)).secret;
        let outputs = reveal(Some(&applied_outputs));
        for name in secret_names {
            if outputs.values.get(&name).is_some_and(|v| matches!(&v.kind, Some(Kind::StringValue(t)) if t != UNKNOWN)) {
                prop_assert!(outputs.secret.contains(&name), "{} lost its secrecy in the preview", name);
            }
        }
    });
}

#[test]
fn the_fuzzed_names_cover_every_declared_property() {
    // Keeps the generator honest when a property is added to the schema.
    let declared: BTreeMap<&str, ()> = WaitArgs::FIELDS
        .iter()
        .chain(pulumi_resource_wait_for_ecs_deploy::resource::WaitResults::FIELDS)
        .chain(ProviderConfig::FIELDS)
        .map(|field| (field.name, ()))
        .collect();
    for name in declared.keys() {
        assert!(
            NAMES.contains(name),
            "{name} is never fuzzed: add it to NAMES"
        );
    }
}
