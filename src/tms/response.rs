//! Response rules: what a 2xx body must hold (taken from the `wire` shapes the JS engine
//! parsed) and what a non-2xx status means. Messages never quote a body (a body may hold a
//! token) beyond a sanitized error code.

use super::error::{ErrorCode, Result, TmsError};
use super::jwt::{self, Policy, Rules};
use super::request::Endpoint;
use super::secret::Secret;
use super::wire::{BatchEntry, Claims, ErrorBody, Header, Loose, PageBody, TokenBody};

/// A token never lives longer than this here, whatever `expires_in` says.
const MAX_LIFETIME_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// Most bytes of a response body that are read; a longer body is refused unread.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Takes a JWT's header and claims out of the token text (the shell: base64 in Rust, JSON
/// by the JS engine; native tests: serde_json).
pub type JwtParser<'a> = &'a dyn Fn(&str) -> Result<(Header, Claims)>;

/// Reads a numeric string (`expires_in` sent as text). The shell passes the JS engine's
/// `Number()`; std's `f64::from_str` would put 25 KB of tables and code into the `.wasm`.
pub type NumberParser<'a> = &'a dyn Fn(&str) -> Option<f64>;

/// What the rules need parsed that the core does not parse itself.
#[derive(Clone, Copy)]
pub struct Parsers<'a> {
    pub jwt: JwtParser<'a>,
    pub number: NumberParser<'a>,
}

/// An issued token with its validity worked out.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub access_token: Secret,
    /// `sentAt + lifetime`: anchored at request start, never later than the JWT's `exp`.
    pub expires_at_ms: f64,
    /// `expires_at_ms - sent_at_ms`, the base of the refresh margin and jitter.
    pub lifetime_ms: f64,
    pub scope: Vec<String>,
    /// The signing key's id, for `verify`.
    pub kid: Option<String>,
}

pub fn bad_response(endpoint: Endpoint, why: &str) -> TmsError {
    TmsError::new(ErrorCode::InvalidResponse, format!("{} returned an invalid response: {why}", endpoint.label()))
}

pub fn not_json(endpoint: Endpoint) -> TmsError {
    bad_response(endpoint, "body is not JSON")
}

pub fn too_large(endpoint: Endpoint) -> TmsError {
    bad_response(endpoint, "body is larger than 1 MiB")
}

/// `expires_in` as a number or a numeric string, in seconds.
fn expires_in(value: &Loose, number: NumberParser) -> core::result::Result<Option<f64>, &'static str> {
    let n = match value {
        v if v.is_absent() => return Ok(None),
        Loose::Num(n) => *n,
        Loose::Str(s) if !s.trim().is_empty() => number(s.trim()).ok_or("`expires_in` is not a number")?,
        _ => return Err("`expires_in` is not a number"),
    };
    if !n.is_finite() {
        return Err("`expires_in` is not a number");
    }
    Ok(Some(n))
}

/// Reads one token object (an `/oauth/token` body, or an entry of `/oauthTokens`) for a
/// request sent at `sent_at_ms`, received at `now_ms`, and checks its JWT by `rules`.
pub fn grant(
    endpoint: Endpoint,
    v: &TokenBody,
    rules: &Rules,
    parse: Parsers,
    sent_at_ms: f64,
    now_ms: f64,
) -> Result<Grant> {
    let bad = |why: &str| bad_response(endpoint, why);
    let token = match &v.access_token {
        Loose::Str(t) if !t.is_empty() => t,
        _ => return Err(bad("`access_token` is missing")),
    };
    match &v.token_type {
        t if t.is_absent() => {}
        Loose::Str(t) if t.eq_ignore_ascii_case("bearer") => {}
        _ => return Err(bad("`token_type` is not bearer")),
    }
    let expires_in_s = expires_in(&v.expires_in, parse.number).map_err(bad)?;
    let (header, claims) = (parse.jwt)(token)?;
    let checked = jwt::check(&header, &claims, rules, now_ms)?;

    // The lifetime is the shortest of what the response says, what the JWT says relative to
    // its own `iat` (immune to clock skew), and the JWT's absolute `exp`.
    let mut expires_at = sent_at_ms + MAX_LIFETIME_MS;
    if let Some(s) = expires_in_s {
        expires_at = expires_at.min(sent_at_ms + s * 1000.0);
    }
    if let Some(iat) = checked.iat_s {
        expires_at = expires_at.min(sent_at_ms + (checked.exp_s - iat) * 1000.0);
    }
    expires_at = expires_at.min(checked.exp_s * 1000.0);
    if expires_at <= now_ms {
        let whose = rules.tenant.map(|t| format!(" for `{t}`")).unwrap_or_default();
        return Err(TmsError::new(ErrorCode::InvalidToken, format!("token{whose} was already expired on arrival")));
    }
    let scope = match &v.scope {
        Loose::Str(s) => s.split_whitespace().map(str::to_string).collect(),
        Loose::List(items, _) => items.clone(),
        _ => Vec::new(),
    };
    Ok(Grant {
        access_token: Secret::new(token.clone()),
        expires_at_ms: expires_at,
        lifetime_ms: expires_at - sent_at_ms,
        scope,
        kid: checked.kid,
    })
}

