#![no_main]
// Retry-After in both forms: a non-negative delay or None, never a panic.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::http_date::parse_retry_after;

fuzz_target!(|data: &str| {
    if let Some(seconds) = parse_retry_after(data, 1_700_000_000_000.0) {
        assert!(seconds >= 0.0 && !seconds.is_nan());
    }
});
