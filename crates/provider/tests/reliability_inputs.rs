//! Bad input and secrets at the provider's gRPC surface, against the simulator (which also plays STS):
//!
//! - every bad property value gets a `CheckFailure` at preview naming the property, showing the value
//!   (short, and never a secret one) and saying what is valid; `Create` without `Check` refuses it the same way;
//! - input the protocol itself cannot carry (non-UTF-8 strings, oversized messages) is refused by the gRPC
//!   layer with a status, and the provider keeps serving;
//! - assumed-role sessions, the external id and secret inputs never appear in logs, errors or state, and
//!   secret inputs stay secret in the outputs.

mod common;

use std::time::Duration;

use common::*;
use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost_types::{Struct, Value};
use pulumi_gestalt_proto::pulumi::pulumirpc::{CheckRequest, CheckResponse, ConfigureRequest};
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

async fn check(h: &mut Harness, inputs: Struct) -> CheckResponse {
    h.check(inputs).await.expect("Check answers")
}

fn valid() -> Vec<(&'static str, Value)> {
    wait_inputs("prod", "web", "web:3")
}

/// [`valid`] inputs with `entries` added or replacing.
fn with(entries: &[(&'static str, Value)]) -> Struct {
    inputs_with(valid(), entries)
}

fn list(values: Vec<Value>) -> Value {
    Value {
        kind: Some(prost_types::value::Kind::ListValue(
            prost_types::ListValue { values },
        )),
    }
}

#[test]
fn every_bad_property_gets_a_check_failure_naming_it_the_value_and_what_is_valid() {
    with_harness(|mut h| async move {
        let huge = "w".repeat(1_000_000);
        // (property, value, texts the reason must contain)
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("clusterName", text(""), vec!["``", "cluster name"]),
            ("clusterName", number(42.0), vec!["42", "a string"]),
            (
                "serviceName",
                list(vec![text("web")]),
                vec!["[...]", "a string"],
            ),
            ("serviceName", text(&huge), vec!["www", "service name"]),
            (
                "serviceName",
                text("arn:aws:ecs:us-east-1:123456789012:service/staging/web"),
                vec!["cluster `staging`", "`prod`"],
            ),
            (
                "desiredTaskDef",
                text("arn:aws:ecs:us-east-1:123456789012:task-definition/web"),
                vec!["task-definition/web`", "<family>:<revision>"],
            ),
            (
                "desiredTaskDef",
                text("web:0"),
                vec!["`web:0`", "my-app:42"],
            ),
            ("timeoutMs", number(0.0), vec!["`0`", "86400000"]),
            ("timeoutMs", number(-1.0), vec!["-1", "whole number"]),
            ("timeoutMs", number(1.5), vec!["1.5", "whole number"]),
            (
                "timeoutMs",
                number(1e20),
                vec!["100000000000000000000", "whole number"],
            ),
            (
                "pollIntervalMs",
                boolean(true),
                vec!["true", "whole number"],
            ),
            ("maxTaskFailures", text("3"), vec!["\"3\"", "whole number"]),
            ("failOnError", text("yes"), vec!["\"yes\"", "true or false"]),
            ("awsRegion", text("Sydney"), vec!["`Sydney`", "us-east-1"]),
            (
                "assumeRole",
                text("deployer"),
                vec!["`deployer`", "role ARN"],
            ),
            ("colour", text("blue"), vec!["colour", "unknown property"]),
        ];
        for (property, value, needles) in cases {
            let response = check(&mut h, with(&[(property, value.clone())])).await;
            let failure = response
                .failures
                .iter()
                .find(|f| f.property == property)
                .unwrap_or_else(|| panic!("{property}: no failure in {:?}", response.failures));
            for needle in needles {
                assert!(
                    failure.reason.contains(needle),
                    "{property}: {needle:?} missing from {}",
                    &failure.reason[..failure.reason.len().min(300)]
                );
            }
            assert!(
                failure.reason.contains(property),
                "{property}: the reason names the property: {}",
                failure.reason
            );
            assert!(
                failure.reason.len() < 600,
                "{property}: a {}-byte reason",
                failure.reason.len()
            );
        }
        assert_eq!(h.total_calls(), 0, "Check never calls AWS");
    });
}

#[test]
fn a_secret_bad_value_is_refused_without_being_shown() {
    with_harness(|mut h| async move {
        let response = check(
            &mut h,
            with(&[
                (
                    "assumeRole",
                    text("arn:aws:iam::123456789012:role/deployer"),
                ),
                ("externalId", text("no spaces allowed in-here 9f1c")),
                ("clusterName", secret(text("hush cluster 77ab"))),
            ]),
        )
        .await;
        let properties: Vec<&str> = response
            .failures
            .iter()
            .map(|f| f.property.as_str())
            .collect();
        assert!(
            properties.contains(&"externalId") && properties.contains(&"clusterName"),
            "{properties:?}"
        );
        for failure in &response.failures {
            assert!(!failure.reason.contains("9f1c"), "{}", failure.reason);
            assert!(!failure.reason.contains("77ab"), "{}", failure.reason);
        }
    });
}

#[test]
fn create_without_check_refuses_bad_input_the_same_way() {
    with_harness(|mut h| async move {
        let status = h
            .create(with(&[("timeoutMs", text("soon"))]), false, 0.0)
            .await
            .expect_err("bad input is refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().contains("timeoutMs"),
            "{}",
            status.message()
        );
        let status = h
            .create(
                with(&[(
                    "serviceName",
                    text("arn:aws:ecs:us-east-1:123456789012:service/staging/web"),
                )]),
                false,
                0.0,
            )
            .await
            .expect_err("a service ARN of another cluster is refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains("staging"), "{}", status.message());
        assert_eq!(h.total_calls(), 0);
    });
}

#[test]
fn bad_provider_configuration_is_refused_naming_the_key() {
    with_harness(|mut h| async move {
        // Configure checks like CheckConfig (older engines send only Configure).
        let status = h
            .client
            .configure(ConfigureRequest {
                args: Some(object(&[("region", text("Sydney"))])),
                ..Default::default()
            })
            .await
            .expect_err("a bad region is refused");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().contains("region") && status.message().contains("Sydney"),
            "{}",
            status.message()
        );
        let response = h
            .client
            .check_config(CheckRequest {
                urn:
                    "urn:pulumi:test::provider-tests::pulumi:providers:wait-for-ecs-deploy::default"
                        .into(),
                news: Some(object(&[
                    ("endpoint", text("localhost:4566")),
                    ("regoin", text("x")),
                ])),
                ..Default::default()
            })
            .await
            .expect("CheckConfig answers")
            .into_inner();
        let properties = failed_properties(&response.failures);
        assert_eq!(properties, ["endpoint", "regoin"]);
    });
}

/// Sends already-encoded bytes as a request and decodes the answer as `M`: lets a test send what no
/// well-behaved client would (a string field that is not UTF-8).
#[derive(Clone, Copy, Default)]
struct RawCodec<M>(std::marker::PhantomData<M>);

struct RawEncoder;
struct MessageDecoder<M>(std::marker::PhantomData<M>);

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl<M: Message + Default> Decoder for MessageDecoder<M> {
    type Item = M;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<M>, tonic::Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        M::decode(bytes)
            .map(Some)
            .map_err(|error| tonic::Status::internal(error.to_string()))
    }
}

