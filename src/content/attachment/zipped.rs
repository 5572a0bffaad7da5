//! Zip containers (docx, xlsx, ods): every entry inflated once under the cap before a reader
//! opens the file, so no reader meets a zip bomb; entries read back under the same cap.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use super::{Limits, NotScanned};

/// What a zip holds.
pub(super) struct Listing {
    pub names: Vec<String>,
    /// Some entry needs a password.
    pub encrypted: bool,
}

fn open<'a>(
    bytes: &'a [u8],
    format: &'static str,
) -> Result<ZipArchive<Cursor<&'a [u8]>>, NotScanned> {
    ZipArchive::new(Cursor::new(bytes)).map_err(|_| NotScanned::Corrupt {
        format,
        what: "its zip directory does not read",
    })
}

/// The entries' names, each entry inflated (and dropped) with the total held to
/// `limits.max_unpacked`.
pub(super) fn check(bytes: &[u8], limits: &Limits) -> Result<Listing, NotScanned> {
    let mut zip = open(bytes, "zip")?;
    let mut listing = Listing {
        names: Vec::with_capacity(zip.len().min(10_000)),
        encrypted: false,
    };
    let mut left = limits.max_unpacked;
    for i in 0..zip.len() {
        let entry = match zip.by_index(i) {
            Ok(entry) => entry,
            Err(ZipError::UnsupportedArchive(msg)) if msg == ZipError::PASSWORD_REQUIRED => {
                listing.encrypted = true;
                continue;
            }
            Err(_) => {
                return Err(NotScanned::Corrupt {
                    format: "zip",
                    what: "an entry does not read",
                });
            }
        };
        listing
            .names
            .push(entry.name().map(|n| n.into_owned()).unwrap_or_default());
        if entry.is_dir() {
            continue;
        }
        let n = inflate(entry, left, &mut std::io::sink())?;
        left -= n;
    }
    Ok(listing)
}

/// Copies at most `left` bytes of `entry` into `into`; more is a bomb.
fn inflate(entry: impl Read, left: u64, into: &mut impl std::io::Write) -> Result<u64, NotScanned> {
    let mut limited = entry.take(left.saturating_add(1));
    let n = std::io::copy(&mut limited, into).map_err(|_| NotScanned::Corrupt {
        format: "zip",
        what: "an entry does not inflate",
    })?;
    if n > left {
        return Err(NotScanned::Unpacks {
            format: "zip",
            limit: left,
        });
    }
    Ok(n)
}

/// One entry's bytes (`None` when absent), under the cap.
pub(super) fn entry(
    bytes: &[u8],
    name: &str,
    format: &'static str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, NotScanned> {
    let mut zip = open(bytes, format)?;
    let Ok(file) = zip.by_name(name) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    inflate(file, limits.max_unpacked, &mut out)?;
    Ok(Some(out))
}
