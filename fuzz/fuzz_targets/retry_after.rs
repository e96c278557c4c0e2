#![no_main]
// Retry-After in both forms: a non-negative delay or None, never a panic. The date form is
// read by the JS engine in the shell; here by a stand-in that returns extreme values.
use libfuzzer_sys::fuzz_target;
use tms_edge::tms::retry::retry_after;

fuzz_target!(|data: &str| {
    for date in [|_: &str| Some(f64::MAX), |_: &str| Some(-1e300), |_: &str| None] {
        if let Some(seconds) = retry_after(data, date, 1_700_000_000_000.0) {
            assert!(seconds >= 0.0 && !seconds.is_nan());
        }
    }
});
