//! JWTs: splitting a compact JWS into its decoded parts, and the checks made on every token
//! before it is cached or returned (and by `verify()`): `alg`, `typ`, `exp`, `iat`, `iss`,
//! and `ten` for application tokens. The JSON of the header and the claims is parsed by the
//! JS engine (the shell) into `wire::Header` / `wire::Claims`; signatures are checked with
//! WebCrypto by the shell, against keys the engine picks (see `keys.rs`).

use super::config::Issuer;
use super::error::{ErrorCode, Result, TmsError};
use super::wire::{Claims, Header, Loose};
use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

/// Tokens seen are about 2 KB; anything far larger is not a TMS token.
const MAX_JWT_LEN: usize = 64 * 1024;

/// base64url, padding optional: some encoders pad JWT segments although RFC 7515 says not to.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A compact JWS, split and base64-decoded; the JSON is still text.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    pub header_json: String,
    pub claims_json: String,
    /// `header.payload` as sent: what the signature covers.
    pub signing_input: String,
    /// base64url text; decoded only to verify (`signature`): the seeds' samples have
    /// truncated signatures and must still decode.
    pub signature_b64: String,
}

impl Parts {
    pub fn signature(&self) -> Result<Vec<u8>> {
        B64URL.decode(&self.signature_b64).map_err(|_| invalid("signature is not base64url"))
    }
}

pub fn invalid(why: &str) -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, format!("malformed JWT: {why}"))
}

fn segment(part: &str, name: &str) -> Result<String> {
    let bytes = B64URL.decode(part).map_err(|_| invalid(&format!("{name} is not base64url")))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid(&format!("{name} is not UTF-8")))?;
    if !text.trim_start().starts_with('{') {
        return Err(invalid(&format!("{name} is not a JSON object")));
    }
    Ok(text)
}

/// Splits and decodes a compact JWS. The signature must be present (as base64url text).
pub fn split(token: &str) -> Result<Parts> {
    if token.len() > MAX_JWT_LEN {
        return Err(invalid("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("expected three dot-separated parts"));
    };
    // An empty signature passes here (`alg: none` is then refused by name in `check`).
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid("signature is not base64url"));
    }
    Ok(Parts {
        header_json: segment(h, "header")?,
        claims_json: segment(c, "payload")?,
        signing_input: token.get(..h.len() + 1 + c.len()).unwrap_or("").to_string(),
        signature_b64: s.to_string(),
    })
}

/// What a token's checks are judged against.
pub struct Rules<'a> {
    pub issuer: &'a Issuer,
    pub clock_tolerance_ms: f64,
    /// The tenant an application token was requested for (`ten` must match when present);
    /// `None` for tenant-credential tokens and `verify()`.
    pub tenant: Option<&'a str>,
}

/// The rules for the tokens a manager obtains: `ten` is checked for application tokens
/// (tenant-credential tokens name their own tenant).
#[derive(Clone, Copy)]
pub struct Policy<'a> {
    pub issuer: &'a Issuer,
    pub clock_tolerance_ms: f64,
    pub check_ten: bool,
}

impl<'a> Policy<'a> {
    pub fn of(config: &'a super::config::Config) -> Self {
        Policy { issuer: &config.issuer, clock_tolerance_ms: config.clock_tolerance_ms, check_ten: config.is_app() }
    }

    /// The rules for a token requested for `tenant`.
    pub fn rules<'b>(&self, tenant: &'b str) -> Rules<'b>
    where
        'a: 'b,
    {
        Rules {
            issuer: self.issuer,
            clock_tolerance_ms: self.clock_tolerance_ms,
            tenant: self.check_ten.then_some(tenant),
        }
    }
}

/// The claims a client uses, after the checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub exp_s: f64,
    pub iat_s: Option<f64>,
    pub kid: Option<String>,
}

fn failed(why: &str) -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, format!("token check failed: {why}"))
}

fn numeric(v: &Loose, name: &str) -> Result<Option<f64>> {
    match v {
        v if v.is_absent() => Ok(None),
        Loose::Num(n) if n.is_finite() => Ok(Some(*n)),
        _ => Err(failed(&format!("`{name}` is not a number"))),
    }
}

