//! The `gkwatch` binary: a thin shell over the library.

fn main() -> std::process::ExitCode {
    gkwatch::cli::main()
}
