//! Tests of the simulated site: the model, the rendered pages, the targets file and the server,
//! including a small reference crawler that reads the site over HTTP and must find exactly the
//! expected items.

mod crawler;
mod http;
mod jilin;
mod model;
mod render;
mod server;
mod support;
mod targets;
