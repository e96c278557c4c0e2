//! Options as the user gave them (`wire::Options`, one serde definition), validated into a
//! `Config`. Every rule lives here and is tested natively. A bad option fails at
//! construction with `TMS_CONFIG`, naming it (and, from `fromEnv`, the variable it came from).

use super::error::{Result, TmsError};
use super::secret::Secret;
use super::wire::{Loose, Options};
use base64::Engine as _;

/// The path every TMS endpoint hangs off, appended to the gateway.
pub const API_PATH: &str = "/api/technicaltokenmanager/v3";
pub const DEFAULT_DOMAIN: &str = "mindsphere.io";

/// Which credentials the manager holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Credentials {
    /// Application credentials: tokens for any user tenant from the TMS.
    App { app_name: String, app_version: String },
    /// Tenant service credentials: one token, from the tenant's OAuth server (seed 004).
    Tenant { sub_tenant: Option<String>, auth_url: String },
}

/// Which `iss` values a token may carry.
#[derive(Clone, Debug, PartialEq)]
pub enum Issuer {
    /// The `issuer` option.
    Listed(Vec<String>),
    /// A `gateway.` host: `https://{one label}.piam.{rest}/oauth/token`.
    Piam { rest: String },
    /// Any other gateway (a local emulator): an http(s) URL.
    AnyUrl,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `scheme://host[:port][/prefix]`, no trailing slash.
    pub gateway: String,
    /// `gateway` + `API_PATH`.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `Basic base64(client_id:client_secret)`.
    pub auth_key: Secret,
    pub credentials: Credentials,
    /// The operator tenant (application credentials) or the credentials' tenant.
    pub host_tenant: String,
    /// The tenant of `token()` with no argument.
    pub user_tenant: String,
    pub refresh_before_expiry_ms: f64,
    pub batch_size: usize,
    pub page_size: usize,
    pub timeout_ms: f64,
    pub retries: u32,
    pub max_entries: usize,
    pub issuer: Issuer,
    pub verify: bool,
    pub keys_url: String,
    pub clock_tolerance_ms: f64,
    pub store_timeout_ms: f64,
}

impl Config {
    pub fn new(o: &Options) -> Result<Config> {
        let gateway = match (&o.gateway, &o.region) {
            (g, r) if g.is_absent() && r.is_absent() => {
                return Err(TmsError::config("gateway", "is required (or give `region`)"));
            }
            (g, region) if g.is_absent() => {
                let region = dns_name("region", region)?;
                let domain =
                    if o.domain.is_absent() { DEFAULT_DOMAIN.to_string() } else { dns_name("domain", &o.domain)? };
                format!("https://gateway.{region}.{domain}")
            }
            (gateway, _) => normalize_url("gateway", &text("gateway", gateway)?)?,
        };
        let client_id = text("clientId", &o.client_id)?;
        if client_id.contains(':') {
            // Basic credentials split at the first colon: the server would read another id.
            return Err(TmsError::config("clientId", "must not contain ':'"));
        }
        let client_secret = Secret::new(text("clientSecret", &o.client_secret)?);
        let (credentials, host_tenant, user_tenant) = if o.tenant.is_absent() {
            for (name, v) in [("subTenant", &o.sub_tenant), ("authUrl", &o.auth_url)] {
                if !v.is_absent() {
                    return Err(TmsError::config(name, "belongs to tenant credentials: give `tenant` too"));
                }
            }
            let host = tenant("hostTenant", &o.host_tenant)?;
            let user = if o.user_tenant.is_absent() { host.clone() } else { tenant("userTenant", &o.user_tenant)? };
            let app = Credentials::App {
                app_name: text("appName", &o.app_name)?,
                app_version: text("appVersion", &o.app_version)?,
            };
            (app, host, user)
        } else {
            for (name, v) in [("appName", &o.app_name), ("appVersion", &o.app_version), ("hostTenant", &o.host_tenant)]
            {
                if !v.is_absent() {
                    return Err(TmsError::config(
                        name,
                        "belongs to application credentials: give either `tenant` or `appName`/`appVersion`/`hostTenant`",
                    ));
                }
            }
            let t = tenant("tenant", &o.tenant)?;
            let sub = if o.sub_tenant.is_absent() { None } else { Some(tenant("subTenant", &o.sub_tenant)?) };
            let own = sub.clone().unwrap_or_else(|| t.clone());
            if !o.user_tenant.is_absent() && tenant("userTenant", &o.user_tenant)? != own {
                return Err(TmsError::config("userTenant", "must be `subTenant` or `tenant` with tenant credentials"));
            }
            let auth_url = if o.auth_url.is_absent() {
                auth_url_of(&gateway, &t)
            } else {
                normalize_url("authUrl", &text("authUrl", &o.auth_url)?)?
            };
            (Credentials::Tenant { sub_tenant: sub, auth_url }, t, own)
        };
        let issuer = issuer_rule(&o.issuer, &gateway)?;
        let keys_url = if o.keys_url.is_absent() {
            format!("{}/token_keys", auth_url_of(&gateway, &host_tenant))
        } else {
            normalize_url("keysUrl", &text("keysUrl", &o.keys_url)?)?
        };
        Ok(Config {
            base_url: format!("{gateway}{API_PATH}"),
            auth_key: auth_key(&client_id, &client_secret),
            gateway,
            client_id,
            client_secret,
            credentials,
            host_tenant,
            user_tenant,
            refresh_before_expiry_ms: number("refreshBeforeExpiry", &o.refresh_before_expiry, 300.0, 0.0, 86_400.0)?
                * 1000.0,
            batch_size: integer("batchSize", &o.batch_size, 5, 1, 100)?,
            page_size: integer("pageSize", &o.page_size, 100, 1, 1000)?,
            timeout_ms: number("timeout", &o.timeout, 10_000.0, 1.0, 600_000.0)?,
            retries: integer("retries", &o.retries, 2, 0, 10)? as u32,
            max_entries: integer("maxEntries", &o.max_entries, 10_000, 1, 10_000_000)?,
            issuer,
            verify: boolean("verify", &o.verify, false)?,
            keys_url,
            clock_tolerance_ms: number("clockTolerance", &o.clock_tolerance, 300.0, 0.0, 86_400.0)? * 1000.0,
            store_timeout_ms: number("storeTimeout", &o.store_timeout, 1_000.0, 1.0, 60_000.0)?,
        })
    }

