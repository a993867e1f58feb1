//! Command-line interface (clap). The TUI is the default command; subcommands reuse the same engine.

use std::net::IpAddr;

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::azure::Cloud;

#[derive(Debug, Parser)]
#[command(name = "aisec", version, about = "Terminal security cockpit for Azure AI resources")]
pub struct Cli {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data comes from. Shared by the TUI and every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Run on the built-in demo tenant: an Azure-compatible emulator starts in-process on loopback.
    #[arg(long, global = true, conflicts_with = "endpoint")]
    pub demo: bool,
    /// One Azure-compatible base URL for every API (an emulator or a test server). Plain http is accepted
    /// only for loopback addresses.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Azure cloud: sets every host and token audience.
    #[arg(long, global = true, value_enum, default_value_t = Cloud::Public)]
    pub cloud: Cloud,
    /// Limit to this subscription id (repeatable). Default: every subscription the credential can see.
    #[arg(long = "subscription", global = true, value_name = "ID")]
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the cockpit (the default when no command is given).
    Tui,
    /// Check sign-in, visible subscriptions and the permissions aisec needs; one line per problem.
    Doctor,
    /// Evaluate every control once, without the TUI, and write a report (table, JSON, SARIF, Markdown). Exit
    /// code 1 when a failing finding reaches `--fail-on`.
    Scan(crate::scan::ScanArgs),
    /// Run the Azure-compatible emulator standalone, to rehearse or to point other tools at.
    Emulator {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8480)]
        port: u16,
        /// Built-in scenario name (`demo`, `large`) or a scenario file (TOML or JSON).
        #[arg(long, default_value = "demo")]
        scenario: String,
    },
}

impl Target {
    /// The first option given that chooses what to connect to: the emulator connects to nothing, and an option it
    /// ignored silently (a refused plain-http --endpoint) would look accepted.
    pub fn connection_option(&self) -> Option<&'static str> {
        [
            (self.demo, "--demo"),
            (self.endpoint.is_some(), "--endpoint"),
            (!self.subscriptions.is_empty(), "--subscription"),
            (self.cloud != Cloud::Public, "--cloud"),
        ]
        .into_iter()
        .find_map(|(given, option)| given.then_some(option))
    }
}

/// `--endpoint` check, done before any connection is made. Messages quote the URL without any user name or
/// password in it: those are secrets, and messages reach the screen and the log.
pub fn validate_endpoint(text: &str) -> Result<Url, String> {
    let shown = without_userinfo(text);
    let url = Url::parse(text).map_err(|e| format!("--endpoint {shown:?} is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("--endpoint {shown}: credentials in the URL are not accepted"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "--endpoint {shown}: plain http is only allowed for loopback addresses (127.0.0.1, ::1, localhost); \
                 use https for anything else"
            ));
        }
        other => {
            return Err(format!("--endpoint {shown}: unsupported scheme {other:?} (use https)"));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("--endpoint {shown}: no host"));
    }
    Ok(url)
}

/// `scheme://user:password@host/…` as `scheme://…@host/…`, found in the text itself, so even a string that
/// is not a URL loses what looks like credentials.
fn without_userinfo(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let authority_end = text[start..].find(['/', '?', '#']).map_or(text.len(), |i| start + i);
    match text[start..authority_end].rfind('@') {
        Some(at) => format!("{}…{}", &text[..start], &text[start + at..]),
        None => text.to_string(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_message_repeats_a_password_from_the_url() {
        for text in [
            "http://user:s3cretPW@10.0.0.5",
            "ftp://user:s3cretPW@127.0.0.1",
            "ht tp://user:s3cretPW@x",
            "https://user:s3cretPW@management.example.com/path",
            "http://:s3cretPW@127.0.0.1:8480",
        ] {
            let error = validate_endpoint(text).expect_err(text);
            assert!(!error.contains("s3cretPW"), "{error}");
            assert!(error.starts_with("--endpoint"), "{error}");
        }
        assert_eq!(without_userinfo("https://a:b@host/x@y"), "https://…@host/x@y");
        assert_eq!(without_userinfo("https://host/x@y"), "https://host/x@y");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:9000/",
            "http://localhost:1",
            "https://example.com",
        ] {
            assert!(validate_endpoint(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.5",
            "http://example.com",
            "http://192.168.1.1:80",
            "http://127.0.0.1.evil.com",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            assert!(validate_endpoint(refused).is_err(), "{refused}");
        }
        let error = validate_endpoint("https://user:pw@example.com").unwrap_err();
        assert!(!error.contains("pw"));
    }
}
