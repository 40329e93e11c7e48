//! Identifiers in the shapes ECS uses, drawn from one seeded generator so runs repeat.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug)]
pub(crate) struct Ids {
    rng: StdRng,
}

impl Ids {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A task id: 32 lowercase hex digits.
    pub(crate) fn task_id(&mut self) -> String {
        format!("{:032x}", self.rng.random::<u128>())
    }

    /// The `N` of a deployment id `ecs-svc/N` (and of its service revision): 19 decimal digits.
    pub(crate) fn deployment_number(&mut self) -> u64 {
        self.rng
            .random_range(1_000_000_000_000_000_000..=9_223_372_036_854_775_807)
    }

    /// The random last part of a service deployment ARN.
    pub(crate) fn service_deployment_token(&mut self) -> String {
        (0..21)
            .map(|_| char::from(ALPHANUMERIC[self.rng.random_range(0..ALPHANUMERIC.len())]))
            .collect()
    }

    /// A UUID-shaped id (service events, container ids).
    pub(crate) fn uuid(&mut self) -> String {
        uuid_shaped(&format!("{:032x}", self.rng.random::<u128>()))
    }
}

/// 32 hex digits grouped as a UUID is written: 8-4-4-4-12.
pub(crate) fn uuid_shaped(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_repeatability() {
        let mut a = Ids::new(7);
        let mut b = Ids::new(7);
        let task = a.task_id();
        assert_eq!(task, b.task_id());
        assert_eq!(task.len(), 32);
        let n = a.deployment_number();
        assert_eq!(n.to_string().len(), 19);
        assert_eq!(a.service_deployment_token().len(), 21);
        assert_eq!(a.uuid().len(), 36);
        assert_eq!(
            uuid_shaped("0123456789abcdef0011223344556677"),
            "01234567-89ab-cdef-0011-223344556677"
        );
    }
}
