//! Attachments: arbitrary bytes through `content::read_attachment` under small limits.
//!
//! Input layout: byte 0 chooses the file name the bytes are offered under (the hint for bytes
//! without a signature); the rest is the file. Seeds (`fuzz/seeds/attachment/`) are real files
//! of every format from `sim::attachments`, written by the ignored test
//! `content::attachment::tests::write_fuzz_seeds`.

#![no_main]

use gkwatch::content::privacy::Block;
use gkwatch::content::{Limits, NotScanned, read_attachment};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 9] = [
    "a.xlsx", "a.xls", "a.ods", "a.docx", "a.pdf", "a.txt", "a.csv", "a.doc", "download",
];

const LIMITS: Limits = Limits {
    max_bytes: 1 << 20,
    max_unpacked: 8 << 20,
    max_area: 200_000,
    max_cells: 50_000,
    max_lines: 20_000,
    max_pages: 50,
};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    match read_attachment(name, None, bytes, &LIMITS) {
        Ok(att) => {
            let (mut cells, mut lines) = (0usize, 0usize);
            for b in &att.blocks {
                match b {
                    Block::Text(t) => lines += t.lines().count(),
                    Block::Table(rows) => cells += rows.iter().map(Vec::len).sum::<usize>(),
                }
            }
            assert!(cells <= LIMITS.max_cells, "{cells} cells");
            assert!(lines <= LIMITS.max_lines, "{lines} lines");
        }
        // A reader's panic, caught and turned into "corrupt": a finding all the same.
        Err(NotScanned::Corrupt {
            what: "the reader failed on it",
            format,
        }) => panic!("a reader panicked on a {format}"),
        Err(e) => {
            let _ = (e.to_string(), e.reason().as_str(), e.reason().label());
        }
    }
});
