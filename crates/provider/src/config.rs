//! Provider configuration (`CheckConfig`/`Configure`): where and as whom to call ECS.
//!
//! Everything is optional: unset values fall through to the AWS SDK's own chain (AWS_REGION, AWS_PROFILE,
//! AWS_ENDPOINT_URL, ...), exactly as for the CLI. A resource's `awsRegion`/`assumeRole` override these.

use std::collections::HashMap;

use ecs_watcher::input;
use ecs_watcher::{AssumeRole, AwsSettings};

use crate::PACKAGE_NAME;
use crate::properties::{
    FieldError, FromProperties, PropertyMap, Revealed, is_unknown, string_value, typed_properties,
    unknown_properties,
};
use crate::resource::WaitArgs;
use crate::validate;

typed_properties! {
    /// Provider configuration.
    pub struct ProviderConfig (given: ConfigInputs) {
        /// The AWS region to call, unless a resource sets `awsRegion`. Defaults to the AWS environment
        /// (AWS_REGION, AWS_DEFAULT_REGION, the profile).
        region: Option<String> as "region" {
            default: None, secret: false, validate: validate::optional(input::region),
        },
        /// The named AWS profile (shared config/credentials files, including SSO) to take credentials from.
        profile: Option<String> as "profile" { default: None, secret: false, validate: valid_profile },
        /// The ARN of an IAM role to assume for every ECS call, unless a resource sets `assumeRole`.
        assume_role: Option<String> as "assumeRole" {
            default: None, secret: false, validate: validate::optional(input::role_arn),
        },
        /// The external ID to present when assuming the provider's `assumeRole`.
        external_id: Option<String> as "externalId" {
            default: None, secret: true, validate: crate::properties::any_value,
        },
        /// An ECS endpoint URL to call instead of the AWS one (for example a local simulator). Defaults to
        /// AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL when set.
        endpoint: Option<String> as "endpoint" {
            default: None, secret: false, validate: validate::optional(input::endpoint_url),
        },
    }
}

/// Keys the engine itself adds to every provider's inputs.
const ENGINE_KEYS: &[&str] = &["version", "pluginDownloadURL"];

impl ProviderConfig {
    /// No configuration: everything comes from the AWS environment.
    pub fn unset() -> Self {
        ProviderConfig {
            region: None,
            profile: None,
            assume_role: None,
            external_id: None,
            endpoint: None,
        }
    }

    /// Reads the configuration from `Configure`'s `args`, or from the legacy string `variables` map
    /// (keys `wait-for-ecs-deploy:config:<name>` or `wait-for-ecs-deploy:<name>`).
    ///
    /// Values not known yet (a preview with config computed from other resources) count as unset: a preview
    /// makes no AWS call, and the real run gets known values.
    pub fn from_configure(
        args: Option<&Revealed>,
        variables: &HashMap<String, String>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut values: PropertyMap = match args {
            Some(args) => args.values.clone(),
            None => variables
                .iter()
                .map(|(key, value)| (short_key(key).to_string(), string_value(value.clone())))
                .collect(),
        };
        values.retain(|name, value| !is_unknown(value) && !ENGINE_KEYS.contains(&name.as_str()));
        // The same rules as CheckConfig: an engine that skips it must not get a configuration
        // that fails later, at the first wait.
        let invalid = ConfigInputs::read(&values).check();
        if !invalid.is_empty() {
            return Err(invalid);
        }
        Self::decode(&values)
    }

    /// The AWS settings for one resource: its own region/role win over the provider's.
    pub fn aws_settings(&self, args: &WaitArgs) -> AwsSettings {
        let (role_arn, external_id) = match &args.assume_role {
            Some(role) => (Some(role.clone()), args.external_id.clone()),
            None => (self.assume_role.clone(), self.external_id.clone()),
        };
        AwsSettings {
            region: args.aws_region.clone().or_else(|| self.region.clone()),
            profile: self.profile.clone(),
            assume_role: role_arn.map(|role_arn| AssumeRole {
                role_arn,
                external_id,
                session_name: None,
            }),
            endpoint_url: self.endpoint.clone(),
        }
    }
}

