//! Discovery over the simulated site, fixture pages and the real-world corpus.
