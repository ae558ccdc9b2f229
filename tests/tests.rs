//! Integration tests of the `albumen` binary.