    /// Whether this manager holds application credentials (the TMS), which `tokens()`,
    /// `userTenants()` and `allTokens()` need.
    pub fn is_app(&self) -> bool {
        matches!(self.credentials, Credentials::App { .. })
    }

    /// A tenant argument, validated; tenant credentials serve only their own tenant.
    pub fn user_tenant_arg(&self, name: &str, raw: &Loose) -> Result<String> {
        let t = tenant(name, raw)?;
        if !self.is_app() && t != self.user_tenant {
            return Err(TmsError::config(
                name,
                &format!("must be `{}`: tenant credentials have a token for their own tenant only", self.user_tenant),
            ));
        }
        Ok(t)
    }

    /// `TMS_CONFIG` for the methods that need application credentials.
    pub fn require_app(&self, method: &str) -> Result<()> {
        if self.is_app() {
            Ok(())
        } else {
            Err(TmsError::new(
                super::error::ErrorCode::Config,
                format!("{method}() needs application credentials (appName, appVersion, hostTenant)"),
            ))
        }
    }
}

/// The tenant's OAuth server: the gateway with its first label `gateway` replaced by
/// `{tenant}.piam`; any other gateway (a local emulator) as it is.
pub fn auth_url_of(gateway: &str, tenant: &str) -> String {
    match gateway.split_once("://") {
        Some((scheme, rest)) if rest.starts_with("gateway.") => {
            format!("{scheme}://{tenant}.piam.{}", rest.get("gateway.".len()..).unwrap_or(""))
        }
        _ => gateway.to_string(),
    }
}

fn issuer_rule(raw: &Loose, gateway: &str) -> Result<Issuer> {
    let check = |s: &str| -> Result<String> {
        if s.starts_with("https://") || s.starts_with("http://") {
            Ok(s.to_string())
        } else {
            Err(TmsError::config("issuer", "must be http(s) URLs"))
        }
    };
    match raw {
        r if r.is_absent() => {}
        Loose::Str(s) => return Ok(Issuer::Listed(vec![check(s)?])),
        Loose::List(items, false) if !items.is_empty() => {
            return Ok(Issuer::Listed(items.iter().map(|s| check(s)).collect::<Result<_>>()?));
        }
        _ => return Err(TmsError::config("issuer", "must be a string or a non-empty array of strings")),
    }
    let host = gateway.split_once("://").map_or("", |(_, r)| r);
    let host = host.split(['/', ':']).next().unwrap_or("");
    Ok(match host.strip_prefix("gateway.") {
        Some(rest) if !rest.is_empty() => Issuer::Piam { rest: rest.to_string() },
        _ => Issuer::AnyUrl,
    })
}

