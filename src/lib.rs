//! tms-edge: a client for the Insights Hub Token Management Service, for edge workers.
//!
//! `tms` is the sans-IO core, tested natively; `wasm` is the thin shell that binds it to
//! `fetch`, timers and JS values.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

pub mod tms;

/// The JS-facing API; public so wasm-bindgen tests can drive it from Rust.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
