//! wasm-bindgen tests of the JS-facing API, run in Node and in headless Chromium (the
//! Makefile runs this file twice, the second time with WASM_BINDGEN_USE_BROWSER=1).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use js_sys::{Array, Function, Object, Promise, Reflect};
use tms_edge::wasm::{decode_jwt, TokenManager};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const SEEDS: &str = include_str!("fixtures/seed-tokens.txt");

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

fn options(fetch: &Function) -> JsValue {
    let o = Object::new();
    for (k, v) in [
        ("gateway", "http://127.0.0.1:9"),
        ("clientId", "host-app-1.0.0"),
        ("clientSecret", "sekret-value"),
        ("appName", "app"),
        ("appVersion", "1.0.0"),
        ("hostTenant", "host"),
    ] {
        Reflect::set(&o, &k.into(), &v.into()).unwrap();
    }
    Reflect::set(&o, &"fetch".into(), fetch).unwrap();
    o.into()
}

/// A fake `fetch` answering `/oauth/token` and `/oauthTokens` with fresh JWTs after 5 ms;
/// it counts calls in `globalThis.__calls` and records the last request.
fn fake_fetch() -> Function {
    Function::new_with_args(
        "url, init",
        r#"
        globalThis.__calls = (globalThis.__calls || 0) + 1;
        globalThis.__last = { url, init };
        const b64 = (s) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
        const now = Math.floor(Date.now() / 1000);
        const jwt = (t) => b64('{"alg":"RS256","typ":"JWT"}') + "." +
          b64(JSON.stringify({ iat: now, exp: now + 1800, ten: t, iss: "https://" + t + ".piam.x/oauth/token" })) + ".c2ln";
        const body = JSON.parse(init.body);
        const grant = (t) => ({ access_token: jwt(t), token_type: "bearer", expires_in: 1799, scope: "a b" });
        const json = url.endsWith("/oauthTokens")
          ? { oauthTokens: body.userTenantIds.map((t) => ({ userTenantId: t, token: grant(t) })) }
          : grant(body.userTenant);
        return new Promise((r) => setTimeout(() => r(new Response(JSON.stringify(json))), 5));
        "#,
    )
}

fn calls() -> f64 {
    get(&js_sys::global(), "__calls").as_f64().unwrap_or(0.0)
}

#[wasm_bindgen_test]
fn seed_tokens_decode() {
    let tokens: Vec<&str> = SEEDS.lines().filter(|l| !l.is_empty()).collect();
    let core = tokens
        .iter()
        .map(|t| decode_jwt(JsValue::from_str(t)).unwrap())
        .find(|d| get(&get(d, "claims"), "ten") == "core");
    let claims = get(&core.unwrap(), "claims");
    assert_eq!(get(&claims, "exp").as_f64(), Some(1542866463.0));
    assert_eq!(get(&claims, "iat").as_f64(), Some(1542864663.0));
    assert_eq!(get(&claims, "iss").as_string().unwrap(), "https://core.piam.eu1-int.mindsphere.io/oauth/token");
    assert_eq!(get(&get(&decode_jwt(tokens[0].into()).unwrap(), "header"), "alg"), "RS256");
}

#[wasm_bindgen_test]
fn malformed_jwt_throws_a_coded_error() {
    for bad in [JsValue::from_str("a.b"), JsValue::from_f64(3.0), JsValue::NULL] {
        let e = decode_jwt(bad).unwrap_err();
        assert!(e.is_instance_of::<js_sys::Error>());
        assert_eq!(get(&e, "code"), "TMS_INVALID_TOKEN");
        assert_eq!(get(&e, "name"), "TmsError");
    }
}

#[wasm_bindgen_test]
fn bad_options_throw_config_errors_naming_the_option() {
    let o = options(&fake_fetch());
    Reflect::set(&o, &"batchSize".into(), &JsValue::from_f64(0.0)).unwrap();
    let e = TokenManager::new(o).err().unwrap();
    assert_eq!(get(&e, "code"), "TMS_CONFIG");
    assert!(get(&e, "message").as_string().unwrap().contains("batchSize"));
}

