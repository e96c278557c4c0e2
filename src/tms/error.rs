//! The one error type of the crate. Every failure a caller can see carries one of the
//! stable codes of the public API, a short message that never holds a secret or a token,
//! and the HTTP status / Retry-After where there was one.

use core::fmt;

/// Stable error codes, the string union `TmsErrorCode` of the TypeScript types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Config,
    Unauthorized,
    Http,
    Throttled,
    Timeout,
    Aborted,
    Network,
    InvalidResponse,
    InvalidToken,
    /// Events only: a store call failed or timed out; the call went on without it.
    Store,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Config,
        ErrorCode::Unauthorized,
        ErrorCode::Http,
        ErrorCode::Throttled,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
        ErrorCode::Network,
        ErrorCode::InvalidResponse,
        ErrorCode::InvalidToken,
        ErrorCode::Store,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Config => "TMS_CONFIG",
            ErrorCode::Unauthorized => "TMS_UNAUTHORIZED",
            ErrorCode::Http => "TMS_HTTP",
            ErrorCode::Throttled => "TMS_THROTTLED",
            ErrorCode::Timeout => "TMS_TIMEOUT",
            ErrorCode::Aborted => "TMS_ABORTED",
            ErrorCode::Network => "TMS_NETWORK",
            ErrorCode::InvalidResponse => "TMS_INVALID_RESPONSE",
            ErrorCode::InvalidToken => "TMS_INVALID_TOKEN",
            ErrorCode::Store => "TMS_STORE",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TmsError {
    pub code: ErrorCode,
    /// Built only from fixed text, option names, tenant ids and sanitized error codes.
    pub message: String,
    pub status: Option<u16>,
    /// Seconds, on `TMS_THROTTLED` when the server sent `Retry-After`.
    pub retry_after: Option<f64>,
    /// The option a `TMS_CONFIG` error is about (so `fromEnv` can name its variable).
    pub option: Option<String>,
}

impl TmsError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        TmsError { code, message: message.into(), status: None, retry_after: None, option: None }
    }

    pub fn config(option: &str, problem: &str) -> Self {
        let mut e = Self::new(ErrorCode::Config, format!("option `{option}` {problem}"));
        e.option = Some(option.to_string());
        e
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, seconds: Option<f64>) -> Self {
        self.retry_after = seconds;
        self
    }
}

impl fmt::Display for TmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

pub type Result<T> = core::result::Result<T, TmsError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_public_strings() {
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            all,
            [
                "TMS_CONFIG",
                "TMS_UNAUTHORIZED",
                "TMS_HTTP",
                "TMS_THROTTLED",
                "TMS_TIMEOUT",
                "TMS_ABORTED",
                "TMS_NETWORK",
                "TMS_INVALID_RESPONSE",
                "TMS_INVALID_TOKEN",
                "TMS_STORE"
            ]
        );
    }

    #[test]
    fn display_has_code_and_message() {
        let e = TmsError::config("batchSize", "must be an integer from 1 to 100").with_status(400);
        assert_eq!(e.to_string(), "TMS_CONFIG: option `batchSize` must be an integer from 1 to 100");
        assert_eq!(e.status, Some(400));
    }
}
