//! The sans-IO core: everything that decides something, in plain Rust. No I/O, no clock
//! reads (time is a parameter), no randomness source (random numbers are parameters).

pub mod cache;
pub mod config;
pub mod engine;
pub mod error;
pub mod flights;
pub mod jwt;
pub mod keys;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
pub mod shared;
pub mod wire;
