//! The `stella` command-line tool; see `stella --help` and [`stella_cli`].

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    stella_cli::main()
}
