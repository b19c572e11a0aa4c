//! # stella-cli
//!
//! The `stella` command-line tool (docs/usage.md; `stella --help`): a thin layer of argument
//! parsing and printing over the `stella` library, which embedders use without compiling the
//! command line.
//!
//! The command is [`main`]; [`run`] runs one parsed command line ([`Cli`]), and the input
//! helpers ([`read_input`], [`KeyRef`]) are public for the tests.
//!
//! ## Dependencies and why
//! - `stella`, `stella-core`, `stella-attest`, `stella-scan`, `stella-vex`, `stella-policy`:
//!   the libraries each subcommand composes.
//! - `stella-demo`: the embedded demo of `stella run --demo`.
//! - `clap`: the command line (derive API, as syft/grype-style flags need).
//! - `serde`, `serde_json`, `thiserror`: reading and printing JSON, the [`CliError`] type.

mod cli;

pub use cli::*;
