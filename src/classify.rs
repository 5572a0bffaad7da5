//! Classification: which disclosure categories an item belongs to, and why.
//!
//! Pure: a title, the categories its column declares and the catalog in; categories with the
//! pattern (or the column) that put each one there out, so every decision can be explained.

use serde::Serialize;

use crate::catalog::Catalog;

/// Why an item has a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub category: String,
    /// The include pattern that matched, or `column:ID` for a column's declared category.
    pub pattern: String,
}

/// An item's categories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Category ids, in catalog order.
    pub categories: Vec<String>,
    pub matched: Vec<Match>,
}

/// The column an item was found in, as a prior: a column dedicated to one category (a
/// 财政预决算 column) lends it to every item that no exclude pattern rules out.
#[derive(Debug, Clone, Copy)]
pub struct ColumnPrior<'a> {
    pub id: &'a str,
    pub categories: &'a [String],
}

/// A fingerprint of everything classification depends on: the catalog's patterns and the
/// columns' declared categories. Stored items are reclassified when it changes.
pub fn fingerprint<'a>(
    catalog: &Catalog,
    columns: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> String {
    let mut text = String::new();
    for cat in &catalog.categories {
        text.push_str(&cat.id);
        for re in &cat.include {
            text.push('\u{1}');
            text.push_str(re.as_str());
        }
        for re in &cat.exclude {
            text.push('\u{2}');
            text.push_str(re.as_str());
        }
        text.push('\n');
    }
    let mut cols: Vec<_> = columns.into_iter().collect();
    cols.sort();
    for (id, cats) in cols {
        text.push_str(id);
        text.push('=');
        text.push_str(&cats.join(","));
        text.push('\n');
    }
    format!("{:016x}", crate::util::fnv1a(text.as_bytes()))
}

/// Classifies one title.
pub fn classify(title: &str, column: Option<ColumnPrior<'_>>, catalog: &Catalog) -> Classification {
    let dedicated = column.and_then(|c| match c.categories {
        [only] => Some((c.id, only.as_str())),
        _ => None,
    });
    let mut out = Classification::default();
    for cat in &catalog.categories {
        if cat.exclude.iter().any(|re| re.is_match(title)) {
            continue;
        }
        let pattern = cat
            .include
            .iter()
            .find(|re| re.is_match(title))
            .map(|re| re.as_str().to_string())
            .or_else(|| match dedicated {
                Some((col, id)) if id == cat.id => Some(format!("column:{col}")),
                _ => None,
            });
        if let Some(pattern) = pattern {
            out.categories.push(cat.id.clone());
            out.matched.push(Match {
                category: cat.id.clone(),
                pattern,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;
    use crate::catalog::Category;

    fn cat(id: &str, include: &[&str], exclude: &[&str]) -> Category {
        let re = |p: &&str| Regex::new(p).expect("test regex");
        Category {
            id: id.into(),
            name: id.into(),
            tasks: vec![],
            include: include.iter().map(re).collect(),
            exclude: exclude.iter().map(re).collect(),
            expect: None,
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            categories: vec![
                cat("budget_final", &["部门预算", "部门决算"], &["审计"]),
                cat("policy_interpretation", &["解读", "一图读懂"], &[]),
                cat("enterprise_policy", &["企业"], &[]),
            ],
            tasks: vec![],
        }
    }

    #[test]
    fn patterns_include_exclude_and_explain() {
        let c = catalog();
        let got = classify("关于《洮北区支持中小企业发展若干措施》的解读", None, &c);
        assert_eq!(
            got.categories,
            ["policy_interpretation", "enterprise_policy"]
        );
        assert_eq!(got.matched[0].pattern, "解读");
        assert!(
            classify("区财政局2023年部门预算执行审计报告", None, &c)
                .categories
                .is_empty()
        );
        assert!(classify("区长调研春耕生产", None, &c).categories.is_empty());
    }

    #[test]
    fn a_dedicated_column_lends_its_category() {
        let c = catalog();
        let declared = vec!["budget_final".to_string()];
        let prior = ColumnPrior {
            id: "czj-yjs",
            categories: &declared,
        };
        let got = classify("洮北区2023年“三公”经费说明", Some(prior), &c);
        assert_eq!(got.categories, ["budget_final"]);
        assert_eq!(got.matched[0].pattern, "column:czj-yjs");
        // An exclude still wins.
        assert!(
            classify("预算执行审计结果", Some(prior), &c)
                .categories
                .is_empty()
        );
        // A column that declares several categories lends none.
        let many = vec!["budget_final".to_string(), "enterprise_policy".to_string()];
        let prior = ColumnPrior {
            id: "x",
            categories: &many,
        };
        assert!(classify("通知", Some(prior), &c).categories.is_empty());
    }
}
