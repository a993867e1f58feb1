//! clap definitions
