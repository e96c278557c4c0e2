//! JWT decoding without signature verification (the client only needs the expiry and the
//! tenant; the resource server verifies signatures), and the checks the vendor SDKs make
//! before using a token: `alg`, `typ`, `exp`, `iat`, `iss`, and here also `ten`.

use super::error::{ErrorCode, Result, TmsError};
use super::json::{self, Value};

/// Tokens seen are about 2 KB; anything far larger is not a TMS token.
const MAX_JWT_LEN: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct Jwt {
    /// The decoded JSON texts, kept so the shell can hand them to `JSON.parse` as they are.
    pub header_json: String,
    pub claims_json: String,
    pub header: Value,
    pub claims: Value,
}

fn invalid(why: &str) -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, format!("malformed JWT: {why}"))
}

fn segment(part: &str, name: &str) -> Result<(String, Value)> {
    // Padding optional: some encoders pad JWT segments although RFC 7515 says not to.
    let bytes = super::b64::decode_url(part).ok_or_else(|| invalid(&format!("{name} is not base64url")))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid(&format!("{name} is not UTF-8")))?;
    let value = json::parse(&text).map_err(|_| invalid(&format!("{name} is not JSON")))?;
    if !value.is_object() {
        return Err(invalid(&format!("{name} is not a JSON object")));
    }
    Ok((text, value))
}

/// Splits and decodes a compact JWS. The signature must be present (as base64url text) but
/// is not checked.
pub fn decode(token: &str) -> Result<Jwt> {
    if token.len() > MAX_JWT_LEN {
        return Err(invalid("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("expected three dot-separated parts"));
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid("signature is not base64url"));
    }
    let (header_json, header) = segment(h, "header")?;
    let (claims_json, claims) = segment(c, "payload")?;
    Ok(Jwt { header_json, claims_json, header, claims })
}

/// What the client uses from a token's claims, after the checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    pub exp_s: f64,
    pub iat_s: Option<f64>,
    pub tenant: Option<String>,
}

fn numeric_claim(claims: &Value, name: &str) -> Result<Option<f64>> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_finite() => Ok(Some(*n)),
        Some(_) => Err(invalid(&format!("`{name}` is not a number"))),
    }
}

/// Checks a token the service issued for `expected_tenant`. Expiry against the clock is the
/// caller's business (it knows `now`); here only the shape is judged.
pub fn check(jwt: &Jwt, expected_tenant: &str) -> Result<Claims> {
    match jwt.header.get("alg").and_then(Value::as_str) {
        Some(alg) if !alg.eq_ignore_ascii_case("none") => {}
        _ => return Err(invalid("`alg` is missing or none")),
    }
    match jwt.header.get("typ") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("jwt") || t.eq_ignore_ascii_case("at+jwt") => {}
        Some(_) => return Err(invalid("`typ` is not JWT")),
    }
    let exp_s = numeric_claim(&jwt.claims, "exp")?.ok_or_else(|| invalid("`exp` is missing"))?;
    let iat_s = numeric_claim(&jwt.claims, "iat")?;
    if iat_s.is_some_and(|iat| iat > exp_s) {
        return Err(invalid("`iat` is after `exp`"));
    }
    match jwt.claims.get("iss") {
        None => {}
        Some(Value::String(iss)) if iss.starts_with("https://") || iss.starts_with("http://") => {}
        Some(_) => return Err(invalid("`iss` is not a URL")),
    }
    let tenant = match jwt.claims.get("ten") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return Err(invalid("`ten` is not a string")),
    };
    if let Some(t) = &tenant {
        if t != expected_tenant {
            return Err(TmsError::new(
                ErrorCode::InvalidToken,
                format!("token was issued for another tenant than `{expected_tenant}`"),
            ));
        }
    }
    Ok(Claims { exp_s, iat_s, tenant })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const SEEDS: &str = include_str!("../../tests/fixtures/seed-tokens.txt");

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    fn make(header: &str, claims: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(claims))
    }

    #[test]
    fn seed_tokens_decode_to_their_claims() {
        let tokens: Vec<&str> = SEEDS.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(tokens.len(), 3);
        let mut seen = Vec::new();
        for t in tokens {
            let jwt = decode(t).unwrap();
            assert_eq!(jwt.header.get("alg").unwrap().as_str(), Some("RS256"));
            let ten = jwt.claims.get("ten").unwrap().as_str().unwrap().to_string();
            let claims = check(&jwt, &ten).unwrap();
            let iss = jwt.claims.get("iss").unwrap().as_str().unwrap().to_string();
            seen.push((claims.exp_s, claims.iat_s.unwrap(), iss, ten));
        }
        assert!(seen.contains(&(
            1542866463.0,
            1542864663.0,
            "https://core.piam.eu1-int.mindsphere.io/oauth/token".into(),
            "core".into()
        )));
        assert!(seen.contains(&(
            1559054384.0,
            1559052584.0,
            "https://dbde1.piam.eu1-b.mindsphere.io/oauth/token".into(),
            "dbde1".into()
        )));
    }

    #[test]
    fn malformed_tokens_are_invalid_token_errors() {
        let good_h = b64(r#"{"alg":"RS256"}"#);
        let good_c = b64(r#"{"exp":1}"#);
        for bad in [
            String::new(),
            "abc".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            format!("{good_h}.{good_c}."),
            format!("{good_h}.{good_c}.sig!"),
            format!("{good_h}.***.sig"),
            format!("{}.{good_c}.sig", b64("[1]")),
            format!("{}.{good_c}.sig", b64("not json")),
            format!("{good_h}.{}.sig", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
            format!("{good_h}.{}.sig", "A".repeat(MAX_JWT_LEN)),
        ] {
            let e = decode(&bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidToken, "{bad}");
        }
        // Padded segments are tolerated.
        assert!(decode(&format!("{}=.{good_c}.sig", b64(r#"{"alg":"RS256"} "#))).is_ok());
    }

    #[test]
    fn checks_alg_typ_exp_iat_iss_ten() {
        let ok = |h: &str, c: &str| check(&decode(&make(h, c)).unwrap(), "t1");
        let rs = r#"{"alg":"RS256","typ":"JWT"}"#;
        assert_eq!(
            ok(rs, r#"{"exp":20,"iat":10,"iss":"https://t1.piam.x/oauth/token","ten":"t1"}"#).unwrap(),
            Claims { exp_s: 20.0, iat_s: Some(10.0), tenant: Some("t1".into()) }
        );
        assert!(ok(r#"{"alg":"RS256"}"#, r#"{"exp":20}"#).is_ok());
        for (h, c, want) in [
            (r#"{"typ":"JWT"}"#, r#"{"exp":20}"#, "alg"),
            (r#"{"alg":"none"}"#, r#"{"exp":20}"#, "alg"),
            (r#"{"alg":"RS256","typ":"JWE"}"#, r#"{"exp":20}"#, "typ"),
            (rs, r#"{"iat":10}"#, "exp"),
            (rs, r#"{"exp":"20"}"#, "exp"),
            (rs, r#"{"exp":20,"iat":30}"#, "iat"),
            (rs, r#"{"exp":20,"iss":"core"}"#, "iss"),
            (rs, r#"{"exp":20,"ten":7}"#, "ten"),
            (rs, r#"{"exp":20,"ten":"t2"}"#, "another tenant"),
        ] {
            let e = ok(h, c).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidToken);
            assert!(e.message.contains(want), "{} !~ {want}", e.message);
        }
    }
}
