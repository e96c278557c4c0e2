//! Response parsers and status classification. Input is the status, the body text and the
//! `Retry-After` value; output is data or a `TmsError` whose message never quotes the body
//! (a body may hold a token) beyond a sanitized error code.

use super::error::{ErrorCode, Result, TmsError};
use super::http_date::parse_retry_after;
use super::json::{self, Value};
use super::jwt;
use super::request::Endpoint;
use super::secret::Secret;

/// A token never lives longer than this here, whatever `expires_in` says.
const MAX_LIFETIME_MS: f64 = 24.0 * 3600.0 * 1000.0;

/// An issued token with its validity worked out.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub access_token: Secret,
    /// `sentAt + lifetime`: anchored at request start, never later than the JWT's `exp`.
    pub expires_at_ms: f64,
    /// `expires_at_ms - sent_at_ms`, the base of the refresh margin and jitter.
    pub lifetime_ms: f64,
    pub scope: Vec<String>,
}

fn bad_response(endpoint: Endpoint, why: &str) -> TmsError {
    TmsError::new(ErrorCode::InvalidResponse, format!("{} returned an invalid response: {why}", endpoint.label()))
}

fn parse_body(endpoint: Endpoint, body: &str) -> Result<Value> {
    json::parse(body).map_err(|_| bad_response(endpoint, "body is not JSON"))
}

/// `expires_in` as a number or a numeric string, in seconds.
fn expires_in(value: Option<&Value>) -> core::result::Result<Option<f64>, &'static str> {
    let n = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => *n,
        Some(Value::String(s)) => json::parse_number(s.trim()).ok_or("`expires_in` is not a number")?,
        Some(_) => return Err("`expires_in` is not a number"),
    };
    if !n.is_finite() {
        return Err("`expires_in` is not a number");
    }
    Ok(Some(n))
}

