//! Request builders: what to send for each endpoint, as plain data. The shell turns an
//! `HttpRequest` into a `fetch` call (JSON bodies through `JSON.stringify`, form bodies
//! through `URLSearchParams`: the JS engine's encoders); nothing here performs I/O.

use super::config::{Config, Credentials};
use core::fmt;
use serde::Serialize;

pub const AUTH_KEY_HEADER: &str = "X-SPACE-AUTH-KEY";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Batch,
    UserTenants,
    /// The tenant's OAuth server (tenant service credentials).
    TenantToken,
    /// The signing keys (`verify`).
    TokenKeys,
}

impl Endpoint {
    /// Names used in events and error messages: method and path, never a host or query.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Token => "POST /oauth/token",
            Endpoint::Batch => "POST /oauthTokens",
            Endpoint::UserTenants => "GET /userTenants",
            Endpoint::TenantToken => "POST /oauth/token (tenant credentials)",
            Endpoint::TokenKeys => "GET /token_keys",
        }
    }
}

/// `POST /oauth/token` of the TMS.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub app_name: String,
    pub app_version: String,
    pub host_tenant: String,
    pub user_tenant: String,
}

/// `POST /oauthTokens`: the field names differ from `/oauth/token` on purpose: that is the API.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    pub app_name: String,
    pub app_version: String,
    pub host_tenant_id: String,
    pub user_tenant_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    None,
    Token(TokenRequest),
    Batch(BatchRequest),
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(&'static str, String)>),
}

#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub endpoint: Endpoint,
    pub method: &'static str,
    pub url: String,
    /// Header values may be secrets (auth key, bearer token): see the redacting `Debug`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| match *k {
                AUTH_KEY_HEADER | "Authorization" => (*k, "[redacted]"),
                _ => (*k, v.as_str()),
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

fn credentials_headers(config: &Config) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("Accept", "application/json".into()),
        (AUTH_KEY_HEADER, config.auth_key.expose().to_string()),
    ]
}

fn app(config: &Config) -> (String, String) {
    match &config.credentials {
        Credentials::App { app_name, app_version } => (app_name.clone(), app_version.clone()),
        Credentials::Tenant { .. } => (String::new(), String::new()),
    }
}

/// The request for one user tenant's token: the TMS's `/oauth/token` with application
/// credentials, the tenant's OAuth server with tenant credentials.
pub fn token_request(config: &Config, user_tenant: &str) -> HttpRequest {
    if let Credentials::Tenant { sub_tenant, auth_url } = &config.credentials {
        return tenant_token_request(config, auth_url, sub_tenant.as_deref());
    }
    let (app_name, app_version) = app(config);
    HttpRequest {
        endpoint: Endpoint::Token,
        method: "POST",
        url: format!("{}/oauth/token", config.base_url),
        headers: credentials_headers(config),
        body: Body::Token(TokenRequest {
            app_name,
            app_version,
            host_tenant: config.host_tenant.clone(),
            user_tenant: user_tenant.to_string(),
        }),
    }
}

/// `POST {authUrl}/oauth/token`, client credentials, with subtenant impersonation when a
/// subtenant is given (seed 004).
fn tenant_token_request(config: &Config, auth_url: &str, sub_tenant: Option<&str>) -> HttpRequest {
    let mut form = vec![("grant_type", "client_credentials".to_string())];
    if let Some(sub) = sub_tenant {
        form.push(("iam-action", "client_credentials.tenant-impersonation".into()));
        form.push(("subtenant", sub.to_string()));
    }
    HttpRequest {
        endpoint: Endpoint::TenantToken,
        method: "POST",
        url: format!("{auth_url}/oauth/token"),
        headers: vec![
            ("Content-Type", "application/x-www-form-urlencoded".into()),
            ("Accept", "application/json".into()),
            ("Authorization", config.auth_key.expose().to_string()),
        ],
        body: Body::Form(form),
    }
}

/// `POST /oauthTokens` for at most `batch_size` user tenants (see `batch_chunks`).
pub fn batch_request(config: &Config, user_tenants: &[String]) -> HttpRequest {
    let (app_name, app_version) = app(config);
    HttpRequest {
        endpoint: Endpoint::Batch,
        method: "POST",
        url: format!("{}/oauthTokens", config.base_url),
        headers: credentials_headers(config),
        body: Body::Batch(BatchRequest {
            app_name,
            app_version,
            host_tenant_id: config.host_tenant.clone(),
            user_tenant_ids: user_tenants.to_vec(),
        }),
    }
}

