//! The IAM policy the watcher's calls need, generated from the list of calls
//! ([`Operation::ALL`]) and what each is for ([`Operation::purpose`]): one
//! statement per service and purpose, so read-only waiting, its optional detail
//! and acting can be granted apart, and a new service's calls (CodeDeploy, Logs)
//! get statements of their own by being added to [`Operation`], with no change
//! here. `docs/iam-policy.json` is [`Policy::to_json`] of [`policy`]; a test
//! fails when it is stale, so a call cannot be added without its permission.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::layer::{AwsService, Operation, Purpose};

/// The version of IAM's policy grammar the document is written in.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Made by the AWS SDK's credential chain, not by the watcher's clients, when a
/// role is assumed (`--assume-role`/`assumeRole`), so it is no [`Operation`].
pub const ASSUME_ROLE_PERMISSION: &str = "sts:AssumeRole";

/// The statement that grants [`ASSUME_ROLE_PERMISSION`]: needed only with a role
/// to assume, and by the base credentials rather than the role.
pub const ASSUME_ROLE_SID: &str = "StsAssumeRoleOnlyWithAssumeRole";

/// An IAM identity-based policy, fields in IAM's spelling and in the order
/// people write them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

/// One `Allow` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Says what the statement is for; IAM allows only ASCII letters and digits.
    pub sid: String,
    pub effect: &'static str,
    /// The permissions, e.g. `ecs:DescribeServices`, in [`Operation::ALL`]'s order.
    pub action: Vec<String>,
    pub resource: &'static str,
}

impl Statement {
    fn allow(sid: String, action: Vec<String>) -> Self {
        Self {
            sid,
            effect: "Allow",
            action,
            // The services and deployments waited on are named at run time, so the
            // policy cannot know them; users narrow it to their clusters' ARNs.
            resource: "*",
        }
    }
}

/// The policy granting every call the watcher may make: a statement per
/// (service, purpose) the calls have, ordered by service then purpose, then the
/// assume-role statement.
pub fn policy() -> Policy {
    let mut grouped: BTreeMap<(AwsService, Purpose), Vec<String>> = BTreeMap::new();
    for operation in Operation::ALL {
        grouped
            .entry((operation.service(), operation.purpose()))
            .or_default()
            .push(operation.permission());
    }
    let mut statement: Vec<Statement> = grouped
        .into_iter()
        .map(|((service, purpose), action)| {
            Statement::allow(
                format!("{}{}", service.sid_name(), purpose.sid_name()),
                action,
            )
        })
        .collect();
    statement.push(Statement::allow(
        ASSUME_ROLE_SID.to_owned(),
        vec![ASSUME_ROLE_PERMISSION.to_owned()],
    ));
    Policy {
        version: POLICY_VERSION,
        statement,
    }
}

impl Policy {
    /// The document as `docs/iam-policy.json` holds it: pretty JSON, final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a policy serializes");
        json.push('\n');
        json
    }

    /// Every (permission, statement id) pair the policy grants.
    pub fn grants(&self) -> Vec<(String, String)> {
        self.statement
            .iter()
            .flat_map(|statement| {
                statement
                    .action
                    .iter()
                    .map(|action| (action.clone(), statement.sid.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_granted_once_by_the_statement_of_its_service_and_purpose() {
        let grants = policy().grants();
        for operation in Operation::ALL {
            let granting: Vec<&String> = grants
                .iter()
                .filter(|(permission, _)| *permission == operation.permission())
                .map(|(_, sid)| sid)
                .collect();
            let expected = format!(
                "{}{}",
                operation.service().sid_name(),
                operation.purpose().sid_name()
            );
            assert_eq!(granting, [&expected], "{operation}");
        }
        assert_eq!(grants.len(), Operation::ALL.len() + 1, "{grants:?}");
    }

    #[test]
    fn waiting_acting_and_assuming_a_role_are_statements_apart() {
        let sids: Vec<String> = policy().statement.into_iter().map(|s| s.sid).collect();
        assert_eq!(
            sids,
            [
                "EcsWaitRequired",
                "EcsWaitOptional",
                "EcsAct",
                "StsAssumeRoleOnlyWithAssumeRole"
            ]
        );
        let acting = &policy().statement[2];
        assert_eq!(
            acting.action,
            ["ecs:StopServiceDeployment", "ecs:ContinueServiceDeployment"]
        );
    }

    #[test]
    fn statement_ids_are_unique_and_alphanumeric_as_iam_requires() {
        let policy = policy();
        let mut sids: Vec<&str> = policy.statement.iter().map(|s| s.sid.as_str()).collect();
        for sid in &sids {
            assert!(
                !sid.is_empty() && sid.chars().all(|c| c.is_ascii_alphanumeric()),
                "{sid}"
            );
        }
        sids.sort_unstable();
        sids.dedup();
        assert_eq!(sids.len(), policy.statement.len());
    }

    #[test]
    fn the_document_opens_with_the_grammar_version_and_spells_fields_as_iam_does() {
        let json = policy().to_json();
        assert!(
            json.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": ["),
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let first = &value["Statement"][0];
        assert_eq!(first["Effect"], "Allow");
        assert_eq!(first["Resource"], "*");
        assert_eq!(first["Action"][0], "ecs:DescribeServices");
        assert!(json.ends_with("]\n}\n"));
    }
}
