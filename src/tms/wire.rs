//! The shapes that cross the wire, one serde definition each: the option schema, the three
//! TMS response bodies, the tenant OAuth response, and a JWT's header and claims.
//!
//! The JS engine parses JSON; the shell takes the result into these types with
//! serde-wasm-bindgen, native tests with serde_json. Every field is a `Loose`: it takes
//! any JSON value and keeps what it was, so the rules (in `config.rs`, `response.rs`,
//! `jwt.rs`) can name the field that is wrong in their own words. A serde type error would
//! otherwise end the whole shape, and its message quotes the value (a secret, a token).

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// One JSON value as far as the rules need it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Loose {
    /// The field is not there (or `undefined` in JS).
    #[default]
    Missing,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// An array: its string items, and whether it held anything else.
    List(Vec<String>, bool),
    /// An object, or a JS function.
    Object,
}

impl Loose {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Loose::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// Absent in the JSON sense: missing or `null`.
    pub fn is_absent(&self) -> bool {
        matches!(self, Loose::Missing | Loose::Null)
    }

    /// What it is, for messages (never the value itself).
    pub fn kind(&self) -> &'static str {
        match self {
            Loose::Missing => "missing",
            Loose::Null => "null",
            Loose::Bool(_) => "a boolean",
            Loose::Num(_) => "a number",
            Loose::Str(_) => "a string",
            Loose::List(..) => "an array",
            Loose::Object => "an object",
        }
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Loose, E> {
        Ok(Loose::Object)
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let (mut items, mut other) = (Vec::new(), false);
        while let Some(item) = seq.next_element::<Loose>()? {
            match item {
                Loose::Str(s) => items.push(s),
                _ => other = true,
            }
        }
        Ok(Loose::List(items, other))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

/// A `Loose` is a serde data source too: the shell turns each own property of a JS options
/// object into one, and the `Options` schema takes them through serde like any JSON.
pub struct LooseDeserializer<E>(Loose, core::marker::PhantomData<E>);

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Loose {
    type Deserializer = LooseDeserializer<E>;
    fn into_deserializer(self) -> Self::Deserializer {
        LooseDeserializer(self, core::marker::PhantomData)
    }
}

impl<'de, E: de::Error> Deserializer<'de> for LooseDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.0 {
            Loose::Missing | Loose::Null => v.visit_unit(),
            Loose::Bool(b) => v.visit_bool(b),
            Loose::Num(n) => v.visit_f64(n),
            Loose::Str(s) => v.visit_string(s),
            Loose::List(items, other) => {
                let mut all: Vec<Loose> = items.into_iter().map(Loose::Str).collect();
                if other {
                    all.push(Loose::Object);
                }
                v.visit_seq(SeqDeserializer::new(all.into_iter()))
            }
            Loose::Object => v.visit_map(MapDeserializer::new(core::iter::empty::<(Loose, Loose)>())),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The options of `new TokenManager(options)`: every name the API knows, and only those
/// (an unknown name is a `TMS_CONFIG` error naming the closest known one; see
/// `config::unknown_option`). `pkg-template/index.d.ts` lists the same names (a test checks).
/// `fetch`, `onEvent` and `store` are JS objects the shell takes itself; they are listed so
/// that the schema is complete.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Options {
    pub gateway: Loose,
    pub region: Loose,
    pub domain: Loose,
    pub client_id: Loose,
    pub client_secret: Loose,
    pub app_name: Loose,
    pub app_version: Loose,
    pub host_tenant: Loose,
    pub user_tenant: Loose,
    pub tenant: Loose,
    pub sub_tenant: Loose,
    pub auth_url: Loose,
    pub refresh_before_expiry: Loose,
    pub batch_size: Loose,
    pub page_size: Loose,
    pub timeout: Loose,
    pub retries: Loose,
    pub max_entries: Loose,
    pub issuer: Loose,
    pub verify: Loose,
    pub keys_url: Loose,
    pub clock_tolerance: Loose,
    pub store_timeout: Loose,
    pub fetch: Loose,
    pub on_event: Loose,
    pub store: Loose,
}

impl Options {
    /// Options from (name, value) pairs, e.g. the own properties of a JS object. An unknown
    /// name is serde's `unknown_field` error, which carries it and the known names.
    pub fn from_pairs(pairs: Vec<(String, Loose)>) -> Result<Options, SchemaError> {
        Options::deserialize(MapDeserializer::<_, SchemaError>::new(pairs.into_iter()))
    }
}

/// A serde error of the option schema, without text: serde's messages quote values (an
/// option may hold the secret), and formatting them would cost `.wasm` bytes for nothing.
#[derive(Debug, PartialEq)]
pub struct SchemaError {
    /// An unknown option name, and the names serde knows.
    pub unknown: Option<(String, &'static [&'static str])>,
}

impl core::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("malformed options")
    }
}

impl std::error::Error for SchemaError {}

impl de::Error for SchemaError {
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        SchemaError { unknown: None }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        SchemaError { unknown: Some((field.to_string(), expected)) }
    }

    // The defaults of these format a message (floats, escaped strings) that nobody reads.
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        SchemaError { unknown: None }
    }
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        SchemaError { unknown: None }
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        SchemaError { unknown: None }
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        SchemaError { unknown: None }
    }
    fn missing_field(_: &'static str) -> Self {
        SchemaError { unknown: None }
    }
    fn duplicate_field(_: &'static str) -> Self {
        SchemaError { unknown: None }
    }
}

