//! The `rctsim` command. [`cli::main`] parses the command line, calls the
//! library, reports errors and chooses the exit code; only `cli` knows clap.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
