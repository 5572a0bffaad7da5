//! Integration tests: the library and the real binary against the simulated district site,
//! served over real HTTP on 127.0.0.1. One test binary, one module per area; the set-up they
//! share (test servers, settings, test beds, the simulated site, the daemon, the SMTP server)
//! is in `support`.

/// Prints to the terminal even when the test harness captures output: measured scores and
/// skip notices must be seen in a normal `cargo test` run.
#[macro_export]
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod auto;
mod backup;
mod catalog;
mod cli;
mod config;
mod crash;
mod crawl;
mod daemon;
mod district;
mod faults;
mod fetch;
mod findings;
mod health;
mod heldout;
mod hostile;
mod identity;
mod installed;
mod jilin;
mod judge;
mod mailing;
mod onboard;
mod packaging;
mod partial;
mod privacy;
mod realworld;
mod report;
mod settings;
mod smtp;
mod ssrf;
mod storage_faults;
mod store;
mod support;
mod tls;