/// Splits tenants (or entries that carry one) into `/oauthTokens` chunks of at most
/// `batch_size`. Moves them: 10 000 entries are not held twice.
pub fn batch_chunks<T>(config: &Config, items: Vec<T>) -> Vec<Vec<T>> {
    let n = config.batch_size.max(1);
    let mut items = items.into_iter();
    let mut chunks = Vec::new();
    loop {
        let chunk: Vec<T> = items.by_ref().take(n).collect();
        if chunk.is_empty() {
            return chunks;
        }
        chunks.push(chunk);
    }
}

/// `GET /userTenants?page=&size=` with the operator token.
pub fn user_tenants_request(config: &Config, page: usize, operator_token: &str) -> HttpRequest {
    HttpRequest {
        endpoint: Endpoint::UserTenants,
        method: "GET",
        url: format!("{}/userTenants?page={page}&size={}", config.base_url, config.page_size),
        headers: vec![("Accept", "application/json".into()), ("Authorization", format!("Bearer {operator_token}"))],
        body: Body::None,
    }
}

/// `GET {keysUrl}`: the signing keys, never from a URL a token names (`jku`, `iss`).
pub fn keys_request(config: &Config) -> HttpRequest {
    HttpRequest {
        endpoint: Endpoint::TokenKeys,
        method: "GET",
        url: config.keys_url.clone(),
        headers: vec![("Accept", "application/json".into())],
        body: Body::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tms::config::tests::{raw, s};
    use crate::tms::wire::{Loose, Options};

    fn config() -> Config {
        let mut r = raw();
        r.batch_size = Loose::Num(2.0);
        r.page_size = Loose::Num(50.0);
        Config::new(&r).unwrap()
    }

    fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
        req.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    fn json(body: &Body) -> serde_json::Value {
        match body {
            Body::Token(b) => serde_json::to_value(b).unwrap(),
            Body::Batch(b) => serde_json::to_value(b).unwrap(),
            other => panic!("not JSON: {other:?}"),
        }
    }

    #[test]
    fn token_request_shape() {
        let req = token_request(&config(), "tenant \"a\"/?#ü");
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/oauth/token");
        assert_eq!(header(&req, "Content-Type"), Some("application/json"));
        let key = header(&req, AUTH_KEY_HEADER).unwrap();
        assert!(key.starts_with("Basic "));
        assert_eq!(
            json(&req.body),
            serde_json::json!({"appName": "kpi", "appVersion": "1.0.0", "hostTenant": "operator", "userTenant": "tenant \"a\"/?#ü"})
        );
        assert!(!req.url.contains("tenant"));
        assert!(!format!("{req:?}").contains(key));
    }

    #[test]
    fn batch_request_shape_and_chunks() {
        let c = config();
        let tenants: Vec<String> = (1..=5).map(|i| format!("t{i}")).collect();
        let chunks = batch_chunks(&c, tenants.clone());
        assert_eq!(chunks, vec![vec!["t1", "t2"], vec!["t3", "t4"], vec!["t5"]]);
        let req = batch_request(&c, chunks.first().unwrap());
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/oauthTokens");
        assert_eq!(
            json(&req.body),
            serde_json::json!({"appName": "kpi", "appVersion": "1.0.0", "hostTenantId": "operator", "userTenantIds": ["t1", "t2"]})
        );
    }

    #[test]
    fn user_tenants_and_keys_requests() {
        let req = user_tenants_request(&config(), 3, "eyJ.op.tok");
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/userTenants?page=3&size=50");
        assert_eq!(header(&req, "Authorization"), Some("Bearer eyJ.op.tok"));
        assert_eq!(header(&req, AUTH_KEY_HEADER), None);
        assert_eq!(req.body, Body::None);
        assert!(!format!("{req:?}").contains("eyJ.op.tok"));
        assert_eq!(keys_request(&config()).url, "http://127.0.0.1:8787/token_keys");
    }

    #[test]
    fn tenant_credentials_request() {
        let mut o = Options {
            gateway: s("https://gateway.eu1.mindsphere.io"),
            client_id: s("tid"),
            client_secret: s("tsecret"),
            tenant: s("t1"),
            ..Options::default()
        };
        let req = token_request(&Config::new(&o).unwrap(), "t1");
        assert_eq!(req.url, "https://t1.piam.eu1.mindsphere.io/oauth/token");
        assert_eq!(header(&req, "Content-Type"), Some("application/x-www-form-urlencoded"));
        assert!(header(&req, "Authorization").unwrap().starts_with("Basic "));
        assert_eq!(req.body, Body::Form(vec![("grant_type", "client_credentials".into())]));
        o.sub_tenant = s("sub 1");
        let req = token_request(&Config::new(&o).unwrap(), "sub 1");
        assert_eq!(
            req.body,
            Body::Form(vec![
                ("grant_type", "client_credentials".into()),
                ("iam-action", "client_credentials.tenant-impersonation".into()),
                ("subtenant", "sub 1".into()),
            ])
        );
        assert!(!format!("{req:?}").contains("Basic"));
    }
}
