//! Options as the user gave them, validated into a `Config`. The shell converts each JS
//! option into a `Raw` (so this file never sees a JS value); every rule lives here and is
//! tested natively. A bad option fails at construction with `TMS_CONFIG`, naming it.

use super::error::{Result, TmsError};
use super::secret::Secret;

/// One option value as received, before validation.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Raw {
    #[default]
    Absent,
    Text(String),
    Number(f64),
    /// Any other JS type; holds its `typeof` for the error message.
    Other(&'static str),
}

#[derive(Clone, Debug, Default)]
pub struct RawOptions {
    pub gateway: Raw,
    pub region: Raw,
    pub domain: Raw,
    pub client_id: Raw,
    pub client_secret: Raw,
    pub app_name: Raw,
    pub app_version: Raw,
    pub host_tenant: Raw,
    pub user_tenant: Raw,
    pub refresh_before_expiry: Raw,
    pub batch_size: Raw,
    pub page_size: Raw,
    pub timeout: Raw,
    pub retries: Raw,
    pub max_entries: Raw,
}

/// The path every endpoint hangs off, appended to the gateway.
pub const API_PATH: &str = "/api/technicaltokenmanager/v3";
pub const DEFAULT_DOMAIN: &str = "mindsphere.io";

#[derive(Clone, Debug)]
pub struct Config {
    /// `scheme://host[:port][/prefix]` + `API_PATH`, no trailing slash.
    pub base_url: String,
    pub auth_key: Secret,
    pub app_name: String,
    pub app_version: String,
    pub host_tenant: String,
    pub user_tenant: String,
    pub refresh_before_expiry_ms: f64,
    pub batch_size: usize,
    pub page_size: usize,
    pub timeout_ms: f64,
    pub retries: u32,
    pub max_entries: usize,
}

impl Config {
    pub fn new(raw: &RawOptions) -> Result<Config> {
        let gateway = match (&raw.gateway, &raw.region) {
            (Raw::Absent, Raw::Absent) => {
                return Err(TmsError::config("gateway", "is required (or give `region`)"));
            }
            (Raw::Absent, region) => {
                let region = dns_name("region", region)?;
                let domain = match &raw.domain {
                    Raw::Absent => DEFAULT_DOMAIN.to_string(),
                    domain => dns_name("domain", domain)?,
                };
                format!("https://gateway.{region}.{domain}")
            }
            (gateway, _) => normalize_gateway(&text("gateway", gateway)?)?,
        };
        let client_id = text("clientId", &raw.client_id)?;
        if client_id.contains(':') {
            // Basic credentials split at the first colon: the server would read another id.
            return Err(TmsError::config("clientId", "must not contain ':'"));
        }
        let client_secret = Secret::new(text("clientSecret", &raw.client_secret)?);
        let host_tenant = tenant("hostTenant", &raw.host_tenant)?;
        let user_tenant = match &raw.user_tenant {
            Raw::Absent => host_tenant.clone(),
            v => tenant("userTenant", v)?,
        };
        Ok(Config {
            base_url: format!("{gateway}{API_PATH}"),
            auth_key: auth_key(&client_id, &client_secret),
            app_name: text("appName", &raw.app_name)?,
            app_version: text("appVersion", &raw.app_version)?,
            host_tenant,
            user_tenant,
            refresh_before_expiry_ms: number("refreshBeforeExpiry", &raw.refresh_before_expiry, 300.0, 0.0, 86_400.0)?
                * 1000.0,
            batch_size: integer("batchSize", &raw.batch_size, 5, 1, 100)?,
            page_size: integer("pageSize", &raw.page_size, 100, 1, 1000)?,
            timeout_ms: number("timeout", &raw.timeout, 10_000.0, 1.0, 600_000.0)?,
            retries: integer("retries", &raw.retries, 2, 0, 10)? as u32,
            max_entries: integer("maxEntries", &raw.max_entries, 10_000, 1, 10_000_000)?,
        })
    }
}

/// `X-SPACE-AUTH-KEY: Basic base64(client_id:client_secret)`.
pub fn auth_key(client_id: &str, client_secret: &Secret) -> Secret {
    let pair = format!("{client_id}:{}", client_secret.expose());
    Secret::new(format!("Basic {}", super::b64::encode(pair.as_bytes())))
}