/// `Basic base64(client_id:client_secret)`: the TMS's `X-SPACE-AUTH-KEY` and the tenant
/// OAuth server's `Authorization` value alike.
pub fn auth_key(client_id: &str, client_secret: &Secret) -> Secret {
    let pair = format!("{client_id}:{}", client_secret.expose());
    let mut out = String::from("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(pair.as_bytes(), &mut out);
    Secret::new(out)
}

fn text(name: &str, raw: &Loose) -> Result<String> {
    match raw {
        Loose::Str(s) if s.trim().is_empty() => Err(TmsError::config(name, "must not be empty")),
        Loose::Str(s) if s.chars().any(char::is_control) => {
            Err(TmsError::config(name, "must not contain control characters"))
        }
        // U+FFFD is what a lone surrogate becomes on its way into wasm: two different JS
        // strings would read the same here. Refused, so they never share a cache entry.
        Loose::Str(s) if s.contains('\u{FFFD}') => {
            Err(TmsError::config(name, "must be a well-formed string (no lone surrogates or U+FFFD)"))
        }
        Loose::Str(s) => Ok(s.clone()),
        r if r.is_absent() => Err(TmsError::config(name, "is required")),
        other => Err(TmsError::config(name, &format!("must be a string, got {}", other.kind()))),
    }
}

/// Tenant ids travel in JSON bodies (escaped there); any printable text is allowed.
pub fn tenant(name: &str, raw: &Loose) -> Result<String> {
    let t = text(name, raw)?;
    if t.len() > 256 {
        return Err(TmsError::config(name, "must be at most 256 bytes"));
    }
    Ok(t)
}

fn dns_name(name: &str, raw: &Loose) -> Result<String> {
    let s = text(name, raw)?;
    let ok =
        s.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(TmsError::config(name, "must be a host name part like `eu1` or `mindsphere.io`"))
    }
}

fn number(name: &str, raw: &Loose, default: f64, min: f64, max: f64) -> Result<f64> {
    match raw {
        r if r.is_absent() => Ok(default),
        Loose::Num(n) if n.is_finite() && *n >= min && *n <= max => Ok(*n),
        // Bounds print as integers: float formatting would add kilobytes to the `.wasm`.
        Loose::Num(_) => {
            Err(TmsError::config(name, &format!("must be a number from {} to {}", min as u64, max as u64)))
        }
        other => Err(TmsError::config(name, &format!("must be a number, got {}", other.kind()))),
    }
}

fn integer(name: &str, raw: &Loose, default: usize, min: usize, max: usize) -> Result<usize> {
    match raw {
        r if r.is_absent() => Ok(default),
        Loose::Num(n) if n.fract() == 0.0 && *n >= min as f64 && *n <= max as f64 => Ok(*n as usize),
        Loose::Num(_) => Err(TmsError::config(name, &format!("must be an integer from {min} to {max}"))),
        other => Err(TmsError::config(name, &format!("must be a number, got {}", other.kind()))),
    }
}

fn boolean(name: &str, raw: &Loose, default: bool) -> Result<bool> {
    match raw {
        r if r.is_absent() => Ok(default),
        Loose::Bool(b) => Ok(*b),
        other => Err(TmsError::config(name, &format!("must be a boolean, got {}", other.kind()))),
    }
}

/// Accepts `http(s)://host[:port][/prefix]`, drops trailing slashes and (for the gateway) a
/// pasted API path, refuses anything that could change where requests go (userinfo,
/// query, fragment).
pub fn normalize_url(name: &str, input: &str) -> Result<String> {
    let bad = |why: &str| TmsError::config(name, why);
    let s = input.trim();
    let rest = if let Some(r) = s.strip_prefix("https://") {
        r
    } else if let Some(r) = s.strip_prefix("http://") {
        r
    } else {
        return Err(bad("must start with https:// or http://"));
    };
    let scheme_len = s.len() - rest.len();
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces"));
    }
    if s.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    let host_end = rest.find('/').unwrap_or(rest.len());
    let authority = rest.get(..host_end).unwrap_or("");
    if authority.is_empty() || authority.starts_with(':') {
        return Err(bad("must name a host"));
    }
    if authority.contains('@') {
        return Err(bad("must not carry credentials"));
    }
    if let Some((_, port)) = authority.rsplit_once(':').filter(|_| !authority.ends_with(']')) {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("has an invalid port"));
        }
    }
    let mut out = s.get(..scheme_len).unwrap_or("").to_string();
    out.push_str(authority);
    // Collapse repeated slashes in the prefix so that `https://h//x/` becomes `https://h/x`.
    for segment in rest.get(host_end..).unwrap_or("").split('/').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if name == "gateway" {
        if let Some(stripped) = out.strip_suffix(API_PATH) {
            out.truncate(stripped.len());
        }
    }
    Ok(out)
}

