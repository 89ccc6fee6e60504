//! Settlement names across scripts and transliteration systems.
//!
//! * [`translit`]: the official Ukrainian Latin transliteration (KMU-2010) and the coarse
//!   spelling key that makes Kupiansk, Kupyansk, Kupjansk, Куп'янськ and Купянск meet.
//! * [`search`]: a fuzzy index over the spellings of many records (settlements, household
//!   heads), ranked by key match, prefix and edit distance.
//!
//! Pure functions of strings: no geometry, no IO. Used by the CLI's `find`, the scenario
//! builder and the store's duplicate check.

pub mod search;
pub mod translit;

pub use search::{NameIndex, NameMatch};