impl<M: Message + Default + Send + 'static> Codec for RawCodec<M> {
    type Encode = Vec<u8>;
    type Decode = M;
    type Encoder = RawEncoder;
    type Decoder = MessageDecoder<M>;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> MessageDecoder<M> {
        MessageDecoder(std::marker::PhantomData)
    }
}

async fn raw_check(h: &Harness, encoded: Vec<u8>) -> Result<CheckResponse, tonic::Status> {
    let channel = tonic::transport::Endpoint::from_shared(h.provider_uri.clone())
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    grpc.unary(
        tonic::Request::new(encoded),
        tonic::codegen::http::uri::PathAndQuery::from_static("/pulumirpc.ResourceProvider/Check"),
        RawCodec::<CheckResponse>::default(),
    )
    .await
    .map(tonic::Response::into_inner)
}

#[test]
fn input_the_protocol_cannot_carry_is_refused_by_grpc_and_the_provider_keeps_serving() {
    with_harness(|mut h| async move {
        let marker = "NOT-UTF8-MARKER";
        let request = CheckRequest {
            urn: urn("wait"),
            news: Some(with(&[("serviceName", text(marker))])),
            r#type: TOKEN.into(),
            ..Default::default()
        };
        let mut encoded = request.encode_to_vec();
        let at = encoded
            .windows(marker.len())
            .position(|w| w == marker.as_bytes())
            .expect("marker in the encoding");
        // Same length, so the framing stays valid; only the string is no longer UTF-8.
        encoded[at..at + 4].copy_from_slice(b"\xff\xfe\xfd\xfc");
        let status = raw_check(&h, encoded).await.expect_err("not UTF-8");
        assert!(
            status.message().contains("UTF-8"),
            "the status says what is wrong: {status:?}"
        );

        // Over the gRPC message size limit (4 MiB).
        let oversized = with(&[("serviceName", text(&"w".repeat(5 * 1024 * 1024)))]);
        let status = h.check(oversized).await.expect_err("too large");
        assert!(
            matches!(
                status.code(),
                Code::ResourceExhausted | Code::OutOfRange | Code::Internal
            ),
            "{status:?}"
        );

        // Still serving, and still right.
        let response = check(&mut h, object(&valid())).await;
        assert!(response.failures.is_empty(), "{:?}", response.failures);
    });
}

