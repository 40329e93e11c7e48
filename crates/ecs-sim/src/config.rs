//! How a simulator instance is set up.

use serde::{Deserialize, Serialize};

/// Settings fixed for the lifetime of one simulator instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Simulated seconds per real second. `50.0` makes a 5-minute rollout take 6 real seconds.
    pub time_scale: f64,
    /// Region written into every ARN, e.g. `us-east-1`.
    pub region: String,
    /// Account id written into every ARN, e.g. `123456789012`.
    pub account_id: String,
    /// Seed for every random choice (ids, fault draws), so a run can be repeated.
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            seed: 0,
        }
    }
}

/// Why a [`SimConfig`] cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error(
        "time_scale {0} is not usable: it must be a finite number greater than 0 (e.g. 1.0 or 100)"
    )]
    TimeScale(f64),
    #[error(
        "region `{0}` is not usable: expected lowercase letters, digits and dashes such as `us-east-1`"
    )]
    Region(String),
    #[error("account_id `{0}` is not usable: expected exactly 12 digits such as `123456789012`")]
    AccountId(String),
}

impl SimConfig {
    /// Checks the settings before a server starts, so a bad value fails loudly at start-up
    /// instead of producing odd ARNs or a frozen clock later.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(ConfigError::TimeScale(self.time_scale));
        }
        let region_ok = !self.region.is_empty()
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(ConfigError::Region(self.region.clone()));
        }
        if self.account_id.len() != 12 || !self.account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::AccountId(self.account_id.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert_eq!(SimConfig::default().validate(), Ok(()));
    }

    #[test]
    fn rejects_zero_time_scale_and_odd_account() {
        let zero = SimConfig {
            time_scale: 0.0,
            ..SimConfig::default()
        };
        assert_eq!(zero.validate(), Err(ConfigError::TimeScale(0.0)));
        let account = SimConfig {
            account_id: "12".into(),
            ..SimConfig::default()
        };
        assert_eq!(account.validate(), Err(ConfigError::AccountId("12".into())));
    }
}