/// Every check but the signature, at `now_ms`. Messages name the check, never the token.
pub fn check(header: &Header, claims: &Claims, rules: &Rules, now_ms: f64) -> Result<Checked> {
    if header.alg.as_str() != Some("RS256") {
        return Err(failed("`alg` is not RS256"));
    }
    match &header.typ {
        t if t.is_absent() => {}
        Loose::Str(t) if t.eq_ignore_ascii_case("jwt") => {}
        _ => return Err(failed("`typ` is not JWT")),
    }
    let exp_s = numeric(&claims.exp, "exp")?.ok_or_else(|| failed("`exp` is missing"))?;
    if exp_s * 1000.0 <= now_ms {
        return Err(failed("`exp` has passed (the token is expired)"));
    }
    let iat_s = numeric(&claims.iat, "iat")?;
    if let Some(iat) = iat_s {
        if iat > exp_s {
            return Err(failed("`iat` is after `exp`"));
        }
        if iat * 1000.0 > now_ms + rules.clock_tolerance_ms {
            return Err(failed("`iat` lies in the future beyond `clockTolerance`"));
        }
    }
    let iss = claims.iss.as_str().ok_or_else(|| failed("`iss` is missing"))?;
    let iss_ok = match rules.issuer {
        Issuer::Listed(list) => list.iter().any(|i| i == iss),
        Issuer::Piam { rest } => piam_issuer(iss, rest),
        Issuer::AnyUrl => iss.starts_with("https://") || iss.starts_with("http://"),
    };
    if !iss_ok {
        return Err(failed("`iss` is not an accepted issuer"));
    }
    if let Some(expected) = rules.tenant {
        match &claims.ten {
            t if t.is_absent() => {}
            Loose::Str(t) if t == expected => {}
            Loose::Str(_) => {
                return Err(TmsError::new(
                    ErrorCode::InvalidToken,
                    format!("token was issued for another tenant than `{expected}`"),
                ))
            }
            _ => return Err(failed("`ten` is not a string")),
        }
    }
    Ok(Checked { exp_s, iat_s, kid: header.kid.as_str().map(str::to_string) })
}