fn short_key(key: &str) -> &str {
    let config_prefix = format!("{PACKAGE_NAME}:config:");
    let plain_prefix = format!("{PACKAGE_NAME}:");
    key.strip_prefix(&config_prefix)
        .or_else(|| key.strip_prefix(&plain_prefix))
        .unwrap_or(key)
}

/// `CheckConfig`: unknown keys and bad values, per key.
pub fn check_config(news: &Revealed) -> Vec<FieldError> {
    let mut failures = unknown_properties(&news.values, &[ProviderConfig::FIELDS], ENGINE_KEYS);
    failures.extend(ConfigInputs::read(&news.values).check());
    failures
}

fn valid_profile(field: &str, value: &Option<String>) -> Result<(), String> {
    match value.as_deref() {
        Some(profile) if profile.trim().is_empty() || profile.contains(char::is_whitespace) => {
            Err(input::InputError::new(
                field,
                profile,
                "expected a profile name from ~/.aws/config, without spaces",
            )
            .to_string())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::unknown_value;

    fn revealed(entries: &[(&str, &str)]) -> Revealed {
        Revealed {
            values: entries
                .iter()
                .map(|(k, v)| (k.to_string(), string_value(*v)))
                .collect(),
            secret: Default::default(),
        }
    }

    #[test]
    fn engine_keys_are_allowed_and_typos_are_not() {
        let failures = check_config(&revealed(&[("version", "0.1.0"), ("regoin", "us-east-1")]));
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].property, "regoin");
    }

    #[test]
    fn bad_endpoint_is_named() {
        let failures = check_config(&revealed(&[("endpoint", "localhost:4566")]));
        assert_eq!(failures[0].property, "endpoint");
        assert!(failures[0].reason.contains("`localhost:4566`"));
    }

    #[test]
    fn legacy_variables_with_package_prefix_are_read() {
        let variables = HashMap::from([
            (
                "wait-for-ecs-deploy:config:region".to_string(),
                "eu-west-1".to_string(),
            ),
            (
                "wait-for-ecs-deploy:endpoint".to_string(),
                "http://127.0.0.1:9".to_string(),
            ),
        ]);
        let config = ProviderConfig::from_configure(None, &variables).unwrap();
        assert_eq!(config.region.as_deref(), Some("eu-west-1"));
        assert_eq!(config.endpoint.as_deref(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn unknown_config_values_count_as_unset() {
        let mut args = revealed(&[("profile", "ci")]);
        args.values.insert("region".into(), unknown_value());
        let config = ProviderConfig::from_configure(Some(&args), &HashMap::new()).unwrap();
        assert_eq!(config.region, None);
        assert_eq!(config.profile.as_deref(), Some("ci"));
    }

    #[test]
    fn resource_region_and_role_override_the_provider() {
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            assume_role: Some("arn:aws:iam::123456789012:role/provider".into()),
            external_id: Some("provider-external".into()),
            endpoint: Some("http://127.0.0.1:1".into()),
            ..ProviderConfig::unset()
        };
        let mut values = PropertyMap::new();
        values.insert("clusterName".into(), string_value("c"));
        values.insert("serviceName".into(), string_value("s"));
        values.insert("desiredTaskDef".into(), string_value("td:1"));
        let mut args = WaitArgs::decode(&values).unwrap();
        let settings = config.aws_settings(&args);
        assert_eq!(settings.region.as_deref(), Some("us-east-1"));
        let role = settings.assume_role.unwrap();
        assert_eq!(role.role_arn, "arn:aws:iam::123456789012:role/provider");
        assert_eq!(role.external_id.as_deref(), Some("provider-external"));

        args.aws_region = Some("ap-southeast-2".into());
        args.assume_role = Some("arn:aws:iam::123456789012:role/resource".into());
        let settings = config.aws_settings(&args);
        assert_eq!(settings.region.as_deref(), Some("ap-southeast-2"));
        let role = settings.assume_role.unwrap();
        assert_eq!(role.role_arn, "arn:aws:iam::123456789012:role/resource");
        assert_eq!(
            role.external_id, None,
            "the provider's external id belongs to the provider's role"
        );
        assert_eq!(settings.endpoint_url.as_deref(), Some("http://127.0.0.1:1"));
    }
}
