#![no_main]
// JWT decoding and claim checks, and the JSON reader under them: never a panic.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::{json, jwt};

fuzz_target!(|data: &str| {
    let _ = json::parse(data);
    let _ = json::parse_number(data);
    if let Ok(token) = jwt::decode(data) {
        let _ = jwt::check(&token, "t1");
    }
});
