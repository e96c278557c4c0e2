//! RS256 signatures, checked with WebCrypto (`crypto.subtle`, in every supported runtime:
//! no RSA code in the `.wasm`), with the keys the engine picks (`tms::keys`). The key set
//! is fetched in a flight of its own, so concurrent callers share one request.

use super::convert::set;
use super::inner::{now, Inner};
use super::js::Signal;
use super::reply;
use super::single::Followed;
use crate::tms::engine::{Begin, KEYS_FLIGHT};
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::flights::FlightId;
use crate::tms::jwt;
use crate::tms::keys::{bad_signature, unknown_key, KeyStep, RsaKey};
use crate::tms::request::keys_request;
use crate::tms::response::Grant;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A key set is fetched at most this often for one token (a stale set, then an unknown `kid`).
const MAX_STEPS: usize = 3;

fn no_crypto() -> TmsError {
    TmsError::new(ErrorCode::InvalidToken, "token check failed: WebCrypto (crypto.subtle) is not available")
}

/// Whether `signature` over `data` verifies with `key` (a key WebCrypto refuses verifies nothing).
async fn rs256(key: &RsaKey, data: &[u8], signature: &[u8]) -> Result<bool, TmsError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| no_crypto())?;
    if !crypto.is_object() {
        return Err(no_crypto());
    }
    let subtle = crypto.unchecked_into::<web_sys::Crypto>().subtle();
    let jwk = Object::new();
    for (k, v) in [("kty", "RSA"), ("n", key.n.as_str()), ("e", key.e.as_str()), ("alg", "RS256")] {
        set(&jwk, k, &v.into());
    }
    let alg = Object::new();
    set(&alg, "name", &"RSASSA-PKCS1-v1_5".into());
    set(&alg, "hash", &"SHA-256".into());
    let usages = Array::of1(&"verify".into());
    let Ok(import) = subtle.import_key_with_object("jwk", &jwk, &alg, false, &usages) else { return Ok(false) };
    let Ok(crypto_key) = JsFuture::from(import).await else { return Ok(false) };
    let Ok(check) =
        subtle.verify_with_object_and_u8_array_and_u8_array(&alg, crypto_key.unchecked_ref(), signature, data)
    else {
        return Ok(false);
    };
    Ok(JsFuture::from(check).await.is_ok_and(|v| v.is_truthy()))
}

impl Inner {
    /// With `verify: true`, a token obtained for `flights` is kept only if its signature
    /// verifies (once per token, never on a hit). The flights stay led meanwhile.
    pub async fn verified(
        &self,
        grant: Grant,
        flights: &[(String, FlightId)],
        signal: Option<&Signal>,
    ) -> Result<Grant, TmsError> {
        if !self.config().verify {
            return Ok(grant);
        }
        self.engine().renew(flights, now());
        self.check_signature(grant.access_token.expose(), grant.kid.as_deref(), signal).await.map(|()| grant)
    }

    /// Checks the RS256 signature of `token` (its other checks passed) against the keys.
    pub async fn check_signature(
        &self,
        token: &str,
        kid: Option<&str>,
        signal: Option<&Signal>,
    ) -> Result<(), TmsError> {
        let parts = jwt::split(token)?;
        let signature = parts.signature()?;
        for _ in 0..MAX_STEPS {
            let step = self.engine().keys.step(kid, now());
            match step {
                KeyStep::Verify(keys) => {
                    for key in &keys {
                        if rs256(key, parts.signing_input.as_bytes(), &signature).await? {
                            return Ok(());
                        }
                    }
                    return Err(bad_signature());
                }
                KeyStep::Unknown => return Err(unknown_key()),
                KeyStep::Fetch => self.fetch_keys(signal).await?,
            }
        }
        Err(unknown_key())
    }

    /// Fetches the key set, or waits for the fetch another call leads.
    async fn fetch_keys(&self, signal: Option<&Signal>) -> Result<(), TmsError> {
        let begin = self.engine().keys_begin(now());
        let flight = match begin {
            Begin::Lead { flight, .. } => flight,
            Begin::Follow { flight } => match self.follow(KEYS_FLIGHT, flight, signal).await {
                Followed::Done(Err(e)) => return Err(e),
                Followed::Done(Ok(_)) | Followed::Again => return Ok(()),
                Followed::Lead(flight) => flight,
            },
            Begin::Hit(_) => return Ok(()),
        };
        let req = keys_request(&self.config());
        let result = match self.send(&req, &[(KEYS_FLIGHT.to_string(), flight)], signal).await {
            Ok(r) => reply::keys(&r),
            Err(e) => Err(e),
        };
        let waiters = self.engine().keys_landed(flight, result.as_deref().ok(), now());
        for w in waiters {
            w.tell(result.as_ref().err().map(|e| Err(e.clone())));
        }
        result.map(|_| ())
    }

    /// `verify()`: the checks of an obtained token (but `ten`), then the signature; the
    /// claims as the JS engine parses them.
    pub async fn verify(&self, token: JsValue, signal: Option<&Signal>) -> Result<JsValue, TmsError> {
        let text = token.as_string().ok_or_else(|| jwt::invalid("verify expects a string"))?;
        let (header, claims) = reply::jwt_parts(&text)?;
        let checked = {
            let config = self.config();
            let rules =
                jwt::Rules { issuer: &config.issuer, clock_tolerance_ms: config.clock_tolerance_ms, tenant: None };
            jwt::check(&header, &claims, &rules, now())?
        };
        self.check_signature(&text, checked.kid.as_deref(), signal).await?;
        let parts = jwt::split(&text)?;
        js_sys::JSON::parse(&parts.claims_json).map_err(|_| jwt::invalid("payload is not JSON"))
    }
}
