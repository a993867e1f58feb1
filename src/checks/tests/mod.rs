//! Tests of the checks module.
