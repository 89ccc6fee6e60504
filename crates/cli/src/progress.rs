//! Progress bars for long work (on standard error, hidden when it is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

pub struct Bytes(pub ProgressBar);

impl Bytes {
    pub fn new(total: u64, message: &str) -> Self {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message.to_string());
        Bytes(bar)
    }
}

impl evac_osm::ReadProgress for Bytes {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}
