//! The `stella` command-line tool; see `stella --help`.

fn main() -> std::process::ExitCode {
    stella::cli::main()
}