pub fn normalize_gateway(input: &str) -> Result<String> {
    normalize_url("gateway", input)
}

/// The error for options serde could not take: an unknown name (with the closest known
/// one as a hint), or a shape that is not an options object.
pub fn unknown_option(e: &super::wire::SchemaError) -> TmsError {
    let Some((name, known)) = &e.unknown else {
        return TmsError::new(super::error::ErrorCode::Config, "options are malformed");
    };
    let best = known.iter().min_by_key(|k| distance(name, k));
    let hint = match best {
        Some(k) if distance(name, k) <= k.len().max(3) / 2 => format!(" (did you mean `{k}`?)"),
        _ => String::new(),
    };
    TmsError::config(name, &format!("is not an option of TokenManager{hint}"))
}

/// Levenshtein distance, case-insensitive (option names are short).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().map(|c| c.to_ascii_lowercase()).enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let next = (prev + usize::from(ca != *cb)).min(above.saturating_add(1)).min(left.saturating_add(1));
            prev = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = next;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Environment variable → option name, for application credentials (`MDSP_*`, the vendor's
/// names) and tenant service credentials (`MINDSPHERE_*`, seed 004).
pub const APP_ENV: [(&str, &str); 7] = [
    ("MDSP_KEY_STORE_CLIENT_ID", "clientId"),
    ("MDSP_KEY_STORE_CLIENT_SECRET", "clientSecret"),
    ("MDSP_OS_VM_APP_NAME", "appName"),
    ("MDSP_OS_VM_APP_VERSION", "appVersion"),
    ("MDSP_HOST_TENANT", "hostTenant"),
    ("MDSP_USER_TENANT", "userTenant"),
    ("MDSP_GATEWAY_URL", "gateway"),
];
pub const TENANT_ENV: [(&str, &str); 5] = [
    ("MINDSPHERE_CLIENT_ID", "clientId"),
    ("MINDSPHERE_CLIENT_SECRET", "clientSecret"),
    ("MINDSPHERE_TENANT", "tenant"),
    ("MINDSPHERE_SUB_TENANT", "subTenant"),
    ("MDSP_GATEWAY_URL", "gateway"),
];

/// Options read from an environment, each with the variable it came from: `lookup(name)`
/// returns a variable's value. Empty values count as unset (a blank line in a `.env` file
/// should not defeat a default). Application credentials win when both kinds are present.
/// The gateway is `MDSP_GATEWAY_URL`, else built from `MDSP_REGION` (default `eu1`) and
/// `HOST_BASEDOMAIN` (default `mindsphere.io`).
pub fn env_options(lookup: impl Fn(&str) -> Option<String>) -> Vec<(&'static str, String, &'static str)> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let names: &[(&'static str, &'static str)] =
        if get("MDSP_KEY_STORE_CLIENT_ID").is_none() && get("MINDSPHERE_CLIENT_ID").is_some() {
            &TENANT_ENV
        } else {
            &APP_ENV
        };
    let mut out: Vec<_> = names.iter().filter_map(|(env, opt)| get(env).map(|v| (*opt, v, *env))).collect();
    if get("MDSP_GATEWAY_URL").is_none() {
        out.push(("region", get("MDSP_REGION").unwrap_or_else(|| "eu1".into()), "MDSP_REGION"));
        out.push(("domain", get("HOST_BASEDOMAIN").unwrap_or_else(|| DEFAULT_DOMAIN.into()), "HOST_BASEDOMAIN"));
    }
    out
}

