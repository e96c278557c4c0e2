#![no_main]
// Option validation through the serde schema: a Config or a TMS_CONFIG error for any names,
// strings and numbers.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::config::{normalize_gateway, unknown_option, Config};
use tms_edge::tms::wire::{Loose, Options};

fuzz_target!(|input: (&str, &str, &str, f64, f64, f64)| {
    let (a, b, c, x, y, z) = input;
    let _ = normalize_gateway(a);
    let t = |s: &str| Loose::Str(s.to_string());
    let pairs = vec![
        (a.to_string(), Loose::Num(x)),
        ("gateway".to_string(), t(a)),
        ("region".to_string(), t(b)),
        ("clientId".to_string(), t(b)),
        ("clientSecret".to_string(), t(c)),
        ("appName".to_string(), t(a)),
        ("appVersion".to_string(), t(b)),
        ("hostTenant".to_string(), t(c)),
        ("tenant".to_string(), if y > 0.0 { t(c) } else { Loose::Missing }),
        ("issuer".to_string(), Loose::List(vec![a.to_string(), b.to_string()], z > 0.0)),
        ("batchSize".to_string(), Loose::Num(y)),
        ("timeout".to_string(), Loose::Num(z)),
    ];
    match Options::from_pairs(pairs) {
        Ok(o) => {
            if let Ok(config) = Config::new(&o) {
                assert!(config.base_url.ends_with("/api/technicaltokenmanager/v3"));
                assert!(config.batch_size >= 1);
            }
        }
        Err(e) => {
            let _ = unknown_option(&e);
        }
    }
});
