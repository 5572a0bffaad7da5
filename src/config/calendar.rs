//! The working-day calendar in force: the shipped one, with the office's holidays file for the
//! years it lacks (`calendar_file`, or `/etc/gkwatch/holidays.txt` when present), so next year's
//! 国务院办公厅 notice can be added without a rebuild.

use std::path::Path;

use super::error::{ConfigError, Problem};
use super::settings::DEFAULT_CALENDAR_FILE;
use crate::calendar::Calendar;

/// The shipped calendar with `file` (which must exist), or with the default holidays file when
/// it exists, or alone.
pub fn load_calendar(file: Option<&Path>) -> Result<Calendar, ConfigError> {
    let default = Path::new(DEFAULT_CALENDAR_FILE);
    let path = match file {
        Some(path) => path,
        None if default.is_file() => default,
        None => return Ok(Calendar::china().clone()),
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Calendar::china().with(&text).map_err(|e| {
        ConfigError::Invalid(vec![Problem {
            file: path.to_path_buf(),
            // The message names the line.
            line: None,
            key: String::new(),
            message: e.to_string(),
        }])
    })
}
