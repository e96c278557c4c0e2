//! Signing keys for `verify`: which key checks a token, and when the key set is fetched.
//! Keys come from `keysUrl` only (never from a URL a token names), are kept for an hour,
//! and a token whose `kid` is unknown causes one refetch at most every 60 s (key rotation
//! is picked up; a flood of forged `kid`s is not a flood of requests). Every key is
//! considered: the vendor's SDK compared the first key only.

use super::error::{ErrorCode, TmsError};
use super::wire::{Jwk, Loose};

/// How long a fetched key set is used.
pub const KEYS_TTL_MS: f64 = 3_600_000.0;
/// Least time between two fetches caused by an unknown `kid`.
pub const REFETCH_MS: f64 = 60_000.0;

/// An RSA public key as WebCrypto imports it (`importKey("jwk", ...)`).
#[derive(Clone, Debug, PartialEq)]
pub struct RsaKey {
    pub kid: Option<String>,
    pub n: String,
    pub e: String,
}

/// What to do to check a token signed with key `kid`.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyStep {
    /// Verify with these keys (the one matching `kid`, or every key when the token has none).
    Verify(Vec<RsaKey>),
    /// Fetch the key set first (then ask again).
    Fetch,
    /// No such key, and a refetch was made too recently.
    Unknown,
}

#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<RsaKey>,
    fetched_at_ms: Option<f64>,
    /// When an unknown `kid` last caused a fetch.
    refetched_at_ms: Option<f64>,
}

pub fn unknown_key() -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, "token check failed: the signing key (`kid`) is not among the keys")
}

pub fn bad_signature() -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, "token check failed: the RS256 signature does not verify")
}

impl KeySet {
    pub fn step(&mut self, kid: Option<&str>, now_ms: f64) -> KeyStep {
        let fresh = self.fetched_at_ms.is_some_and(|t| now_ms >= t && now_ms - t < KEYS_TTL_MS);
        if !fresh {
            return KeyStep::Fetch;
        }
        let matching: Vec<RsaKey> = match kid {
            Some(k) => self.keys.iter().filter(|key| key.kid.as_deref() == Some(k)).cloned().collect(),
            None => self.keys.clone(),
        };
        if !matching.is_empty() {
            return KeyStep::Verify(matching);
        }
        match self.refetched_at_ms {
            Some(t) if now_ms >= t && now_ms - t < REFETCH_MS => KeyStep::Unknown,
            _ => {
                self.refetched_at_ms = Some(now_ms);
                KeyStep::Fetch
            }
        }
    }

    /// A key set arrived: the RSA signing keys in it (others are ignored).
    pub fn stored(&mut self, jwks: &[Jwk], now_ms: f64) {
        self.keys = jwks
            .iter()
            .filter(|k| k.kty.as_str() == Some("RSA"))
            .filter(|k| matches!(&k.alg, a if a.is_absent()) || k.alg.as_str() == Some("RS256"))
            .filter(|k| matches!(&k.r#use, u if u.is_absent()) || k.r#use.as_str() == Some("sig"))
            .filter_map(|k| match (&k.n, &k.e) {
                (Loose::Str(n), Loose::Str(e)) if !n.is_empty() && !e.is_empty() => {
                    Some(RsaKey { kid: k.kid.as_str().map(str::to_string), n: n.clone(), e: e.clone() })
                }
                _ => None,
            })
            .collect();
        self.fetched_at_ms = Some(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwks(json: &str) -> Vec<Jwk> {
        let v: crate::tms::wire::JwkSet = serde_json::from_str(json).unwrap();
        v.keys.unwrap_or_default()
    }

    const SET: &str = r#"{"keys":[
        {"kid":"old","kty":"RSA","alg":"RS256","use":"sig","n":"bm9sZA","e":"AQAB"},
        {"kid":"enc","kty":"RSA","use":"enc","n":"eA","e":"AQAB"},
        {"kid":"ec","kty":"EC","crv":"P-256","x":"a","y":"b"},
        {"kid":"new","kty":"RSA","n":"bmV3","e":"AQAB","value":"-----BEGIN PUBLIC KEY-----"}]}"#;

    #[test]
    fn every_rsa_signing_key_is_considered_by_kid() {
        let mut k = KeySet::default();
        assert_eq!(k.step(Some("new"), 0.0), KeyStep::Fetch);
        k.stored(&jwks(SET), 0.0);
        let KeyStep::Verify(keys) = k.step(Some("new"), 1.0) else { panic!() };
        assert_eq!(keys, [RsaKey { kid: Some("new".into()), n: "bmV3".into(), e: "AQAB".into() }], "not the first key");
        let KeyStep::Verify(all) = k.step(None, 1.0) else { panic!() };
        assert_eq!(all.len(), 2, "no kid: every RSA signing key (not enc, not EC)");
        assert_eq!(k.step(Some("enc"), 2.0), KeyStep::Fetch, "an encryption key never verifies");
    }

    #[test]
    fn keys_are_kept_an_hour_and_an_unknown_kid_refetches_once_a_minute() {
        let mut k = KeySet::default();
        k.stored(&jwks(SET), 0.0);
        assert_eq!(k.step(Some("rotated"), 1_000.0), KeyStep::Fetch, "one refetch for an unknown kid");
        k.stored(&jwks(SET), 1_500.0);
        assert_eq!(k.step(Some("rotated"), 2_000.0), KeyStep::Unknown, "not again within 60 s");
        assert_eq!(k.step(Some("forged"), 50_000.0), KeyStep::Unknown);
        assert_eq!(k.step(Some("rotated"), 61_000.0), KeyStep::Fetch, "after 60 s, once more");
        k.stored(&jwks(SET), 61_500.0);
        assert!(matches!(k.step(Some("old"), 61_500.0 + KEYS_TTL_MS - 1.0), KeyStep::Verify(_)));
        assert_eq!(k.step(Some("old"), 61_500.0 + KEYS_TTL_MS), KeyStep::Fetch, "an hour later, fetched again");
        assert_eq!(k.step(Some("old"), 0.0), KeyStep::Fetch, "clock turned back: fetched again");
    }
}