#[wasm_bindgen_test]
async fn concurrent_misses_share_one_request_and_hits_make_none() {
    let tm = TokenManager::new(options(&fake_fetch())).unwrap();
    let before = calls();
    let all: Array = (0..50).map(|_| JsValue::from(tm.token("t1".into(), None))).collect();
    let tokens: Array = JsFuture::from(Promise::all(&all)).await.unwrap().into();
    assert_eq!(calls() - before, 1.0);
    let first = tokens.get(0);
    assert!(tokens.iter().all(|t| t == first), "every caller gets the same object");
    assert_eq!(get(&first, "userTenant"), "t1");
    assert_eq!(get(&first, "hostTenant"), "host");
    let again = JsFuture::from(tm.token("t1".into(), None)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(calls() - before, 1.0);
    let stats = tm.stats();
    assert_eq!(get(&stats, "upstreamRequests").as_f64(), Some(1.0));
    assert_eq!(get(&stats, "hits").as_f64(), Some(1.0));
    // The credentials went in the header, as Basic, not in the body.
    let init = get(&get(&js_sys::global(), "__last"), "init");
    let key = get(&get(&init, "headers"), "X-SPACE-AUTH-KEY").as_string().unwrap();
    assert_eq!(
        key,
        format!(
            "Basic {}",
            js_sys::global().unchecked_into::<web_sys_btoa::Global>().btoa("host-app-1.0.0:sekret-value")
        )
    );
    assert!(!get(&init, "body").as_string().unwrap().contains("sekret"));
}

#[wasm_bindgen_test]
async fn tokens_batches_misses() {
    let tm = TokenManager::new(options(&fake_fetch())).unwrap();
    let before = calls();
    let list: Array = (0..12).map(|i| JsValue::from_str(&format!("u{i}"))).collect();
    let r = JsFuture::from(tm.tokens(list.into(), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(calls() - before, 3.0);
    assert_eq!(get(&r, "tokens").unchecked_into::<js_sys::Map>().size(), 12);
    assert_eq!(get(&r, "errors").unchecked_into::<js_sys::Map>().size(), 0);
}

#[wasm_bindgen_test]
async fn event_listeners_may_call_back_into_the_manager() {
    // A listener that invalidates on every hit: must not hit a RefCell borrow in progress.
    let o = options(&fake_fetch());
    let holder = Object::new();
    let listener =
        Function::new_with_args("e", "if (e.type === 'hit') this.tm.invalidate(); this.n = (this.n || 0) + 1;");
    let listener = listener.bind0(&holder);
    Reflect::set(&o, &"onEvent".into(), &listener).unwrap();
    let tm = TokenManager::new(o).unwrap();
    // Expose the manager to the listener through a tiny JS wrapper around invalidate.
    let tm = std::rc::Rc::new(tm);
    let tm2 = tm.clone();
    let invalidate = Closure::<dyn Fn()>::new(move || tm2.invalidate(JsValue::UNDEFINED));
    let wrapper = Object::new();
    Reflect::set(&wrapper, &"invalidate".into(), invalidate.as_ref()).unwrap();
    Reflect::set(&holder, &"tm".into(), &wrapper).unwrap();
    JsFuture::from(tm.token("r1".into(), None)).await.unwrap();
    JsFuture::from(tm.token("r1".into(), None)).await.unwrap(); // a hit: the listener invalidates
    assert_eq!(get(&tm.stats(), "entries").as_f64(), Some(0.0));
    JsFuture::from(tm.token("r1".into(), None)).await.unwrap(); // a miss again, no panic
    assert!(get(&holder, "n").as_f64().unwrap() > 3.0);
}

mod web_sys_btoa {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type Global;
        #[wasm_bindgen(method)]
        pub fn btoa(this: &Global, s: &str) -> String;
    }
}
