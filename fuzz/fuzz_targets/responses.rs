#![no_main]
// Every response parser and the status classification: a value or a TmsError, never a panic.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::request::Endpoint;
use tms_edge::tms::response::{parse_batch, parse_page, parse_token, status_error};

const T0: f64 = 1_700_000_000_000.0;

fuzz_target!(|data: &str| {
    let requested = ["t1".to_string(), "t2".to_string()];
    let _ = parse_token(data, "t1", T0, T0);
    let _ = parse_batch(data, &requested, T0, T0);
    let _ = parse_page(data);
    let _ = status_error(Endpoint::Token, 429, data, Some(data), T0);
});
