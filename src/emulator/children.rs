//! Child data the security checks read: deployments, RAI policies, Defender for AI settings, private endpoint
//! connections, managed network, role assignments and the Defender pricing of a subscription.

use axum::http::StatusCode;

use super::server::{Ctx, Reply, Shared};

fn not_yet(ctx: &Ctx) -> Reply {
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!(
            "No HTTP resource was found that matches the request URI '{} {}'.",
            ctx.method,
            ctx.path()
        ),
    )
}

pub(crate) fn child(_shared: &Shared, ctx: &Ctx, _id: &str, _child: &[String]) -> Reply {
    not_yet(ctx)
}

pub(crate) fn role_assignments(_shared: &Shared, ctx: &Ctx, _scope: &str) -> Reply {
    not_yet(ctx)
}

pub(crate) fn pricing(_shared: &Shared, ctx: &Ctx, _sub: &str, _name: Option<&str>) -> Reply {
    not_yet(ctx)
}