fn type_name(raw: &Raw) -> &'static str {
    match raw {
        Raw::Absent => "missing",
        Raw::Text(_) => "a string",
        Raw::Number(_) => "a number",
        Raw::Other(t) => t,
    }
}

fn text(name: &str, raw: &Raw) -> Result<String> {
    match raw {
        Raw::Text(s) if s.trim().is_empty() => Err(TmsError::config(name, "must not be empty")),
        Raw::Text(s) if s.chars().any(char::is_control) => {
            Err(TmsError::config(name, "must not contain control characters"))
        }
        Raw::Text(s) => Ok(s.clone()),
        Raw::Absent => Err(TmsError::config(name, "is required")),
        other => Err(TmsError::config(name, &format!("must be a string, got {}", type_name(other)))),
    }
}

/// Tenant ids travel in JSON bodies (escaped there); any printable text is allowed.
pub fn tenant(name: &str, raw: &Raw) -> Result<String> {
    let t = text(name, raw)?;
    if t.len() > 256 {
        return Err(TmsError::config(name, "must be at most 256 bytes"));
    }
    Ok(t)
}

fn dns_name(name: &str, raw: &Raw) -> Result<String> {
    let s = text(name, raw)?;
    let ok =
        s.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(TmsError::config(name, "must be a host name part like `eu1` or `mindsphere.io`"))
    }
}

fn number(name: &str, raw: &Raw, default: f64, min: f64, max: f64) -> Result<f64> {
    match raw {
        Raw::Absent => Ok(default),
        Raw::Number(n) if n.is_finite() && *n >= min && *n <= max => Ok(*n),
        // Bounds print as integers: float formatting would add kilobytes to the `.wasm`.
        Raw::Number(_) => {
            Err(TmsError::config(name, &format!("must be a number from {} to {}", min as u64, max as u64)))
        }
        other => Err(TmsError::config(name, &format!("must be a number, got {}", type_name(other)))),
    }
}

fn integer(name: &str, raw: &Raw, default: usize, min: usize, max: usize) -> Result<usize> {
    match raw {
        Raw::Absent => Ok(default),
        Raw::Number(n) if n.fract() == 0.0 && *n >= min as f64 && *n <= max as f64 => Ok(*n as usize),
        Raw::Number(_) => Err(TmsError::config(name, &format!("must be an integer from {min} to {max}"))),
        other => Err(TmsError::config(name, &format!("must be a number, got {}", type_name(other)))),
    }
}

/// Accepts `http(s)://host[:port][/prefix]`, drops trailing slashes and a pasted API path,
/// refuses anything that could change where requests go (userinfo, query, fragment).
pub fn normalize_gateway(input: &str) -> Result<String> {
    let bad = |why: &str| TmsError::config("gateway", why);
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
    if let Some(stripped) = out.strip_suffix(API_PATH) {
        out.truncate(stripped.len());
    }
    Ok(out)
}

/// Environment variable → option name, in the order `fromEnv` reads them. The gateway is
/// `MDSP_GATEWAY_URL`, or else built from `MDSP_REGION` (default `eu1`) and
/// `HOST_BASEDOMAIN` (default `mindsphere.io`); see `env_options`.
pub const ENV_NAMES: [(&str, &str); 7] = [
    ("MDSP_KEY_STORE_CLIENT_ID", "clientId"),
    ("MDSP_KEY_STORE_CLIENT_SECRET", "clientSecret"),
    ("MDSP_OS_VM_APP_NAME", "appName"),
    ("MDSP_OS_VM_APP_VERSION", "appVersion"),
    ("MDSP_HOST_TENANT", "hostTenant"),
    ("MDSP_USER_TENANT", "userTenant"),
    ("MDSP_GATEWAY_URL", "gateway"),
];

