//! Which failures are retried, and how long to wait. Bounded: at most `retries` extra
//! attempts, each wait at most `MAX_BACKOFF_MS` or a `Retry-After` of at most
//! `MAX_RETRY_AFTER_S`. Randomness comes in as a parameter in [0, 1).

use super::error::{ErrorCode, TmsError};

pub const BASE_BACKOFF_MS: f64 = 200.0;
pub const MAX_BACKOFF_MS: f64 = 5_000.0;
/// A longer `Retry-After` is not waited for: the call fails at once with `TMS_THROTTLED`.
pub const MAX_RETRY_AFTER_S: f64 = 60.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    Retry { delay_ms: f64 },
    GiveUp,
}

/// First wait of the refresh back-off, and its ceiling (see `refresh_backoff_ms`).
pub const REFRESH_BACKOFF_MS: f64 = 1_000.0;
pub const MAX_REFRESH_BACKOFF_MS: f64 = 30_000.0;

/// Seconds to wait, from a `Retry-After` header value: delay-seconds, or an HTTP-date that
/// `parse_date` (the JS engine's `Date.parse`, in the shell) reads to epoch milliseconds.
/// A date in the past means "now" (0). `None` for anything unreadable: the caller then
/// uses its backoff. Only values with letters are offered as dates: `Date.parse` reads
/// plain numbers like "1.5" as dates of 2001.
pub fn retry_after(value: &str, parse_date: impl Fn(&str) -> Option<f64>, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a huge delay must read as huge (and fail at once), not as
        // absent. Saturates far above any limit that matters.
        return Some(v.bytes().fold(0.0, |acc, b| (acc * 10.0 + f64::from(b - b'0')).min(1e12)));
    }
    if v.len() > 64 || !v.bytes().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let date_ms = parse_date(v).filter(|d| d.is_finite())?;
    Some(((date_ms - now_ms) / 1000.0).max(0.0))
}

/// How long a tenant waits before its next refresh attempt after `failures` failed ones in
/// a row (with the cached token still valid): 1 s, 2 s, 4 s … at most 30 s, jittered down by
/// up to a quarter so that tenants that failed together do not retry together.
pub fn refresh_backoff_ms(failures: u32, rand: f64) -> f64 {
    let ceiling =
        (REFRESH_BACKOFF_MS * 2f64.powi(failures.saturating_sub(1).min(16) as i32)).min(MAX_REFRESH_BACKOFF_MS);
    ceiling * (0.75 + 0.25 * rand.clamp(0.0, 1.0))
}

/// Whether this failure is worth another attempt at all: 429, 5xx (and 408), network
/// errors and timeouts. 401/403 and other 4xx are not: retried bad credentials flood the
/// service, and a bad request stays bad.
pub fn is_retryable(err: &TmsError) -> bool {
    match err.code {
        ErrorCode::Throttled | ErrorCode::Network | ErrorCode::Timeout => true,
        ErrorCode::Http => matches!(err.status, Some(408) | Some(500..=599)),
        _ => false,
    }
}

/// Decides after attempt number `attempt` (0 = the first) failed with `err`.
pub fn decide(retries: u32, attempt: u32, err: &TmsError, rand: f64) -> Decision {
    if !is_retryable(err) || attempt >= retries {
        return Decision::GiveUp;
    }
    if let Some(seconds) = err.retry_after {
        if seconds > MAX_RETRY_AFTER_S {
            return Decision::GiveUp;
        }
        return Decision::Retry { delay_ms: seconds * 1000.0 };
    }
    Decision::Retry { delay_ms: backoff_ms(attempt, rand) }
}

/// Whether a batch the server refused as a whole should be split in two and each half sent
/// again. A 400 or 413 for several tenants may mean the server's limit is below `batchSize`
/// (sources say 5, one says 2) or that it rejects one tenant of the batch (undocumented); a
/// 403 may name one tenant that has not bought the app. Halving adapts to the first and
/// isolates the others, so the other tenants still get their tokens and only the refused one
/// is `TMS_UNAUTHORIZED`. Bounded: at most 2 x batchSize - 1 requests for a batch (all its
/// tenants refused), single tenants are never split, and a 401 (bad credentials) never is.
pub fn split_batch(err: &TmsError, tenants: usize) -> bool {
    tenants > 1 && matches!(err.status, Some(400) | Some(403) | Some(413))
}

