//! A plain HTTP client for tests that talk to the emulator directly (not through aisec's client).

use serde_json::Value;

pub fn client() -> reqwest::Client {
    // reqwest is built without a bundled TLS provider; rustls needs one even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().expect("reqwest client")
}

/// Status and JSON body (`Null` when the body is not JSON).
pub async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    read(c.get(url).bearer_auth("test-token").send().await.expect("request")).await
}

pub async fn post(c: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    read(
        c.post(url)
            .bearer_auth("test-token")
            .json(body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