/// A token response: the body of `/oauth/token` (TMS and tenant OAuth alike), and the
/// `token` of each `/oauthTokens` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenBody {
    pub access_token: Loose,
    pub token_type: Loose,
    pub expires_in: Loose,
    pub scope: Loose,
}

/// One entry of `/oauthTokens`. The shell takes entries one at a time, so one malformed
/// entry fails its tenant, not the batch.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BatchEntry {
    pub user_tenant_id: Loose,
    pub token: Option<TokenBody>,
}

/// `/userTenants`: the page object and the ids.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PageBody {
    pub page: Option<PageInfo>,
    pub user_tenants: Option<Vec<TenantRef>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PageInfo {
    pub total_pages: Loose,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TenantRef {
    pub id: Loose,
}

/// An error body, for its machine-readable code: `{"error": ...}` (OAuth) or
/// `{"errors": [{"code": ...}]}` (other Insights Hub services).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub error: Loose,
    pub errors: Option<Vec<ErrorItem>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorItem {
    pub code: Loose,
}

/// `GET {keysUrl}`: `{"keys": [...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct JwkSet {
    pub keys: Option<Vec<Jwk>>,
}

/// One key of a JWKS (the RSA members; `value`, the PEM form, is not needed).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Jwk {
    pub kid: Loose,
    pub kty: Loose,
    pub alg: Loose,
    #[serde(rename = "use")]
    pub r#use: Loose,
    pub n: Loose,
    pub e: Loose,
}

/// A JWT's header.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Header {
    pub alg: Loose,
    pub typ: Loose,
    pub kid: Loose,
}

/// The claims a client checks.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Claims {
    pub exp: Loose,
    pub iat: Loose,
    pub iss: Loose,
    pub ten: Loose,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option names the TypeScript types declare, and only those: the same as the schema.
    #[test]
    fn the_typescript_types_list_exactly_the_schema_options() {
        let dts = include_str!("../../pkg-template/index.d.ts");
        let mut declared: Vec<&str> = Vec::new();
        for block in ["CommonOptions", "AppCredentialOptions", "TenantCredentialOptions"] {
            let start = dts.find(&format!("export interface {block} ")).unwrap();
            let body = &dts[start..];
            let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
            for line in body.lines().map(str::trim) {
                let Some((name, ty)) = line.split_once(':') else { continue };
                let name = name.trim_end_matches('?');
                if name.chars().all(|c| c.is_ascii_alphanumeric()) && !ty.contains("never") && !declared.contains(&name)
                {
                    declared.push(name);
                }
            }
        }
        let known = Options::from_pairs(vec![("?".into(), Loose::Null)]).unwrap_err().unknown.unwrap().1;
        let (mut a, mut b) = (declared.clone(), known.to_vec());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "index.d.ts vs the Options schema");
    }

    #[test]
    fn loose_keeps_the_kind_of_every_value() {
        let v: Vec<Loose> =
            serde_json::from_str(r#"[null, true, 1, -2, 2.5, "s", ["a", 1, "b"], {"k": [1]}]"#).unwrap();
        assert_eq!(
            v,
            [
                Loose::Null,
                Loose::Bool(true),
                Loose::Num(1.0),
                Loose::Num(-2.0),
                Loose::Num(2.5),
                Loose::Str("s".into()),
                Loose::List(vec!["a".into(), "b".into()], true),
                Loose::Object,
            ]
        );
        let t: TokenBody = serde_json::from_str(r#"{"access_token": 7, "extra": {"x": 1}}"#).unwrap();
        assert_eq!((t.access_token, t.expires_in), (Loose::Num(7.0), Loose::Missing));
    }

    #[test]
    fn options_refuse_unknown_names() {
        let e = serde_json::from_str::<Options>(r#"{"clientId": "a", "refreshBeforExpiry": 1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `refreshBeforExpiry`"), "{e}");
        let o: Options = serde_json::from_str(r#"{"clientId": "a", "batchSize": 3}"#).unwrap();
        assert_eq!((o.client_id.as_str(), o.batch_size.as_f64()), (Some("a"), Some(3.0)));
        // The shell's path: (name, Loose) pairs through the same schema.
        let pairs = vec![
            ("clientId".to_string(), Loose::Str("a".into())),
            ("fetch".to_string(), Loose::Object),
            ("issuer".to_string(), Loose::List(vec!["https://x".into()], true)),
            ("verify".to_string(), Loose::Bool(true)),
            ("userTenant".to_string(), Loose::Missing),
        ];
        let o = Options::from_pairs(pairs).unwrap();
        assert_eq!(o.client_id, Loose::Str("a".into()));
        assert_eq!((o.fetch, o.verify), (Loose::Object, Loose::Bool(true)));
        assert_eq!(o.issuer, Loose::List(vec!["https://x".into()], true));
        assert!(o.user_tenant.is_absent());
        let e = Options::from_pairs(vec![("clientSecrect".into(), Loose::Str("x".into()))]).unwrap_err();
        let (name, known) = e.unknown.unwrap();
        assert_eq!(name, "clientSecrect");
        assert!(known.contains(&"clientSecret") && known.len() == 26, "{known:?}");
    }
}