/// Exponential backoff with "equal jitter": half fixed, half random, so retries of many
/// clients spread out but never collapse to zero.
pub fn backoff_ms(attempt: u32, rand: f64) -> f64 {
    let ceiling = (BASE_BACKOFF_MS * 2f64.powi(attempt.min(16) as i32)).min(MAX_BACKOFF_MS);
    ceiling / 2.0 + ceiling / 2.0 * rand.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: ErrorCode, status: Option<u16>) -> TmsError {
        let e = TmsError::new(code, "x");
        match status {
            Some(s) => e.with_status(s),
            None => e,
        }
    }

    #[test]
    fn which_outcomes_retry() {
        for (code, status, retry) in [
            (ErrorCode::Throttled, Some(429), true),
            (ErrorCode::Http, Some(500), true),
            (ErrorCode::Http, Some(502), true),
            (ErrorCode::Http, Some(503), true),
            (ErrorCode::Http, Some(408), true),
            (ErrorCode::Network, None, true),
            (ErrorCode::Timeout, None, true),
            (ErrorCode::Unauthorized, Some(401), false),
            (ErrorCode::Unauthorized, Some(403), false),
            (ErrorCode::Http, Some(400), false),
            (ErrorCode::Http, Some(404), false),
            (ErrorCode::Aborted, None, false),
            (ErrorCode::InvalidResponse, Some(200), false),
            (ErrorCode::InvalidToken, None, false),
        ] {
            assert_eq!(is_retryable(&err(code, status)), retry, "{code:?} {status:?}");
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let e = err(ErrorCode::Http, Some(503));
        assert!(matches!(decide(2, 0, &e, 0.5), Decision::Retry { .. }));
        assert!(matches!(decide(2, 1, &e, 0.5), Decision::Retry { .. }));
        assert_eq!(decide(2, 2, &e, 0.5), Decision::GiveUp);
        assert_eq!(decide(0, 0, &e, 0.5), Decision::GiveUp);
    }

    #[test]
    fn refused_batches_split_until_single_tenants() {
        let bad = err(ErrorCode::Http, Some(400));
        assert!(split_batch(&bad, 5));
        assert!(split_batch(&err(ErrorCode::Http, Some(413)), 2));
        assert!(split_batch(&err(ErrorCode::Unauthorized, Some(403)), 3), "one tenant may be refused");
        assert!(!split_batch(&err(ErrorCode::Unauthorized, Some(401)), 5), "bad credentials stay bad");
        assert!(!split_batch(&bad, 1), "a single tenant's 400 is its own error");
        for other in [401, 404, 429, 500] {
            let code = if other == 429 { ErrorCode::Throttled } else { ErrorCode::Http };
            assert!(!split_batch(&err(code, Some(other)), 5), "{other}");
        }
        assert!(!split_batch(&err(ErrorCode::Network, None), 5));
    }

    #[test]
    fn jitter_bounds() {
        for attempt in 0..20 {
            let ceiling = (200.0 * 2f64.powi(attempt as i32)).min(5000.0);
            assert_eq!(backoff_ms(attempt, 0.0), ceiling / 2.0);
            assert_eq!(backoff_ms(attempt, 1.0), ceiling);
            assert_eq!(backoff_ms(attempt, 7.0), ceiling, "rand is clamped");
            let mid = backoff_ms(attempt, 0.37);
            assert!(mid >= ceiling / 2.0 && mid <= ceiling);
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let date = |v: &str| (v == "Sun, 06 Nov 1994 08:49:47 GMT").then_some(784_111_787_000.0);
        let now = 784_111_777_000.0;
        assert_eq!(retry_after("2", date, 0.0), Some(2.0));
        assert_eq!(retry_after(" 120 ", date, 0.0), Some(120.0));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:47 GMT", date, now), Some(10.0));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:47 GMT", date, now + 60_000.0), Some(0.0));
        assert_eq!(retry_after("99999999999", date, 0.0), Some(99_999_999_999.0));
        assert_eq!(retry_after(&"9".repeat(400), date, 0.0), Some(1e12));
        let anything = |_: &str| Some(5.0);
        for bad in ["", "-1", "1.5", "  ", &"x".repeat(65)] {
            assert_eq!(retry_after(bad, anything, 0.0), None, "{bad}");
        }
        assert_eq!(retry_after("soon", |_| None, 0.0), None);
        assert_eq!(retry_after("soon", |_| Some(f64::NAN), 0.0), None);
    }

    #[test]
    fn refresh_backoff_doubles_to_thirty_seconds() {
        let top: Vec<f64> = (1..=8).map(|n| refresh_backoff_ms(n, 1.0)).collect();
        assert_eq!(top, [1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0, 30_000.0]);
        assert_eq!(refresh_backoff_ms(1, 0.0), 750.0);
        assert_eq!(refresh_backoff_ms(0, 0.5), refresh_backoff_ms(1, 0.5));
        assert_eq!(refresh_backoff_ms(u32::MAX, 1.0), 30_000.0);
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_minute() {
        let throttled = |s: Option<f64>| err(ErrorCode::Throttled, Some(429)).with_retry_after(s);
        assert_eq!(decide(2, 0, &throttled(Some(2.0)), 0.9), Decision::Retry { delay_ms: 2000.0 });
        assert_eq!(decide(2, 0, &throttled(Some(0.0)), 0.9), Decision::Retry { delay_ms: 0.0 });
        assert_eq!(decide(2, 0, &throttled(Some(60.0)), 0.9), Decision::Retry { delay_ms: 60_000.0 });
        assert_eq!(decide(2, 0, &throttled(Some(61.0)), 0.9), Decision::GiveUp);
        assert_eq!(decide(2, 0, &throttled(None), 0.0), Decision::Retry { delay_ms: 100.0 });
    }
}
