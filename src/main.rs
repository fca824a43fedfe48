//! The `rctsim` command: parse, call the library, report errors, choose the exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
