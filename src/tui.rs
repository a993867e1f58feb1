//! terminal guard
