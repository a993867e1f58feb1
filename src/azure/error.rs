use std::time::Duration;

/// Errors the client reports. Messages never contain tokens: the client only ever puts the token in the
/// `Authorization` header, and no header is copied into an error.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AzureError {
    #[error("{status} from {what}: {code}: {message}")]
    Status {
        status: u16,
        what: String,
        code: String,
        message: String,
    },
    #[error("throttled by {what}; retry after {}s", retry_after.as_secs())]
    Throttled { what: String, retry_after: Duration },
    #[error("cannot reach {what}: {reason}")]
    Transport { what: String, reason: String },
    #[error("{what} answered {content_type:?} instead of JSON")]
    ContentType { what: String, content_type: String },
    #[error("{what} sent a response that is not valid JSON: {reason}")]
    Decode { what: String, reason: String },
    #[error("{what} sent more than {limit_mb} MB; refusing to read it")]
    TooLarge { what: String, limit_mb: u64 },
    #[error("{what} repeated a paging token; stopped after {pages} pages")]
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