/// A `TMS_CONFIG` error of `fromEnv` names the variable behind the option: the one it came
/// from, or (for a missing one) the one to set. `overridden` options came from the caller.
pub fn env_hint(
    e: TmsError,
    read: &[(&'static str, String, &'static str)],
    overridden: impl Fn(&str) -> bool,
) -> TmsError {
    let Some(option) = e.option.clone() else { return e };
    if overridden(&option) {
        return e;
    }
    let tenant_kind = read.iter().any(|(o, _, _)| *o == "tenant");
    let names: &[(&str, &str)] = if tenant_kind { &TENANT_ENV } else { &APP_ENV };
    let from = read.iter().find(|(o, _, _)| *o == option).map(|(_, _, v)| *v);
    let hint = match from {
        Some(var) => format!(" (from the environment variable {var})"),
        None => match names.iter().find(|(_, o)| *o == option) {
            Some((var, _)) => format!(" (set the environment variable {var})"),
            None => return e,
        },
    };
    let mut out = e;
    out.message.push_str(&hint);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tms::error::ErrorCode;

    pub fn s(v: &str) -> Loose {
        Loose::Str(v.into())
    }

    pub fn raw() -> Options {
        Options {
            gateway: s("http://127.0.0.1:8787"),
            client_id: s("operator-kpi-1.0.0"),
            client_secret: s("s3cr3t:with:colons"),
            app_name: s("kpi"),
            app_version: s("1.0.0"),
            host_tenant: s("operator"),
            ..Options::default()
        }
    }

    fn config_error(raw: Options) -> String {
        let e = Config::new(&raw).unwrap_err();
        assert_eq!(e.code, ErrorCode::Config);
        e.message
    }

    #[test]
    fn auth_key_is_basic_base64_of_id_colon_secret() {
        let key = auth_key("diop1-hermione-hermione", &Secret::new("sdjhfasdjhfjasdhfjkasdhfjk"));
        assert_eq!(key.expose(), "Basic ZGlvcDEtaGVybWlvbmUtaGVybWlvbmU6c2RqaGZhc2RqaGZqYXNkaGZqa2FzZGhmams=");
        assert_eq!(format!("{key:?}"), "[redacted]");
    }

    #[test]
    fn defaults() {
        let c = Config::new(&raw()).unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3");
        assert_eq!(c.user_tenant, "operator");
        assert_eq!(c.refresh_before_expiry_ms, 300_000.0);
        assert_eq!((c.batch_size, c.page_size, c.timeout_ms, c.retries), (5, 100, 10_000.0, 2));
        assert_eq!((c.verify, c.clock_tolerance_ms, c.store_timeout_ms), (false, 300_000.0, 1_000.0));
        assert_eq!(c.issuer, Issuer::AnyUrl);
        assert_eq!(c.keys_url, "http://127.0.0.1:8787/token_keys");
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn gateway_forms() {
        for (input, want) in [
            ("https://gateway.eu1.mindsphere.io", "https://gateway.eu1.mindsphere.io"),
            ("https://gateway.eu1.mindsphere.io/", "https://gateway.eu1.mindsphere.io"),
            ("http://127.0.0.1:8080//", "http://127.0.0.1:8080"),
            ("http://localhost:8080/prefix//x/", "http://localhost:8080/prefix/x"),
            ("https://h/api/technicaltokenmanager/v3/", "https://h"),
            ("http://[::1]:9000", "http://[::1]:9000"),
        ] {
            assert_eq!(normalize_gateway(input).unwrap(), want, "{input}");
        }
        for bad in [
            "gateway.eu1.mindsphere.io",
            "ftp://x",
            "https://",
            "http://:80",
            "https://u:p@h",
            "https://h?x=1",
            "https://h#f",
            "https://h:port",
            "https://h:123456",
            "https://h x",
        ] {
            assert!(normalize_gateway(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_and_domain_build_the_gateway_and_derived_urls() {
        let mut r = raw();
        r.gateway = Loose::Missing;
        r.region = s("eu2");
        let c = Config::new(&r).unwrap();
        assert_eq!(c.base_url, "https://gateway.eu2.mindsphere.io/api/technicaltokenmanager/v3");
        assert_eq!(c.issuer, Issuer::Piam { rest: "eu2.mindsphere.io".into() });
        assert_eq!(c.keys_url, "https://operator.piam.eu2.mindsphere.io/token_keys");
        r.region = s("cn1");
        r.domain = s("mindsphere-in.cn");
        assert_eq!(
            Config::new(&r).unwrap().base_url,
            "https://gateway.cn1.mindsphere-in.cn/api/technicaltokenmanager/v3"
        );
        r.domain = s("evil.com/x");
        assert!(config_error(r).contains("`domain`"));
        let mut none = raw();
        none.gateway = Loose::Missing;
        assert!(config_error(none).contains("`gateway` is required"));
    }

    #[test]
    fn tenant_credentials() {
        let mut r = Options {
            gateway: s("https://gateway.eu1.mindsphere.io"),
            client_id: s("id"),
            client_secret: s("secret"),
            tenant: s("t1"),
            ..Options::default()
        };
        let c = Config::new(&r).unwrap();
        assert_eq!(
            c.credentials,
            Credentials::Tenant { sub_tenant: None, auth_url: "https://t1.piam.eu1.mindsphere.io".into() }
        );
        assert_eq!((c.host_tenant.as_str(), c.user_tenant.as_str()), ("t1", "t1"));
        r.sub_tenant = s("sub1");
        let c = Config::new(&r).unwrap();
        assert_eq!((c.host_tenant.as_str(), c.user_tenant.as_str()), ("t1", "sub1"));
        assert!(c.user_tenant_arg("userTenant", &s("sub1")).is_ok());
        assert!(c.user_tenant_arg("userTenant", &s("t2")).is_err());
        assert!(c.require_app("tokens").is_err());
        r.gateway = s("http://127.0.0.1:9");
        assert_eq!(
            Config::new(&r).unwrap().credentials,
            Credentials::Tenant { sub_tenant: Some("sub1".into()), auth_url: "http://127.0.0.1:9".into() }
        );
        r.app_name = s("kpi");
        assert!(config_error(r).contains("`appName` belongs to application credentials"));
        let mut app = raw();
        app.sub_tenant = s("x");
        assert!(config_error(app).contains("`subTenant`"));
    }

    #[test]
    fn issuer_option() {
        let mut r = raw();
        r.issuer = s("https://a/oauth/token");
        assert_eq!(Config::new(&r).unwrap().issuer, Issuer::Listed(vec!["https://a/oauth/token".into()]));
        r.issuer = Loose::List(vec!["https://a".into(), "http://b".into()], false);
        assert!(matches!(Config::new(&r).unwrap().issuer, Issuer::Listed(v) if v.len() == 2));
        for bad in [Loose::List(vec![], false), Loose::List(vec!["https://a".into()], true), s("a"), Loose::Num(1.0)] {
            r.issuer = bad;
            assert!(config_error(r.clone()).contains("`issuer`"));
        }
    }

    #[test]
    fn bad_options_name_the_option() {
        type Case = (fn(&mut Options), &'static str);
        let cases: Vec<Case> = vec![
            (|r| r.client_id = Loose::Missing, "`clientId` is required"),
            (|r| r.client_id = s("a:b"), "`clientId` must not contain ':'"),
            (|r| r.client_secret = s("  "), "`clientSecret` must not be empty"),
            (|r| r.app_name = Loose::Num(1.0), "`appName` must be a string, got a number"),
            (|r| r.app_version = Loose::Object, "`appVersion` must be a string, got an object"),
            (|r| r.host_tenant = s("a\nb"), "`hostTenant` must not contain control"),
            (|r| r.host_tenant = s("a\u{FFFD}"), "`hostTenant` must be a well-formed string"),
            (|r| r.user_tenant = s(&"x".repeat(300)), "`userTenant` must be at most"),
            (|r| r.batch_size = Loose::Num(0.0), "`batchSize` must be an integer from 1 to 100"),
            (|r| r.batch_size = Loose::Num(2.5), "`batchSize` must be an integer"),
            (|r| r.page_size = s("100"), "`pageSize` must be a number, got a string"),
            (|r| r.timeout = Loose::Num(-1.0), "`timeout` must be a number from 1"),
            (|r| r.timeout = Loose::Num(f64::NAN), "`timeout`"),
            (|r| r.retries = Loose::Num(1e9), "`retries` must be an integer from 0 to 10"),
            (|r| r.refresh_before_expiry = Loose::Num(f64::INFINITY), "`refreshBeforeExpiry`"),
            (|r| r.max_entries = Loose::Bool(true), "`maxEntries` must be a number, got a boolean"),
            (|r| r.gateway = s("example.com"), "`gateway` must start with"),
            (|r| r.verify = s("yes"), "`verify` must be a boolean"),
            (|r| r.clock_tolerance = Loose::Num(-1.0), "`clockTolerance`"),
            (|r| r.keys_url = s("ftp://x"), "`keysUrl` must start with"),
        ];
        for (mutate, want) in cases {
            let mut r = raw();
            mutate(&mut r);
            let msg = config_error(r);
            assert!(msg.contains(want), "{msg} !~ {want}");
        }
    }

    #[test]
    fn unknown_options_name_the_closest_known_one() {
        for (typo, want) in [
            (
                "refreshBeforExpiry",
                "`refreshBeforExpiry` is not an option of TokenManager (did you mean `refreshBeforeExpiry`?)",
            ),
            ("clientSecrect", "(did you mean `clientSecret`?)"),
            ("batchsize", "(did you mean `batchSize`?)"),
            ("zzzzzzzzzzzz", "`zzzzzzzzzzzz` is not an option of TokenManager"),
        ] {
            let e = unknown_option(&Options::from_pairs(vec![(typo.to_string(), Loose::Num(1.0))]).unwrap_err());
            assert_eq!(e.code, ErrorCode::Config);
            assert!(e.message.contains(want), "{} !~ {want}", e.message);
            if typo.starts_with('z') {
                assert!(!e.message.contains("did you mean"), "{}", e.message);
            }
        }
    }

    #[test]
    fn env_names_follow_the_vendor_sdk() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            env_options(move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
                .into_iter()
                .map(|(o, v, _)| (o, v))
                .collect::<Vec<_>>()
        };
        let opts = env(&[
            ("MDSP_KEY_STORE_CLIENT_ID", "id"),
            ("MDSP_KEY_STORE_CLIENT_SECRET", "secret"),
            ("MDSP_OS_VM_APP_NAME", "app"),
            ("MDSP_OS_VM_APP_VERSION", "1.0"),
            ("MDSP_HOST_TENANT", "host"),
            ("MDSP_USER_TENANT", "user"),
            ("HOST_BASEDOMAIN", "basedomain.xyz"),
            ("MDSP_REGION", "abc"),
            ("MINDSPHERE_CLIENT_ID", "ignored: app credentials win"),
        ]);
        assert_eq!(
            opts,
            vec![
                ("clientId", "id".into()),
                ("clientSecret", "secret".into()),
                ("appName", "app".into()),
                ("appVersion", "1.0".into()),
                ("hostTenant", "host".into()),
                ("userTenant", "user".into()),
                ("region", "abc".into()),
                ("domain", "basedomain.xyz".into()),
            ]
        );
        let defaults = env(&[("MDSP_USER_TENANT", " ")]);
        assert_eq!(defaults, vec![("region", "eu1".into()), ("domain", "mindsphere.io".into())]);
        let explicit = env(&[("MDSP_GATEWAY_URL", "http://127.0.0.1:1"), ("MDSP_REGION", "eu2")]);
        assert_eq!(explicit, vec![("gateway", "http://127.0.0.1:1".into())]);
        let tenant = env(&[
            ("MINDSPHERE_CLIENT_ID", "tid"),
            ("MINDSPHERE_CLIENT_SECRET", "ts"),
            ("MINDSPHERE_TENANT", "t1"),
            ("MINDSPHERE_SUB_TENANT", "s1"),
            ("MDSP_GATEWAY_URL", "http://127.0.0.1:1"),
        ]);
        assert_eq!(
            tenant,
            vec![
                ("clientId", "tid".into()),
                ("clientSecret", "ts".into()),
                ("tenant", "t1".into()),
                ("subTenant", "s1".into()),
                ("gateway", "http://127.0.0.1:1".into()),
            ]
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        let read =
            vec![("clientSecret", "x".to_string(), "MDSP_KEY_STORE_CLIENT_SECRET"), ("batchSize", "".into(), "")];
        let e = env_hint(TmsError::config("clientId", "is required"), &read, |_| false);
        assert!(e.message.ends_with("(set the environment variable MDSP_KEY_STORE_CLIENT_ID)"), "{}", e.message);
        let e = env_hint(TmsError::config("clientSecret", "must not be empty"), &read, |_| false);
        assert!(e.message.ends_with("(from the environment variable MDSP_KEY_STORE_CLIENT_SECRET)"), "{}", e.message);
        let e = env_hint(TmsError::config("clientId", "is required"), &read, |o| o == "clientId");
        assert_eq!(e.message, "option `clientId` is required");
    }
}
