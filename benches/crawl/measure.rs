//! Measurements of this process (CPU time, resident memory, from `/proc/self`) and the
//! statistics over runs and repetitions (median and range, rounding for the JSON lines).

use std::time::Duration;

/// CPU seconds (user + system) this process has used, from `/proc/self/stat` (clock ticks of
/// 1/100 s, the `USER_HZ` of every Linux on x86 and ARM).
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // The command name is in parentheses and may hold spaces: count fields after it.
    let Some(rest) = stat.rfind(')').and_then(|i| stat.get(i + 1..)) else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// A `/proc/self/status` field (`VmHWM`, `VmRSS`) in MiB; NaN where it cannot be read.
pub fn status_mib(field: &str) -> f64 {
    let kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .strip_prefix(':')?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
        });
    kib.map_or(f64::NAN, |k| k as f64 / 1024.0)
}

/// Resets the peak RSS (`VmHWM`) to the current RSS; false where the kernel refuses.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Median and range of a measurement over the runs.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

pub fn spread(values: impl IntoIterator<Item = f64>) -> Spread {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    let median = match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Spread {
        median,
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = if self.median.abs() >= 100.0 { 0 } else { 2 };
        if self.min == self.max {
            write!(f, "{:.p$}", self.median)
        } else {
            write!(f, "{:.p$} ({:.p$}–{:.p$})", self.median, self.min, self.max)
        }
    }
}

/// Median of durations in seconds (zero for none; the upper one of an even count).
pub fn median_s(d: &[Duration]) -> f64 {
    let mut v = d.to_vec();
    v.sort();
    v.get(v.len() / 2)
        .copied()
        .unwrap_or_default()
        .as_secs_f64()
}

/// `x` rounded to `digits` decimals, for the JSON lines.
pub fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}