/// `https://{one label}.piam.{rest}/oauth/token`.
fn piam_issuer(iss: &str, rest: &str) -> bool {
    let Some(host) = iss.strip_prefix("https://").and_then(|h| h.strip_suffix("/oauth/token")) else {
        return false;
    };
    match host.split_once(".piam.") {
        Some((label, r)) => {
            r == rest && !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const SEEDS: &str = include_str!("../../tests/fixtures/seed-tokens.txt");

    pub fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    pub fn make(header: &str, claims: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(claims))
    }

    /// Splits and parses like the shell does (with serde_json instead of the JS engine).
    pub fn parse(token: &str) -> Result<(Header, Claims)> {
        let p = split(token)?;
        let h = serde_json::from_str(&p.header_json).map_err(|_| invalid("header is not JSON"))?;
        let c = serde_json::from_str(&p.claims_json).map_err(|_| invalid("payload is not JSON"))?;
        Ok((h, c))
    }

    #[test]
    fn seed_tokens_decode_to_their_claims() {
        let tokens: Vec<&str> = SEEDS.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(tokens.len(), 3);
        let mut seen = Vec::new();
        for t in tokens {
            let (h, c) = parse(t).unwrap();
            assert_eq!(h.alg.as_str(), Some("RS256"));
            let rules = Rules { issuer: &Issuer::AnyUrl, clock_tolerance_ms: 0.0, tenant: c.ten.as_str() };
            let at = c.iat.as_f64().unwrap() * 1000.0;
            let checked = check(&h, &c, &rules, at).unwrap();
            seen.push((checked.exp_s, checked.iat_s.unwrap(), c.iss.as_str().unwrap().to_string()));
            // Long expired now.
            assert!(check(&h, &c, &rules, 1.7e12).unwrap_err().message.contains("`exp` has passed"));
        }
        assert!(seen.contains(&(
            1542866463.0,
            1542864663.0,
            "https://core.piam.eu1-int.mindsphere.io/oauth/token".into()
        )));
        assert!(seen.contains(&(
            1559054384.0,
            1559052584.0,
            "https://dbde1.piam.eu1-b.mindsphere.io/oauth/token".into()
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
            format!("{good_h}.{good_c}.sig!"),
            format!("{good_h}.***.sig"),
            format!("{}.{good_c}.sig", b64("[1]")),
            format!("{}.{good_c}.sig", b64("not json")),
            format!("{good_h}.{}.sig", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
            format!("{good_h}.{}.sig", "A".repeat(MAX_JWT_LEN)),
        ] {
            let e = parse(&bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidToken, "{bad}");
        }
        // An empty signature decodes (`alg: none` tokens are refused by `check`, by name).
        assert!(parse(&format!("{}.{good_c}.", b64(r#"{"alg":"none"}"#))).is_ok());
        // Padded segments are tolerated; the signing input is the text as sent.
        let padded = format!("{}=.{good_c}.sig", b64(r#"{"alg":"RS256"} "#));
        let p = split(&padded).unwrap();
        assert_eq!(p.signing_input, padded.rsplit_once('.').unwrap().0);
    }

    #[test]
    fn checks_alg_typ_exp_iat_iss_ten() {
        let now = 15_000.0;
        let piam = Issuer::Piam { rest: "eu1.mindsphere.io".into() };
        let rules = Rules { issuer: &piam, clock_tolerance_ms: 300_000.0, tenant: Some("t1") };
        let run = |h: &str, c: &str| {
            let (h, c) = parse(&make(h, c)).unwrap();
            check(&h, &c, &rules, now)
        };
        let rs = r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#;
        let iss = "https://t1.piam.eu1.mindsphere.io/oauth/token";
        let ok = run(rs, &format!(r#"{{"exp":20,"iat":10,"iss":"{iss}","ten":"t1"}}"#)).unwrap();
        assert_eq!(ok, Checked { exp_s: 20.0, iat_s: Some(10.0), kid: Some("k1".into()) });
        assert!(run(r#"{"alg":"RS256"}"#, &format!(r#"{{"exp":20,"iss":"{iss}"}}"#)).is_ok());
        // iat up to clockTolerance ahead is fine (300 s), further is not.
        assert!(run(rs, &format!(r#"{{"exp":9999,"iat":300,"iss":"{iss}"}}"#)).is_ok());
        for (h, c, want) in [
            (r#"{"typ":"JWT"}"#, format!(r#"{{"exp":20,"iss":"{iss}"}}"#), "`alg` is not RS256"),
            (r#"{"alg":"none"}"#, format!(r#"{{"exp":20,"iss":"{iss}"}}"#), "`alg` is not RS256"),
            (r#"{"alg":"HS256"}"#, format!(r#"{{"exp":20,"iss":"{iss}"}}"#), "`alg` is not RS256"),
            (r#"{"alg":"RS256","typ":"JWE"}"#, format!(r#"{{"exp":20,"iss":"{iss}"}}"#), "`typ` is not JWT"),
            (rs, format!(r#"{{"iat":10,"iss":"{iss}"}}"#), "`exp` is missing"),
            (rs, format!(r#"{{"exp":"20","iss":"{iss}"}}"#), "`exp` is not a number"),
            (rs, format!(r#"{{"exp":15,"iss":"{iss}"}}"#), "`exp` has passed"),
            (rs, format!(r#"{{"exp":20,"iat":30,"iss":"{iss}"}}"#), "`iat` is after `exp`"),
            (rs, format!(r#"{{"exp":9999,"iat":316,"iss":"{iss}"}}"#), "`iat` lies in the future"),
            (rs, r#"{"exp":20}"#.into(), "`iss` is missing"),
            (rs, r#"{"exp":20,"iss":"https://evil.example/oauth/token"}"#.into(), "`iss` is not an accepted"),
            (rs, r#"{"exp":20,"iss":"https://a.b.piam.eu1.mindsphere.io/oauth/token"}"#.into(), "`iss`"),
            (rs, r#"{"exp":20,"iss":"https://t1.piam.eu2.mindsphere.io/oauth/token"}"#.into(), "`iss`"),
            (rs, format!(r#"{{"exp":20,"iss":"{iss}","ten":7}}"#), "`ten` is not a string"),
            (rs, format!(r#"{{"exp":20,"iss":"{iss}","ten":"t2"}}"#), "another tenant"),
        ] {
            let e = run(h, &c).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidToken);
            assert!(e.message.contains(want), "{} !~ {want}", e.message);
        }
    }

    #[test]
    fn issuer_rules() {
        let (h, c) =
            parse(&make(r#"{"alg":"RS256"}"#, r#"{"exp":20,"iss":"http://127.0.0.1:9/oauth/token"}"#)).unwrap();
        let listed = Issuer::Listed(vec!["https://a".into(), "http://127.0.0.1:9/oauth/token".into()]);
        for (issuer, ok) in [(Issuer::AnyUrl, true), (listed, true), (Issuer::Listed(vec!["https://a".into()]), false)]
        {
            let rules = Rules { issuer: &issuer, clock_tolerance_ms: 0.0, tenant: None };
            assert_eq!(check(&h, &c, &rules, 0.0).is_ok(), ok, "{issuer:?}");
        }
    }
}
