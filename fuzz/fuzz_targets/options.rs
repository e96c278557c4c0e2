#![no_main]
// Option validation: a Config or a TMS_CONFIG error for any strings and numbers.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::config::{normalize_gateway, Config, Raw, RawOptions};

fuzz_target!(|input: (&str, &str, &str, f64, f64, f64)| {
    let (a, b, c, x, y, z) = input;
    let _ = normalize_gateway(a);
    let t = |s: &str| Raw::Text(s.to_string());
    let raw = RawOptions {
        gateway: t(a),
        region: t(b),
        domain: t(c),
        client_id: t(b),
        client_secret: t(c),
        app_name: t(a),
        app_version: t(b),
        host_tenant: t(c),
        user_tenant: t(a),
        refresh_before_expiry: Raw::Number(x),
        batch_size: Raw::Number(y),
        page_size: Raw::Number(z),
        timeout: Raw::Number(x),
        retries: Raw::Number(y),
        max_entries: Raw::Number(z),
    };
    if let Ok(config) = Config::new(&raw) {
        assert!(config.base_url.ends_with("/api/technicaltokenmanager/v3"));
        assert!(config.batch_size >= 1);
    }
});
