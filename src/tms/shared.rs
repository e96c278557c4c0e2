//! The shared tier (`store`): what is stored for a tenant, when a stored token may be used,
//! and how long leases and polls last. The shell encrypts values (AES-256-GCM, WebCrypto)
//! and names keys (HMAC of `identity`); the engine's memory cache stays the first tier.
//!
//! Protocol, per tenant, for the call that leads its local flight: read the store; a stored
//! token before its stored refresh point is used with no TMS request. Else take the lease
//! (stores that have one): the holder requests the token, writes it with its refresh point
//! (computed once, by the writer: every isolate refreshes at the same moment, once) and
//! releases. The others read the store again, with back-off, until the lease has ended; then
//! they take over. A store that fails or is slow is left out of the call, never fails it.

use super::cache::Timing;
use super::config::{Config, Credentials};
use serde::{Deserialize, Serialize};

/// A stored token (the plaintext of a sealed value). `v` versions the shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    pub v: u32,
    pub user_tenant: String,
    pub host_tenant: String,
    pub access_token: String,
    pub expires_at: f64,
    pub refresh_at: f64,
    pub scope: Vec<String>,
}

pub const VERSION: u32 = 1;

/// What a value read from the store is good for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Found {
    /// Before its refresh point: use it, with this timing (no TMS request).
    Use(Timing),
    /// Missing, expired, past its refresh point, or for another tenant: a miss.
    Miss,
}

/// The identity a store key is derived from: whose token this is, for which app.
pub fn identity(config: &Config, tenant: &str) -> Vec<String> {
    let (app, version) = match &config.credentials {
        Credentials::App { app_name, app_version } => (app_name.clone(), app_version.clone()),
        Credentials::Tenant { sub_tenant, .. } => {
            ("(tenant credentials)".into(), sub_tenant.clone().unwrap_or_default())
        }
    };
    vec![config.gateway.clone(), config.client_id.clone(), app, version, config.host_tenant.clone(), tenant.to_string()]
}

/// Judges a stored value for `tenant` at `now_ms`.
pub fn judge(stored: &Stored, config: &Config, tenant: &str, now_ms: f64) -> Found {
    let ours = stored.v == VERSION && stored.user_tenant == tenant && stored.host_tenant == config.host_tenant;
    let sane = stored.refresh_at.is_finite() && stored.expires_at.is_finite() && stored.refresh_at <= stored.expires_at;
    if ours && sane && now_ms < stored.refresh_at && !stored.access_token.is_empty() {
        Found::Use(Timing { stored_at_ms: now_ms, refresh_at_ms: stored.refresh_at, expires_at_ms: stored.expires_at })
    } else {
        Found::Miss
    }
}

/// How long a lease is held at most: the whole of a token request with its retries, plus
/// slack. A holder that dies is replaced when it runs out.
pub fn lease_ttl_ms(config: &Config) -> f64 {
    let attempts = f64::from(config.retries + 1);
    config.timeout_ms * attempts + super::retry::MAX_BACKOFF_MS * f64::from(config.retries) + 1_000.0
}

/// The wait before the `n`-th read of a follower polling the store: 50 ms doubling to 1 s,
/// jittered down by up to half.
pub fn poll_delay_ms(n: u32, rand: f64) -> f64 {
    let ceiling = (50.0 * 2f64.powi(n.min(10) as i32)).min(1_000.0);
    ceiling * (0.5 + 0.5 * rand.clamp(0.0, 1.0))
}

/// A stored value lives until the token expires.
pub fn ttl_ms(timing: &Timing, now_ms: f64) -> f64 {
    (timing.expires_at_ms - now_ms).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tms::config::tests::raw;

    fn stored(tenant: &str, refresh_at: f64, expires_at: f64) -> Stored {
        Stored {
            v: VERSION,
            user_tenant: tenant.into(),
            host_tenant: "operator".into(),
            access_token: "tok".into(),
            expires_at,
            refresh_at,
            scope: vec![],
        }
    }

    #[test]
    fn a_stored_token_is_used_until_its_stored_refresh_point_only_for_its_tenant() {
        let c = Config::new(&raw()).unwrap();
        let s = stored("t1", 1_000.0, 2_000.0);
        assert_eq!(
            judge(&s, &c, "t1", 500.0),
            Found::Use(Timing { stored_at_ms: 500.0, refresh_at_ms: 1_000.0, expires_at_ms: 2_000.0 })
        );
        assert_eq!(judge(&s, &c, "t1", 1_000.0), Found::Miss, "past the refresh point: refresh");
        assert_eq!(judge(&s, &c, "t2", 500.0), Found::Miss, "another tenant's");
        assert_eq!(judge(&Stored { host_tenant: "other".into(), ..s.clone() }, &c, "t1", 500.0), Found::Miss);
        assert_eq!(judge(&Stored { v: 2, ..s.clone() }, &c, "t1", 500.0), Found::Miss);
        assert_eq!(judge(&stored("t1", 3_000.0, 2_000.0), &c, "t1", 500.0), Found::Miss, "insane times");
        assert_eq!(judge(&stored("t1", f64::NAN, 2_000.0), &c, "t1", 500.0), Found::Miss);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"userTenant\":\"t1\"") && json.contains("\"refreshAt\":1000"), "{json}");
    }

    #[test]
    fn identity_lease_and_polls() {
        let c = Config::new(&raw()).unwrap();
        assert_eq!(
            identity(&c, "t1"),
            ["http://127.0.0.1:8787", "operator-kpi-1.0.0", "kpi", "1.0.0", "operator", "t1"]
        );
        assert_eq!(lease_ttl_ms(&c), 10_000.0 * 3.0 + 5_000.0 * 2.0 + 1_000.0);
        let delays: Vec<f64> = (0..8).map(|n| poll_delay_ms(n, 1.0)).collect();
        assert_eq!(delays, [50.0, 100.0, 200.0, 400.0, 800.0, 1_000.0, 1_000.0, 1_000.0]);
        assert_eq!(poll_delay_ms(0, 0.0), 25.0);
    }
}
