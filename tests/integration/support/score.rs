//! Per-category precision and recall of the classifier against labelled titles.

use std::collections::{BTreeMap, BTreeSet};

/// Counts per category: true positives, false positives, false negatives.
#[derive(Debug, Default)]
pub struct Scores {
    per: BTreeMap<String, (u32, u32, u32)>,
    pub titles: usize,
}

impl Scores {
    /// One title: its gold labels, what the classifier said, and labels that are not wrong
    /// though not gold (`also_ok`: neither counted for nor against).
    pub fn add(&mut self, truth: &BTreeSet<&str>, got: &BTreeSet<&str>, also_ok: &BTreeSet<&str>) {
        self.titles += 1;
        for id in truth.union(got) {
            let e = self.per.entry(id.to_string()).or_default();
            match (truth.contains(id), got.contains(id)) {
                (true, true) => e.0 += 1,
                (false, true) if !also_ok.contains(id) => e.1 += 1,
                (true, false) => e.2 += 1,
                _ => {}
            }
        }
    }

    /// Prints the table under `heading` and returns micro precision and recall.
    pub fn report(&self, heading: &str) -> (f64, f64) {
        report!("{heading}");
        report!(
            "  {:26} {:>4} {:>9} {:>7}",
            "category",
            "n",
            "precision",
            "recall"
        );
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (id, (t, f, n)) in &self.per {
            report!(
                "  {id:26} {:>4} {:>9.3} {:>7.3}",
                t + n,
                ratio(*t, *f),
                ratio(*t, *n)
            );
            tp += t;
            fp += f;
            fn_ += n;
        }
        let (p, r) = (ratio(tp, fp), ratio(tp, fn_));
        report!("  overall (micro): precision {p:.3}, recall {r:.3}");
        (p, r)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if a + b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(a + b)
    }
}
