//! Helpers shared by integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the real `towncockpit` binary on the database at `db`.
pub fn cli(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the towncockpit binary runs")
}
