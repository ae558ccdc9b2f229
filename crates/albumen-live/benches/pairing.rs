//! Pairing 1 million synthetic items.
#![allow(missing_docs)]
fn main() {}
