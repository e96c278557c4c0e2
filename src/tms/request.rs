//! Request builders: what to send for each endpoint, as plain data. The shell turns an
//! `HttpRequest` into a `fetch` call; nothing here performs I/O.

use super::config::Config;
use super::json::ObjectWriter;
use core::fmt;

pub const AUTH_KEY_HEADER: &str = "X-SPACE-AUTH-KEY";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Batch,
    UserTenants,
}

impl Endpoint {
    /// Names used in events and error messages.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Token => "POST /oauth/token",
            Endpoint::Batch => "POST /oauthTokens",
            Endpoint::UserTenants => "GET /userTenants",
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub endpoint: Endpoint,
    pub method: &'static str,
    pub url: String,
    /// Header values may be secrets (auth key, bearer token): see the redacting `Debug`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
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

/// `POST /oauth/token` for one user tenant.
pub fn token_request(config: &Config, user_tenant: &str) -> HttpRequest {
    let body = ObjectWriter::new()
        .string("appName", &config.app_name)
        .string("appVersion", &config.app_version)
        .string("hostTenant", &config.host_tenant)
        .string("userTenant", user_tenant)
        .finish();
    HttpRequest {
        endpoint: Endpoint::Token,
        method: "POST",
        url: format!("{}/oauth/token", config.base_url),
        headers: credentials_headers(config),
        body: Some(body),
    }
}

/// `POST /oauthTokens` for at most `batch_size` user tenants (the caller chunks; see
/// `batch_requests`). The field names differ from `/oauth/token` on purpose: that is the API.
pub fn batch_request(config: &Config, user_tenants: &[String]) -> HttpRequest {
    let body = ObjectWriter::new()
        .string("appName", &config.app_name)
        .string("appVersion", &config.app_version)
        .string("hostTenantId", &config.host_tenant)
        .strings("userTenantIds", user_tenants.iter().map(String::as_str))
        .finish();
    HttpRequest {
        endpoint: Endpoint::Batch,
        method: "POST",
        url: format!("{}/oauthTokens", config.base_url),
        headers: credentials_headers(config),
        body: Some(body),
    }
}

/// Splits tenants (or entries that carry one) into `/oauthTokens` chunks of at most
/// `batch_size`.
pub fn batch_chunks<T: Clone>(config: &Config, items: &[T]) -> Vec<Vec<T>> {
    items.chunks(config.batch_size.max(1)).map(<[T]>::to_vec).collect()
}

/// `GET /userTenants?page=&size=` with the operator token.
pub fn user_tenants_request(config: &Config, page: usize, operator_token: &str) -> HttpRequest {
    HttpRequest {
        endpoint: Endpoint::UserTenants,
        method: "GET",
        url: format!("{}/userTenants?page={page}&size={}", config.base_url, config.page_size),
        headers: vec![("Accept", "application/json".into()), ("Authorization", format!("Bearer {operator_token}"))],
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tms::config::tests::raw;
    use crate::tms::config::Raw;
    use crate::tms::json::parse;

    fn config() -> Config {
        let mut r = raw();
        r.batch_size = Raw::Number(2.0);
        r.page_size = Raw::Number(50.0);
        Config::new(&r).unwrap()
    }

    fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
        req.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn token_request_shape() {
        let req = token_request(&config(), "tenant \"a\"/?#ü");
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/oauth/token");
        assert_eq!(header(&req, "Content-Type"), Some("application/json"));
        let key = header(&req, AUTH_KEY_HEADER).unwrap();
        assert!(key.starts_with("Basic "));
        let body = parse(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(body.get("appName").unwrap().as_str(), Some("kpi"));
        assert_eq!(body.get("appVersion").unwrap().as_str(), Some("1.0.0"));
        assert_eq!(body.get("hostTenant").unwrap().as_str(), Some("operator"));
        assert_eq!(body.get("userTenant").unwrap().as_str(), Some("tenant \"a\"/?#ü"));
        // The tenant never reaches the URL, so it cannot change the request path.
        assert!(!req.url.contains("tenant"));
        assert!(!format!("{req:?}").contains(key));
    }

    #[test]
    fn batch_request_shape_and_chunks() {
        let c = config();
        let tenants: Vec<String> = (1..=5).map(|i| format!("t{i}")).collect();
        let chunks = batch_chunks(&c, &tenants);
        assert_eq!(chunks, vec![vec!["t1", "t2"], vec!["t3", "t4"], vec!["t5"]]);
        let req = batch_request(&c, chunks.first().unwrap());
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/oauthTokens");
        let body = parse(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(body.get("hostTenantId").unwrap().as_str(), Some("operator"));
        let ids: Vec<&str> =
            body.get("userTenantIds").unwrap().as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(ids, ["t1", "t2"]);
        assert!(body.get("hostTenant").is_none() && body.get("userTenant").is_none());
    }

    #[test]
    fn user_tenants_request_shape() {
        let req = user_tenants_request(&config(), 3, "eyJ.op.tok");
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "http://127.0.0.1:8787/api/technicaltokenmanager/v3/userTenants?page=3&size=50");
        assert_eq!(header(&req, "Authorization"), Some("Bearer eyJ.op.tok"));
        assert_eq!(header(&req, AUTH_KEY_HEADER), None);
        assert!(req.body.is_none());
        assert!(!format!("{req:?}").contains("eyJ.op.tok"));
    }
}
