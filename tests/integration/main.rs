//! Integration tests: the library and the real binary against the simulated district site,
//! served over real HTTP on 127.0.0.1. One test binary, one module per area.

mod catalog;
mod cli;
mod common;
mod config;
mod crash;
mod crawl;
mod fetch;
mod findings;
mod judge;
mod realworld;
