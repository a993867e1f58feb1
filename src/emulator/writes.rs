//! Writes: PATCH of accounts, workspaces and search services with long-running-operation semantics, PUT of
//! diagnostic settings, key regeneration. Every write mutates the served tenant.

use axum::http::StatusCode;

use super::arm::method_not_allowed;
use super::server::{Ctx, Reply, Shared};

pub(crate) fn settle_on_read(_shared: &Shared, _id: &str) {}

pub(crate) fn patch(_shared: &Shared, ctx: &Ctx, _id: &str) -> Reply {
    method_not_allowed(ctx)
}

pub(crate) fn put_diagnostic_setting(_shared: &Shared, ctx: &Ctx, _scope: &str, _name: Option<&str>) -> Reply {
    method_not_allowed(ctx)
}

pub(crate) fn delete_diagnostic_setting(_shared: &Shared, ctx: &Ctx, _scope: &str, _name: Option<&str>) -> Reply {
    method_not_allowed(ctx)
}

pub(crate) fn poll(_shared: &Shared, _ctx: &Ctx, op_id: &str, _results: bool) -> Reply {
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "OperationNotFound",
        &format!("Operation '{op_id}' was not found."),
    )
}
