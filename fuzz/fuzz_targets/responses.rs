#![no_main]
// Every response rule on the serde types, and the status classification: a value or a
// TmsError, never a panic.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::config::Issuer;
use tms_edge::tms::jwt::{self, Policy};
use tms_edge::tms::request::Endpoint;
use tms_edge::tms::response::{self, Parsers};
use tms_edge::tms::wire::{BatchEntry, ErrorBody, PageBody, TokenBody};

const T0: f64 = 1_700_000_000_000.0;

fn parse(token: &str) -> tms_edge::tms::error::Result<(tms_edge::tms::wire::Header, tms_edge::tms::wire::Claims)> {
    let p = jwt::split(token)?;
    let h = serde_json::from_str(&p.header_json).map_err(|_| jwt::invalid("header"))?;
    let c = serde_json::from_str(&p.claims_json).map_err(|_| jwt::invalid("payload"))?;
    Ok((h, c))
}

fuzz_target!(|data: &str| {
    let requested = ["t1".to_string(), "t2".to_string()];
    let policy = Policy { issuer: &Issuer::AnyUrl, clock_tolerance_ms: 300_000.0, check_ten: true };
    if let Ok(body) = serde_json::from_str::<TokenBody>(data) {
        let _ = response::grant(Endpoint::Token, &body, &policy.rules("t1"), Parsers { jwt: &parse, number: &|s: &str| s.parse().ok() }, T0, T0);
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
        let entries: Option<Vec<Option<BatchEntry>>> = v
            .get("oauthTokens")
            .and_then(|e| e.as_array())
            .map(|l| l.iter().map(|e| serde_json::from_value(e.clone()).ok()).collect());
        let _ = response::batch(entries.as_deref(), &requested, &policy, Parsers { jwt: &parse, number: &|s: &str| s.parse().ok() }, T0, T0);
    }
    if let Ok(p) = serde_json::from_str::<PageBody>(data) {
        let _ = response::page(&p);
    }
    // A key set: every RSA signing key kept, the rest dropped; lookups never panic.
    if let Ok(set) = serde_json::from_str::<tms_edge::tms::wire::JwkSet>(data) {
        let mut keys = tms_edge::tms::keys::KeySet::default();
        keys.stored(&set.keys.unwrap_or_default(), T0);
        let _ = keys.step(Some("key-id-1"), T0);
        let _ = keys.step(None, T0 + 61_000.0);
    }
    let body = serde_json::from_str::<ErrorBody>(data).ok();
    let _ = response::status_error(Endpoint::Token, "", 429, body.as_ref(), Some(1.0));
});
