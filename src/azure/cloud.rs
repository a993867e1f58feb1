use url::Url;

/// Sovereign clouds differ only in hosts and token audiences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    Public,
    Usgov,
    China,
}

/// Which token audience a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    ResourceManager,
    Metrics,
    LogAnalytics,
}

/// Every base URL the client uses. `single` points them all at one Azure-compatible server.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub resource_manager: Url,
    /// Regional metrics data plane; `{region}` in the host is replaced by the resources' region.
    metrics_template: String,
    pub log_analytics: Url,
    arm_audience: String,
    metrics_audience: String,
    logs_audience: String,
}

impl Endpoints {
    pub fn for_cloud(cloud: Cloud) -> Self {
        let (arm, metrics, logs) = match cloud {
            Cloud::Public => (
                "https://management.azure.com",
                "https://{region}.metrics.monitor.azure.com",
                "https://api.loganalytics.io",
            ),
            Cloud::Usgov => (
                "https://management.usgovcloudapi.net",
                "https://{region}.metrics.monitor.azure.us",
                "https://api.loganalytics.us",
            ),
            Cloud::China => (
                "https://management.chinacloudapi.cn",
                "https://{region}.metrics.monitor.azure.cn",
                "https://api.loganalytics.azure.cn",
            ),
        };
        let metrics_audience = metrics.replace("{region}.", "");
        Self {
            resource_manager: Url::parse(arm).expect("static URL"),
            metrics_template: metrics.to_string(),
            log_analytics: Url::parse(logs).expect("static URL"),
            arm_audience: format!("{arm}/.default"),
            metrics_audience: format!("{metrics_audience}/.default"),
            logs_audience: format!("{logs}/.default"),
        }
    }

    /// One Azure-compatible base URL for every API, with the same paths as Azure.
    pub fn single(base: &Url) -> Self {
        let base_text = base.as_str().trim_end_matches('/').to_string();
        let mut endpoints = Self::for_cloud(Cloud::Public);
        endpoints.resource_manager = base.clone();
        endpoints.metrics_template = base_text;
        endpoints.log_analytics = base.clone();
        endpoints
    }

    pub fn audience(&self, scope: Scope) -> &str {
        match scope {
            Scope::ResourceManager => &self.arm_audience,
            Scope::Metrics => &self.metrics_audience,
            Scope::LogAnalytics => &self.logs_audience,
        }
    }

    /// `path` starts with `/`; `query` pairs are encoded properly.
    pub fn arm_url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        join(&self.resource_manager, path, query)
    }

    pub fn metrics_url(&self, region: &str, path: &str, query: &[(&str, &str)]) -> Url {
        let region: String = region.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let host = self.metrics_template.replace("{region}", &region.to_ascii_lowercase());
        let base = Url::parse(&host).unwrap_or_else(|_| self.resource_manager.clone());
        join(&base, path, query)
    }

    pub fn logs_url(&self, path: &str) -> Url {
        join(&self.log_analytics, path, &[])
    }
}

fn join(base: &Url, path: &str, query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_cloud_hosts_and_audiences() {
        let endpoints = Endpoints::for_cloud(Cloud::Public);
        assert_eq!(
            endpoints.audience(Scope::ResourceManager),
            "https://management.azure.com/.default"
        );
        assert_eq!(
            endpoints.audience(Scope::Metrics),
            "https://metrics.monitor.azure.com/.default"
        );
        let url = endpoints.metrics_url("westeurope", "/subscriptions/s/metrics:getBatch", &[("a", "b c")]);
        assert_eq!(
            url.as_str(),
            "https://westeurope.metrics.monitor.azure.com/subscriptions/s/metrics:getBatch?a=b+c"
        );
    }

    #[test]
    fn single_endpoint_serves_every_api() {
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        let endpoints = Endpoints::single(&base);
        assert_eq!(
            endpoints.arm_url("/subscriptions", &[]).as_str(),
            "http://127.0.0.1:8080/subscriptions"
        );
        assert_eq!(
            endpoints
                .metrics_url("eastus", "/subscriptions/s/metrics:getBatch", &[])
                .as_str(),
            "http://127.0.0.1:8080/subscriptions/s/metrics:getBatch"
        );
        assert_eq!(
            endpoints.logs_url("/v1/workspaces/w/query").as_str(),
            "http://127.0.0.1:8080/v1/workspaces/w/query"
        );
    }

    #[test]
    fn region_cannot_inject_into_the_host() {
        let endpoints = Endpoints::for_cloud(Cloud::Public);
        let url = endpoints.metrics_url("evil.example/x?", "/p", &[]);
        assert_eq!(url.host_str(), Some("evilexamplex.metrics.monitor.azure.com"));
    }
}