#[test]
fn assumed_role_sessions_external_ids_and_secret_inputs_never_leak() {
    with_harness(|mut h| async move {
        let role = "arn:aws:iam::123456789012:role/deployer";
        let external_id = "ext-id-secret-5c2e";
        let hidden_service = "svc-hush-0d9b";
        h.sim.allow_assume_role(role, Duration::from_secs(900));
        h.create_cluster("prod").await;
        let good = h.register("app", TaskBehaviour::Healthy).await;
        h.create_service("prod", hidden_service, &good, None).await;
        let first = h
            .checked(object(&wait_inputs("prod", hidden_service, &good)))
            .await;
        h.create(first, false, 0.0).await.expect("first rollout");
        // That wait named the service in the clear; from here on it is a secret.
        h.engine.logs.lock().unwrap().clear();
        let crashing = h.register("app", TaskBehaviour::ExitsAtOnce).await;
        h.update_service("prod", hidden_service, &crashing).await;

        let inputs = h
            .checked(with(&[
                ("serviceName", secret(text(hidden_service))),
                ("desiredTaskDef", text(&crashing)),
                ("assumeRole", text(role)),
                ("externalId", text(external_id)),
            ]))
            .await;
        assert!(
            is_secret(&inputs.fields["externalId"]),
            "externalId is secret by schema"
        );
        let status = h
            .create(inputs, false, 0.0)
            .await
            .expect_err("a crash loop fails the operation");
        let sessions = h.sim.issued_credentials();
        assert!(!sessions.is_empty(), "the wait ran as the assumed role");

        // The failure carries the outputs (Pulumi records them): secret ones wrapped, the rest plain text.
        let init_failure =
            pulumi_resource_wait_for_ecs_deploy::partial_failure::init_failure_of(&status)
                .expect("an init failure with outputs");
        let outputs = init_failure.properties.clone().expect("outputs");
        assert!(
            is_secret(&outputs.fields["serviceName"]),
            "a secret input stays secret"
        );
        assert!(
            is_secret(&outputs.fields["externalId"]),
            "the external id stays secret"
        );
        let failure_message = string_of(&outputs, "failureMessage");
        assert!(
            failure_message.contains("keep failing"),
            "{failure_message}"
        );

        let mut everything = vec![status.message().to_string(), init_failure.id.clone()];
        everything.extend(
            outputs
                .fields
                .values()
                .filter(|value| !is_secret(value))
                .map(|value| format!("{value:?}")),
        );
        everything.extend(init_failure.reasons.iter().cloned());
        let logs = h.log_texts();
        assert!(!logs.is_empty(), "the wait logged progress");
        everything.extend(logs);
        let mut secrets = vec![
            external_id.to_string(),
            hidden_service.to_string(),
            DUMMY_SECRET_KEY.to_string(),
        ];
        for session in &sessions {
            secrets.push(session.secret_access_key.clone());
            secrets.push(session.session_token.clone());
        }
        for text in &everything {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret leaked into: {text}"
                );
            }
        }
    });
}