/// Options read from an environment: `lookup(name)` returns a variable's value. Empty
/// values count as unset (a blank line in a `.env` file should not defeat a default).
pub fn env_options(lookup: impl Fn(&str) -> Option<String>) -> Vec<(&'static str, String)> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut out: Vec<(&'static str, String)> =
        ENV_NAMES.iter().filter_map(|(env, opt)| get(env).map(|v| (*opt, v))).collect();
    if get("MDSP_GATEWAY_URL").is_none() {
        out.push(("region", get("MDSP_REGION").unwrap_or_else(|| "eu1".into())));
        out.push(("domain", get("HOST_BASEDOMAIN").unwrap_or_else(|| DEFAULT_DOMAIN.into())));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tms::error::ErrorCode;

    pub fn raw() -> RawOptions {
        RawOptions {
            gateway: Raw::Text("http://127.0.0.1:8787".into()),
            client_id: Raw::Text("operator-kpi-1.0.0".into()),
            client_secret: Raw::Text("s3cr3t:with:colons".into()),
            app_name: Raw::Text("kpi".into()),
            app_version: Raw::Text("1.0.0".into()),
            host_tenant: Raw::Text("operator".into()),
            ..RawOptions::default()
        }
    }

    fn config_error(raw: RawOptions) -> String {
        let e = Config::new(&raw).unwrap_err();
        assert_eq!(e.code, ErrorCode::Config);
        e.message
    }

    #[test]
    fn auth_key_is_basic_base64_of_id_colon_secret() {
        // The seed's example: "dio p1-hermione-hermione:sdjhfasdjhfjasdhfjkasdhfjk" shape.
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
    fn region_and_domain_build_the_gateway() {
        let mut r = raw();
        r.gateway = Raw::Absent;
        r.region = Raw::Text("eu2".into());
        assert_eq!(Config::new(&r).unwrap().base_url, "https://gateway.eu2.mindsphere.io/api/technicaltokenmanager/v3");
        r.region = Raw::Text("cn1".into());
        r.domain = Raw::Text("mindsphere-in.cn".into());
        assert_eq!(
            Config::new(&r).unwrap().base_url,
            "https://gateway.cn1.mindsphere-in.cn/api/technicaltokenmanager/v3"
        );
        r.domain = Raw::Text("evil.com/x".into());
        assert!(config_error(r).contains("`domain`"));
        let mut none = raw();
        none.gateway = Raw::Absent;
        assert!(config_error(none).contains("`gateway` is required"));
    }

    #[test]
    fn bad_options_name_the_option() {
        type Case = (fn(&mut RawOptions), &'static str);
        let cases: Vec<Case> = vec![
            (|r| r.client_id = Raw::Absent, "`clientId` is required"),
            (|r| r.client_id = Raw::Text("a:b".into()), "`clientId` must not contain ':'"),
            (|r| r.client_secret = Raw::Text("  ".into()), "`clientSecret` must not be empty"),
            (|r| r.app_name = Raw::Number(1.0), "`appName` must be a string, got a number"),
            (|r| r.app_version = Raw::Other("object"), "`appVersion` must be a string, got object"),
            (|r| r.host_tenant = Raw::Text("a\nb".into()), "`hostTenant` must not contain control"),
            (|r| r.user_tenant = Raw::Text("x".repeat(300)), "`userTenant` must be at most"),
            (|r| r.batch_size = Raw::Number(0.0), "`batchSize` must be an integer from 1 to 100"),
            (|r| r.batch_size = Raw::Number(2.5), "`batchSize` must be an integer"),
            (|r| r.page_size = Raw::Text("100".into()), "`pageSize` must be a number, got a string"),
            (|r| r.timeout = Raw::Number(-1.0), "`timeout` must be a number from 1"),
            (|r| r.timeout = Raw::Number(f64::NAN), "`timeout`"),
            (|r| r.retries = Raw::Number(1e9), "`retries` must be an integer from 0 to 10"),
            (|r| r.refresh_before_expiry = Raw::Number(f64::INFINITY), "`refreshBeforeExpiry`"),
            (|r| r.max_entries = Raw::Other("boolean"), "`maxEntries` must be a number, got boolean"),
            (|r| r.gateway = Raw::Text("example.com".into()), "`gateway` must start with"),
        ];
        for (mutate, want) in cases {
            let mut r = raw();
            mutate(&mut r);
            let msg = config_error(r);
            assert!(msg.contains(want), "{msg} !~ {want}");
        }
    }

    #[test]
    fn env_names_follow_the_vendor_sdk() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            env_options(move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
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
    }
}
