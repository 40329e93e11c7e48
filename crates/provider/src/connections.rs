//! One set of AWS clients and one [`Watcher`] per distinct set of AWS settings, shared by every resource.
//!
//! Sharing the watcher is what lets the waits of many `WaitForEcsDeployment` resources in one `pulumi up`
//! batch their DescribeServices calls. Connecting resolves credentials (and may assume a role), so it happens
//! on first use, never at start-up, and only once per settings even when resources ask at the same moment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ecs_watcher::{AwsClients, AwsSettings, SetupError, Watcher};
use tokio::sync::OnceCell;

/// The connected AWS clients and the watcher polling through them.
#[derive(Clone)]
pub struct Connection {
    pub clients: AwsClients,
    pub watcher: Watcher,
}

/// The identity of an [`AwsSettings`] (which does not implement `Hash`). Holds the external id only in memory.
#[derive(Clone, PartialEq, Eq, Hash)]
struct SettingsKey {
    region: Option<String>,
    profile: Option<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    session_name: Option<String>,
    endpoint_url: Option<String>,
}

impl SettingsKey {
    fn of(settings: &AwsSettings) -> Self {
        let role = settings.assume_role.as_ref();
        SettingsKey {
            region: settings.region.clone(),
            profile: settings.profile.clone(),
            role_arn: role.map(|r| r.role_arn.clone()),
            external_id: role.and_then(|r| r.external_id.clone()),
            session_name: role.and_then(|r| r.session_name.clone()),
            endpoint_url: settings.endpoint_url.clone(),
        }
    }
}

#[derive(Default)]
pub struct Connections {
    by_settings: Mutex<HashMap<SettingsKey, Arc<OnceCell<Connection>>>>,
}

impl Connections {
    /// The connection for `settings`, connecting on first use. A failed connect is not cached: the next
    /// resource tries again (the user may have fixed their credentials meanwhile).
    pub async fn get(&self, settings: &AwsSettings) -> Result<Connection, SetupError> {
        let cell = {
            // A poisoned lock only means another thread panicked while inserting; the map is still usable.
            let mut map = self
                .by_settings
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.entry(SettingsKey::of(settings)).or_default().clone()
        };
        let connection = cell
            .get_or_try_init(|| async {
                let clients = ecs_watcher::connect(settings).await?;
                Ok::<_, SetupError>(Connection {
                    watcher: Watcher::with_clients(clients.clone()),
                    clients,
                })
            })
            .await?;
        Ok(connection.clone())
    }
}