/// Reads one token object (`/oauth/token` body, or an entry of `/oauthTokens`) issued for
/// `tenant`, for a request sent at `sent_at_ms`, received at `now_ms`.
pub fn grant_from_value(endpoint: Endpoint, v: &Value, tenant: &str, sent_at_ms: f64, now_ms: f64) -> Result<Grant> {
    let bad = |why: &str| bad_response(endpoint, why);
    if !v.is_object() {
        return Err(bad("token is not an object"));
    }
    let token = match v.get("access_token") {
        Some(Value::String(t)) if !t.is_empty() => t,
        _ => return Err(bad("`access_token` is missing")),
    };
    match v.get("token_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(bad("`token_type` is not bearer")),
    }
    let expires_in_s = expires_in(v.get("expires_in")).map_err(bad)?;
    let claims = jwt::check(&jwt::decode(token)?, tenant)?;

    // The lifetime is the shortest of what the response says, what the JWT says relative to
    // its own `iat` (immune to clock skew), and the JWT's absolute `exp`.
    let mut expires_at = sent_at_ms + MAX_LIFETIME_MS;
    if let Some(s) = expires_in_s {
        expires_at = expires_at.min(sent_at_ms + s * 1000.0);
    }
    if let Some(iat) = claims.iat_s {
        expires_at = expires_at.min(sent_at_ms + (claims.exp_s - iat) * 1000.0);
    }
    expires_at = expires_at.min(claims.exp_s * 1000.0);
    if expires_at <= now_ms {
        return Err(TmsError::new(
            ErrorCode::InvalidToken,
            format!("token for `{tenant}` was already expired on arrival"),
        ));
    }
    let scope = match v.get("scope") {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    Ok(Grant {
        access_token: Secret::new(token.clone()),
        expires_at_ms: expires_at,
        lifetime_ms: expires_at - sent_at_ms,
        scope,
    })
}

/// `POST /oauth/token` 2xx body.
pub fn parse_token(body: &str, tenant: &str, sent_at_ms: f64, now_ms: f64) -> Result<Grant> {
    let v = parse_body(Endpoint::Token, body)?;
    grant_from_value(Endpoint::Token, &v, tenant, sent_at_ms, now_ms)
}

/// `POST /oauthTokens` 2xx body: one result per requested tenant, in request order. A
/// tenant the response leaves out gets an error; entries for tenants that were not
/// requested are ignored, so a token can never be filed under the wrong tenant.
pub fn parse_batch(body: &str, requested: &[String], sent_at_ms: f64, now_ms: f64) -> Result<Vec<Result<Grant>>> {
    let ep = Endpoint::Batch;
    let v = parse_body(ep, body)?;
    let entries =
        v.get("oauthTokens").and_then(Value::as_array).ok_or_else(|| bad_response(ep, "`oauthTokens` is missing"))?;
    Ok(requested
        .iter()
        .map(|tenant| {
            let entry = entries.iter().find(|e| e.get("userTenantId").and_then(Value::as_str) == Some(tenant.as_str()));
            match entry.and_then(|e| e.get("token")) {
                Some(token) => grant_from_value(ep, token, tenant, sent_at_ms, now_ms),
                None => Err(bad_response(ep, &format!("no token for tenant `{tenant}`"))),
            }
        })
        .collect())
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub tenants: Vec<String>,
    /// From the page object; `None` when the server sent none (then a short page ends it).
    pub total_pages: Option<usize>,
}

/// `GET /userTenants` 2xx body.
pub fn parse_page(body: &str) -> Result<Page> {
    let ep = Endpoint::UserTenants;
    let v = parse_body(ep, body)?;
    let list =
        v.get("userTenants").and_then(Value::as_array).ok_or_else(|| bad_response(ep, "`userTenants` is missing"))?;
    let tenants = list
        .iter()
        .map(|t| match t.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
            _ => Err(bad_response(ep, "a tenant has no `id`")),
        })
        .collect::<Result<Vec<_>>>()?;
    let total_pages = v
        .get("page")
        .and_then(|p| p.get("totalPages"))
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.min(1e6) as usize);
    Ok(Page { tenants, total_pages })
}

/// The error for a non-2xx status. `retry_after` is the raw header value.
pub fn status_error(endpoint: Endpoint, status: u16, body: &str, retry_after: Option<&str>, now_ms: f64) -> TmsError {
    let code = match status {
        401 | 403 => ErrorCode::Unauthorized,
        429 => ErrorCode::Throttled,
        _ => ErrorCode::Http,
    };
    let mut message = format!("{} failed with HTTP {status}", endpoint.label());
    if let Some(server_code) = server_error_code(body) {
        message.push_str(&format!(" ({server_code})"));
    }
    let retry_after = if status == 429 { retry_after.and_then(|v| parse_retry_after(v, now_ms)) } else { None };
    TmsError::new(code, message).with_status(status).with_retry_after(retry_after)
}

