//! remediation