/// `POST /oauthTokens` 2xx body: one result per requested tenant, in request order.
/// `entries` is `oauthTokens` (`None` when it is not an array), each entry taken on its own
/// (`None` for one that is not shaped like an entry). A tenant the response leaves out is
/// `None`: the caller asks for it alone (`/oauth/token`), so that a tenant the TMS will not
/// serve gets that answer's status (`TMS_UNAUTHORIZED` for a 403), as from `token()`.
/// Entries for tenants that were not requested are ignored, so a token can never be filed
/// under the wrong tenant.
pub fn batch(
    entries: Option<&[Option<BatchEntry>]>,
    requested: &[String],
    policy: &Policy,
    parse: Parsers,
    sent_at_ms: f64,
    now_ms: f64,
) -> Result<Vec<Option<Result<Grant>>>> {
    let ep = Endpoint::Batch;
    let entries = entries.ok_or_else(|| bad_response(ep, "`oauthTokens` is missing"))?;
    Ok(requested
        .iter()
        .map(|tenant| {
            let entry = entries.iter().flatten().find(|e| e.user_tenant_id.as_str() == Some(tenant.as_str()));
            match entry.map(|e| e.token.as_ref()) {
                Some(Some(token)) => Some(grant(ep, token, &policy.rules(tenant), parse, sent_at_ms, now_ms)),
                Some(None) => Some(Err(bad_response(ep, &format!("the entry of `{tenant}` has no token")))),
                None => None,
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
pub fn page(body: &PageBody) -> Result<Page> {
    let ep = Endpoint::UserTenants;
    let list = body.user_tenants.as_ref().ok_or_else(|| bad_response(ep, "`userTenants` is missing"))?;
    let tenants = list
        .iter()
        .map(|t| match &t.id {
            Loose::Str(id) if !id.is_empty() => Ok(id.clone()),
            _ => Err(bad_response(ep, "a tenant has no `id`")),
        })
        .collect::<Result<Vec<_>>>()?;
    let total_pages = body
        .page
        .as_ref()
        .and_then(|p| p.total_pages.as_f64())
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.min(1e6) as usize);
    Ok(Page { tenants, total_pages })
}

/// The error for a non-2xx status of a request made for `about` (a tenant or tenants, for
/// the message). `retry_after` is in seconds (see `retry::retry_after`); `body` is the
/// error body if it was JSON.
pub fn status_error(
    endpoint: Endpoint,
    about: &str,
    status: u16,
    body: Option<&ErrorBody>,
    retry_after: Option<f64>,
) -> TmsError {
    let code = match status {
        401 | 403 => ErrorCode::Unauthorized,
        429 => ErrorCode::Throttled,
        _ => ErrorCode::Http,
    };
    let mut message = format!("{}{about} failed with HTTP {status}", endpoint.label());
    if let Some(server_code) = body.and_then(server_error_code) {
        message.push_str(&format!(" ({server_code})"));
    }
    let retry_after = if status == 429 { retry_after } else { None };
    TmsError::new(code, message).with_status(status).with_retry_after(retry_after)
}

/// The tenants a request was made for, as a message fragment: " for `t1`", " for 3 tenants".
pub fn about(tenants: &[String]) -> String {
    match tenants {
        [] => String::new(),
        [one] => format!(" for `{one}`"),
        many => format!(" for {} tenants", many.len()),
    }
}

/// The machine-readable error code of an error body, if it looks like one: `error` of the
/// OAuth shape or `errors[0].code`. Descriptions are never copied: they are free text.
fn server_error_code(v: &ErrorBody) -> Option<String> {
    let code = v.error.as_str().or_else(|| v.errors.as_ref()?.first()?.code.as_str())?;
    let safe =
        !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    // A long mixed string could be a token fragment; real codes are short words.
    (safe && !code.starts_with("eyJ")).then(|| code.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tms::config::Issuer;
    use crate::tms::jwt::tests::{b64, parse};

    pub fn jwt_for(tenant: &str, iat: f64, exp: f64) -> String {
        format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"RS256","kid":"key-id-1","typ":"JWT"}"#),
            b64(&format!(
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

    pub const PARSERS: Parsers = Parsers { jwt: &parse, number: &|s: &str| s.parse().ok() };

    pub fn rules(tenant: &str) -> Rules<'_> {
        Rules { issuer: &Issuer::AnyUrl, clock_tolerance_ms: 300_000.0, tenant: Some(tenant) }
    }

    pub fn token(body: &str, tenant: &str, sent: f64, now: f64) -> Result<Grant> {
        let v: TokenBody = serde_json::from_str(body).map_err(|_| not_json(Endpoint::Token))?;
        grant(Endpoint::Token, &v, &rules(tenant), PARSERS, sent, now)
    }

    pub fn batch_of(body: &str, req: &[String], sent: f64, now: f64) -> Result<Vec<Option<Result<Grant>>>> {
        let v: serde_json::Value = serde_json::from_str(body).map_err(|_| not_json(Endpoint::Batch))?;
        let entries: Option<Vec<Option<BatchEntry>>> = v
            .get("oauthTokens")
            .and_then(|e| e.as_array())
            .map(|list| list.iter().map(|e| serde_json::from_value(e.clone()).ok()).collect());
        let policy = Policy { issuer: &Issuer::AnyUrl, clock_tolerance_ms: 300_000.0, check_ten: true };
        batch(entries.as_deref(), req, &policy, PARSERS, sent, now)
    }

    #[test]
    fn grant_number_or_numeric_string() {
        for expires_in in ["1799", "\"1799\"", "\" 1799 \"", "1799.0"] {
            let g = token(&grant_body("t1", expires_in, IAT, IAT + 1800.0), "t1", T0, T0 + 50.0).unwrap();
            assert_eq!(g.expires_at_ms, T0 + 1_799_000.0, "{expires_in}");
            assert_eq!(g.lifetime_ms, 1_799_000.0);
            assert_eq!(g.scope, ["a", "b", "c"]);
            assert_eq!(g.kid.as_deref(), Some("key-id-1"));
        }
    }

    #[test]
    fn expiry_is_anchored_at_send_time_and_never_past_exp() {
        let g = token(&grant_body("t1", "1799", IAT, IAT + 1800.0), "t1", T0, T0 + 9_000.0).unwrap();
        assert_eq!(g.expires_at_ms, T0 + 1_799_000.0);
        let g = token(&grant_body("t1", "1e12", IAT, IAT + 1800.0), "t1", T0, T0).unwrap();
        assert_eq!(g.expires_at_ms, T0 + 1_800_000.0);
        let body = grant_body("t1", "null", IAT, IAT + 600.0);
        assert_eq!(token(&body, "t1", T0, T0).unwrap().expires_at_ms, T0 + 600_000.0);
        // `exp` earlier than sentAt + lifetime (a server clock behind ours) caps expiresAt.
        let g = token(&grant_body("t1", "1799", IAT - 100.0, IAT + 1700.0), "t1", T0, T0).unwrap();
        assert_eq!(g.expires_at_ms, (IAT + 1700.0) * 1000.0);
        let stale = grant_body("t1", "1799", 1_559_052_584.0, 1_559_054_384.0);
        assert_eq!(token(&stale, "t1", T0, T0).unwrap_err().code, ErrorCode::InvalidToken);
    }

    #[test]
    fn zero_negative_and_garbage_expires_in() {
        for (expires_in, code) in [
            ("0", ErrorCode::InvalidToken),
            ("-5", ErrorCode::InvalidToken),
            ("\"soon\"", ErrorCode::InvalidResponse),
            ("true", ErrorCode::InvalidResponse),
        ] {
            let e = token(&grant_body("t1", expires_in, IAT, IAT + 1800.0), "t1", T0, T0).unwrap_err();
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
            let e = token(&body, "t1", T0, T0).unwrap_err();
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
            r#"{{"oauthTokens":[{},{},{},{},{}]}}"#,
            entry("x-unrequested", "x-unrequested"),
            entry("b", "b"),
            entry("a", "a"),
            entry("c", "not-c"),
            r#"{"userTenantId":"e","token":"not an object"}"#
        );
        let req: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let out = batch_of(&body, &req, T0, T0).unwrap();
        assert_eq!(out.len(), 5);
        let out: Vec<Option<&Result<Grant>>> = out.iter().map(Option::as_ref).collect();
        assert!(out[0].unwrap().is_ok() && out[1].unwrap().is_ok());
        assert_eq!(out[2].unwrap().as_ref().unwrap_err().code, ErrorCode::InvalidToken); // swapped token
        assert!(out[3].is_none(), "a tenant left out is asked for alone");
        assert!(out[4].is_none(), "a malformed entry fails its tenant alone: asked for alone");
        let seed_like = format!(r#"{{"oauthTokens":[{}{}]}}"#, entry("a", "a"), entry("b", "b"));
        assert_eq!(batch_of(&seed_like, &req, T0, T0).unwrap_err().code, ErrorCode::InvalidResponse);
        assert!(batch_of(r#"{"tokens":[]}"#, &req, T0, T0).is_err());
    }

    #[test]
    fn page_object() {
        let p = |s: &str| page(&serde_json::from_str(s).unwrap());
        let got = p(
            r#"{"page":{"size":2,"totalElements":3,"totalPages":2,"number":0},"userTenants":[{"id":"a"},{"id":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(got, Page { tenants: vec!["a".into(), "b".into()], total_pages: Some(2) });
        assert_eq!(p(r#"{"userTenants":[]}"#).unwrap().total_pages, None);
        assert!(p(r#"{"userTenants":[{"name":"a"}]}"#).is_err());
        assert!(p(r#"{"page":{}}"#).is_err());
    }

    #[test]
    fn every_error_class() {
        for (status, code) in [
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Unauthorized),
            (400, ErrorCode::Http),
            (404, ErrorCode::Http),
            (302, ErrorCode::Http),
            (429, ErrorCode::Throttled),
            (500, ErrorCode::Http),
            (503, ErrorCode::Http),
        ] {
            let e = status_error(Endpoint::Token, &about(&["t1".into()]), status, None, Some(3.0));
            assert_eq!((e.code, e.status), (code, Some(status)));
            assert_eq!(e.retry_after, if status == 429 { Some(3.0) } else { None });
            assert_eq!(e.message, format!("POST /oauth/token for `t1` failed with HTTP {status}"));
        }
    }

    #[test]
    fn error_summaries_keep_codes_and_drop_free_text() {
        let body = |s: &str| serde_json::from_str::<ErrorBody>(s).unwrap();
        let e = status_error(
            Endpoint::Token,
            "",
            401,
            Some(&body(r#"{"error":"token_validation_failed","error_description":"[abc] secret"}"#)),
            None,
        );
        assert_eq!(e.message, "POST /oauth/token failed with HTTP 401 (token_validation_failed)");
        let e = status_error(
            Endpoint::Batch,
            &about(&["a".into(), "b".into()]),
            400,
            Some(&body(r#"{"errors":[{"code":"tms.badRequest","logref":"x","message":"m"}]}"#)),
            None,
        );
        assert_eq!(e.message, "POST /oauthTokens for 2 tenants failed with HTTP 400 (tms.badRequest)");
        for b in [r#"{"error":"has spaces and Basic abc"}"#, r#"{"error":"eyJhbGciOiJSUzI1NiJ9"}"#, r#"{"error":7}"#] {
            let e = status_error(Endpoint::Token, "", 400, Some(&body(b)), None);
            assert_eq!(e.message, "POST /oauth/token failed with HTTP 400", "{b}");
        }
    }
}
