use std::time::Duration;

/// Errors the client reports. Messages never contain tokens: the client only ever puts the token in the
/// `Authorization` header, and no header is copied into an error. Each message starts with what went wrong and
/// names the endpoint after it, so the cockpit's one-line header, which cuts a message short, keeps its point.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AzureError {
    #[error("{status} {code} from {what}: {message}")]
    Status {
        status: u16,
        what: String,
        code: String,
        message: String,
    },
    #[error("throttled, retry after {}s: {what}", retry_after.as_secs())]
    Throttled { what: String, retry_after: Duration },
    #[error("{reason}: cannot reach {what}")]
    Transport { what: String, reason: String },
    #[error("{content_type:?} instead of JSON from {what}")]
    ContentType { what: String, content_type: String },
    #[error("not valid JSON from {what}: {reason}")]
    Decode { what: String, reason: String },
    #[error("answer over {limit_mb} MB from {what}; refusing to read it")]
    TooLarge { what: String, limit_mb: u64 },
    #[error("paging loop: {what} repeated a paging token; stopped after {pages} pages")]
    PagingLoop { what: String, pages: usize },
    #[error("authentication failed: {0}")]
    Auth(String),
}

impl AzureError {
    /// 403s mean "no permission": the checks turn them into `unknown` with the reason.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AzureError::Status { status: 403, .. })
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, AzureError::Status { status: 404, .. })
    }
}
