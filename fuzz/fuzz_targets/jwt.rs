#![no_main]
// JWT splitting (base64) and every claim check, on the serde types: never a panic.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::config::Issuer;
use tms_edge::tms::jwt::{self, Rules};
use tms_edge::tms::wire::{Claims, Header};

fuzz_target!(|data: &str| {
    if let Ok(p) = jwt::split(data) {
        let _ = p.signature();
        let h: Option<Header> = serde_json::from_str(&p.header_json).ok();
        let c: Option<Claims> = serde_json::from_str(&p.claims_json).ok();
        if let (Some(h), Some(c)) = (h, c) {
            for issuer in [Issuer::AnyUrl, Issuer::Piam { rest: "eu1.mindsphere.io".into() }] {
                let rules = Rules { issuer: &issuer, clock_tolerance_ms: 300_000.0, tenant: Some("t1") };
                let _ = jwt::check(&h, &c, &rules, 1_700_000_000_000.0);
            }
        }
    }
});
