//! # stella
//!
//! The batteries around the pure Stella Ops crates: std adapters for the core traits, the
//! golden-path pipeline, and the `stella` command-line tool ([`cli`]).
//!
//! ## Dependencies and why
//! - `clap`: the command line (derive API, as syft/grype-style flags need).
//! - `tar`: reading OCI and docker-save archives in place (members served by seeking).
//! - `rayon`: walking root filesystem directories in parallel.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod cli;
pub mod db;
pub mod image;
pub mod scan;
pub mod store;
pub mod vex;
