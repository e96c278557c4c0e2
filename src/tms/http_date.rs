//! `Retry-After` values: delay-seconds or an HTTP-date (IMF-fixdate, and the obsolete
//! RFC 850 and asctime forms that RFC 9110 still requires recipients to accept).

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Seconds to wait, from a `Retry-After` header value and the current time. A date in the
/// past means "now" (0). `None` for anything unreadable: the caller then uses its backoff.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a huge delay must read as huge (and fail at once), not as
        // absent. Saturates far above any limit that matters.
        return Some(v.bytes().fold(0.0, |acc, b| (acc * 10.0 + f64::from(b - b'0')).min(1e12)));
    }
    let date_ms = parse_http_date(v)?;
    Some(((date_ms - now_ms) / 1000.0).max(0.0))
}

/// Milliseconds since the epoch for an HTTP-date in any of its three forms.
pub fn parse_http_date(s: &str) -> Option<f64> {
    if s.len() > 64 {
        return None;
    }
    let mut month = None;
    let mut time = None;
    let mut numbers = Vec::new();
    for token in s.split([' ', ',', '-']).filter(|t| !t.is_empty()) {
        let lower = token.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| *m == lower) {
            month = Some(m as u32 + 1);
        } else if token.contains(':') {
            time = Some(parse_time(token)?);
        } else if token.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(token);
        }
    }
    // The day comes before the year in all three forms.
    let (&[day, year], Some(month), Some((h, m, sec))) = (numbers.as_slice(), month, time) else {
        return None;
    };
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    // Four digits at most: HTTP-dates have them, and larger years would overflow below.
    let mut year: i64 = year.parse().ok().filter(|y| (0..=9999).contains(y))?;
    if year < 100 {
        // RFC 850 two-digit years: RFC 9110 says to read far-future dates as past ones.
        year += if year < 70 { 2000 } else { 1900 };
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + (h * 3600 + m * 60 + sec) as i64) * 1000) as f64)
}

fn parse_time(t: &str) -> Option<(u32, u32, u32)> {
    let mut it = t.split(':').map(|p| p.parse::<u32>().ok());
    let (Some(Some(h)), Some(Some(m)), Some(Some(s)), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return None;
    };
    (h < 24 && m < 60 && s <= 60).then_some((h, m, s))
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: f64 = 784_111_777_000.0;

    #[test]
    fn the_three_date_forms() {
        for s in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            assert_eq!(parse_http_date(s), Some(NOV_6_1994), "{s}");
        }
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(parse_http_date("Sat, 29 Feb 2020 12:00:00 GMT"), Some(1_582_977_600_000.0));
    }

    #[test]
    fn absurd_years_do_not_overflow() {
        for s in ["Sun, 06 Nov 99999999999999999 08:49:37 GMT", "Sun, 06 Nov 9223372036854775807 08:49:37 GMT"] {
            assert_eq!(parse_http_date(s), None, "{s}");
        }
        assert!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").is_some());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("2", 0.0), Some(2.0));
        assert_eq!(parse_retry_after(" 120 ", 0.0), Some(120.0));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", NOV_6_1994), Some(10.0));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", NOV_6_1994), Some(0.0));
        // A huge delay reads as huge (so the call fails at once), never as absent.
        assert_eq!(parse_retry_after("99999999999", 0.0), Some(99_999_999_999.0));
        assert_eq!(parse_retry_after(&"9".repeat(400), 0.0), Some(1e12));
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "06 Nov 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }
}
