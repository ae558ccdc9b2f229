//! Edits a file from a `Read + Seek` to a `Write` with `albumen_edit::edit_stream`: shifts the
//! capture time by the given number of minutes and adds a keyword. A movie's media data is
//! copied in blocks, never held: `/usr/bin/time -v` shows the memory it takes.
//!
//! `cargo run --release -p albumen-edit --example stream -- IN OUT [MINUTES]`

use std::fs::File;
use std::io::BufWriter;

use albumen_edit::{edit_stream, Edit, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        return Err("usage: stream IN OUT [MINUTES]".into());
    };
    let minutes: i64 = args.get(2).map(|m| m.parse()).transpose()?.unwrap_or(60);
    let edits = [
        Edit::ShiftTime(chrono::Duration::minutes(minutes)),
        Edit::AddKeyword("streamed".into()),
    ];
    let report = edit_stream(
        File::open(input)?,
        BufWriter::new(File::create(output)?),
        &edits,
        &Options::default(),
    )?;
    println!(
        "{}: {} bytes written, changed {:?}",
        report.plan.format_name, report.file_bytes_written, report.plan.changed
    );
    Ok(())
}