/// The machine-readable error code of an error body, if it looks like one: `error` of the
/// OAuth shape or `errors[0].code`. Descriptions are never copied: they are free text.
fn server_error_code(body: &str) -> Option<String> {
    let v = json::parse(body).ok()?;
    let code = v.get("error").and_then(Value::as_str).or_else(|| {
        v.get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
    })?;
    let safe =
        !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    // A long mixed string could be a token fragment; real codes are short words.
    (safe && !code.starts_with("eyJ")).then(|| code.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::Engine as _;

    pub fn jwt_for(tenant: &str, iat: f64, exp: f64) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2ln",
            enc(r#"{"alg":"RS256","kid":"key-id-1","typ":"JWT"}"#),
            enc(&format!(
                r#"{{"iat":{iat},"exp":{exp},"iss":"https://{tenant}.piam.eu1.mindsphere.io/oauth/token","ten":"{tenant}"}}"#
            ))
        )
    }

    pub fn grant_body(tenant: &str, expires_in: &str, iat: f64, exp: f64) -> String {
        format!(
            r#"{{"access_token":"{}","token_type":"bearer","timestamp":"1559120938825","expires_in":{expires_in},"scope":"a b  c","jti":"x"}}"#,
            jwt_for(tenant, iat, exp)
        )
    }

    const T0: f64 = 1_700_000_000_000.0; // sent at, ms
    const IAT: f64 = 1_700_000_000.0;

    #[test]
    fn grant_number_or_numeric_string() {
        for expires_in in ["1799", "\"1799\"", "\" 1799 \"", "1799.0"] {
            let g = parse_token(&grant_body("t1", expires_in, IAT, IAT + 1800.0), "t1", T0, T0 + 50.0).unwrap();
            assert_eq!(g.expires_at_ms, T0 + 1_799_000.0, "{expires_in}");
            assert_eq!(g.lifetime_ms, 1_799_000.0);
            assert_eq!(g.scope, ["a", "b", "c"]);
        }
    }

    #[test]
    fn expiry_is_anchored_at_send_time_and_never_past_exp() {
        // A late response does not extend the token: anchored at sent_at, not at now.
        let g = parse_token(&grant_body("t1", "1799", IAT, IAT + 1800.0), "t1", T0, T0 + 9_000.0).unwrap();
        assert_eq!(g.expires_at_ms, T0 + 1_799_000.0);
        // A huge expires_in is capped by the JWT's own lifetime.
        let g = parse_token(&grant_body("t1", "1e12", IAT, IAT + 1800.0), "t1", T0, T0).unwrap();
        assert_eq!(g.expires_at_ms, T0 + 1_800_000.0);
        // Missing expires_in: the JWT decides.
        let body = grant_body("t1", "null", IAT, IAT + 600.0);
        assert_eq!(parse_token(&body, "t1", T0, T0).unwrap().expires_at_ms, T0 + 600_000.0);
        // An old token (iat/exp long past) with a fresh-looking expires_in is expired.
        let stale = grant_body("t1", "1799", 1_559_052_584.0, 1_559_054_384.0);
        assert_eq!(parse_token(&stale, "t1", T0, T0).unwrap_err().code, ErrorCode::InvalidToken);
    }

    #[test]
    fn zero_negative_and_garbage_expires_in() {
        for (expires_in, code) in [
            ("0", ErrorCode::InvalidToken),
            ("-5", ErrorCode::InvalidToken),
            ("\"soon\"", ErrorCode::InvalidResponse),
            ("true", ErrorCode::InvalidResponse),
        ] {
            let e = parse_token(&grant_body("t1", expires_in, IAT, IAT + 1800.0), "t1", T0, T0).unwrap_err();
            assert_eq!(e.code, code, "{expires_in}");
        }
    }

    #[test]
    fn tolerant_but_strict_where_it_matters() {
        let cases = [
            (r#"{"token_type":"bearer"}"#.to_string(), ErrorCode::InvalidResponse),
            (r#"{"access_token":"opaque-not-a-jwt","expires_in":1799}"#.to_string(), ErrorCode::InvalidToken),
            (r#"{"access_token":"a.b.c","expires_in":1799}"#.to_string(), ErrorCode::InvalidToken),
            (grant_body("t1", "1799", IAT, IAT + 1800.0).replace("bearer", "mac"), ErrorCode::InvalidResponse),
            (grant_body("t2", "1799", IAT, IAT + 1800.0), ErrorCode::InvalidToken),
            ("{\"access_token\": \"trunc".to_string(), ErrorCode::InvalidResponse),
            ("<html>502</html>".to_string(), ErrorCode::InvalidResponse),
            ("[]".to_string(), ErrorCode::InvalidResponse),
        ];
        for (body, code) in cases {
            let e = parse_token(&body, "t1", T0, T0).unwrap_err();
            assert_eq!(e.code, code, "{body}");
            assert!(!e.message.contains("eyJ"), "{}", e.message);
        }
    }

    #[test]
    fn batch_keeps_order_reports_missing_and_ignores_extras() {
        let entry = |t: &str, body_tenant: &str| {
            format!(r#"{{"userTenantId":"{t}","token":{}}}"#, grant_body(body_tenant, "1799", IAT, IAT + 1800.0))
        };
        let body = format!(
            r#"{{"oauthTokens":[{},{},{},{}]}}"#,
            entry("x-unrequested", "x-unrequested"),
            entry("b", "b"),
            entry("a", "a"),
            entry("c", "not-c")
        );
        let req: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let out = parse_batch(&body, &req, T0, T0).unwrap();
        assert_eq!(out.len(), 4);
        assert!(out[0].is_ok() && out[1].is_ok());
        assert_eq!(out[2].as_ref().unwrap_err().code, ErrorCode::InvalidToken); // swapped token
        let missing = out[3].as_ref().unwrap_err();
        assert_eq!(missing.code, ErrorCode::InvalidResponse);
        assert!(missing.message.contains("`d`"));
        // The seed's sample is not valid JSON (no comma between entries).
        let seed_like = format!(r#"{{"oauthTokens":[{}{}]}}"#, entry("a", "a"), entry("b", "b"));
        assert_eq!(parse_batch(&seed_like, &req, T0, T0).unwrap_err().code, ErrorCode::InvalidResponse);
        assert!(parse_batch(r#"{"tokens":[]}"#, &req, T0, T0).is_err());
    }

    #[test]
    fn page_object() {
        let p = parse_page(
            r#"{"page":{"size":2,"totalElements":3,"totalPages":2,"number":0},"userTenants":[{"id":"a"},{"id":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(p, Page { tenants: vec!["a".into(), "b".into()], total_pages: Some(2) });
        let p = parse_page(r#"{"userTenants":[]}"#).unwrap();
        assert_eq!(p.total_pages, None);
        assert!(parse_page(r#"{"userTenants":[{"name":"a"}]}"#).is_err());
        assert!(parse_page(r#"{"page":{}}"#).is_err());
    }

    #[test]
    fn every_error_class() {
        let ep = Endpoint::Token;
        let cases = [
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Unauthorized),
            (400, ErrorCode::Http),
            (404, ErrorCode::Http),
            (302, ErrorCode::Http),
            (429, ErrorCode::Throttled),
            (500, ErrorCode::Http),
            (502, ErrorCode::Http),
            (503, ErrorCode::Http),
        ];
        for (status, code) in cases {
            let e = status_error(ep, status, "<html>oops</html>", Some("3"), 0.0);
            assert_eq!((e.code, e.status), (code, Some(status)));
            assert_eq!(e.retry_after, if status == 429 { Some(3.0) } else { None });
            assert_eq!(e.message, format!("POST /oauth/token failed with HTTP {status}"));
        }
    }

    #[test]
    fn error_summaries_keep_codes_and_drop_free_text() {
        let e = status_error(
            Endpoint::Token,
            401,
            r#"{"error":"token_validation_failed","error_description":"[abc] secret"}"#,
            None,
            0.0,
        );
        assert_eq!(e.message, "POST /oauth/token failed with HTTP 401 (token_validation_failed)");
        let e = status_error(
            Endpoint::Batch,
            400,
            r#"{"errors":[{"code":"tms.badRequest","logref":"x","message":"m"}]}"#,
            None,
            0.0,
        );
        assert!(e.message.ends_with("(tms.badRequest)"));
        for body in [r#"{"error":"has spaces and Basic abc"}"#, r#"{"error":"eyJhbGciOiJSUzI1NiJ9"}"#, "plain"] {
            let e = status_error(Endpoint::Token, 400, body, None, 0.0);
            assert_eq!(e.message, "POST /oauth/token failed with HTTP 400", "{body}");
        }
    }
}
