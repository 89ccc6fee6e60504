//! Planning: which settlements are ordered out (zones and orders).

pub mod sites;
pub mod zone;

pub use zone::{Classification, OrderInput, build_order, classify};
