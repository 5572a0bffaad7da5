//! The columns each department found is expected to keep (its 年报, its 指南, a column for each
//! category it leads in the task list) that onboarding did not find on its sub-site.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::catalog::expected::{
    DepartmentName, ExpectedColumn, HaveColumn, expected_columns, uncovered,
};

use super::FoundColumn;

/// A department found, and the expected columns none of its found columns covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnGap {
    pub department: String,
    pub missing: Vec<ExpectedColumn>,
}

/// A department the targets files already know: its name and aliases.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownDepartment {
    pub name: String,
    pub aliases: Vec<String>,
}

/// For every department in `found` (in order of first appearance), the expected columns it
/// lacks. A department is matched to the task list by its name, the name with the district's
/// own name shortened (`洮北区财政局` → `区财政局`), or a known department's name or aliases.
pub fn expected_gaps(
    found: &[FoundColumn],
    catalog: &Catalog,
    known: &[KnownDepartment],
    district: &str,
) -> Vec<ColumnGap> {
    let mut departments: Vec<&str> = Vec::new();
    for d in found.iter().filter_map(|c| c.department.as_deref()) {
        if !departments.contains(&d) {
            departments.push(d);
        }
    }
    departments
        .into_iter()
        .map(|d| {
            let Resolved { name, aliases } = resolve_department(d, known, district);
            let expected = expected_columns(
                catalog,
                &[DepartmentName {
                    name: &name,
                    aliases: &aliases,
                }],
            );
            let have: Vec<HaveColumn> = found
                .iter()
                .filter(|c| c.department.as_deref() == Some(d))
                .map(|c| HaveColumn {
                    name: c.name.clone(),
                    categories: c.categories.clone(),
                })
                .collect();
            let missing = expected
                .first()
                .map(|e| uncovered(&e.columns, &have).into_iter().cloned().collect())
                .unwrap_or_default();
            ColumnGap {
                department: name.clone(),
                missing,
            }
        })
        .collect()
}

/// A department as the targets file and the task list name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// A known department's name, else the page's name with the district shortened
    /// (`洮北区财政局` → `区财政局`, as the task list writes its 责任单位).
    pub name: String,
    /// The known department's aliases, and the page's own name when it differs.
    pub aliases: Vec<String>,
}

/// The department a page calls `found`: a known department whose name or alias is `found`
/// or its shortened form, else a new one named the task list's way.
pub fn resolve_department(found: &str, known: &[KnownDepartment], district: &str) -> Resolved {
    let short = shorten(found, district);
    let names = [found, short.as_str()];
    let entry = known.iter().find(|k| {
        names
            .iter()
            .any(|n| k.name == *n || k.aliases.iter().any(|a| a == n))
    });
    let name = entry.map_or_else(|| short.clone(), |k| k.name.clone());
    let mut aliases: Vec<String> = entry.map(|k| k.aliases.clone()).unwrap_or_default();
    for n in names {
        if n != name && !aliases.iter().any(|a| a == n) {
            aliases.push(n.to_string());
        }
    }
    Resolved { name, aliases }
}

/// `洮北区财政局` → `区财政局` for the district `洮北区`; other names as they are.
fn shorten(name: &str, district: &str) -> String {
    let unit = district
        .chars()
        .last()
        .map(String::from)
        .unwrap_or_default();
    match name.strip_prefix(district) {
        Some(rest) if !rest.is_empty() && !district.is_empty() => format!("{unit}{rest}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(department: &str, name: &str, categories: &[&str]) -> FoundColumn {
        FoundColumn {
            department: Some(department.into()),
            department_home: None,
            name: name.into(),
            url: format!("http://x.example/{name}/"),
            kind: "list",
            profile: Some("trs_list".into()),
            categories: categories.iter().map(|s| s.to_string()).collect(),
            categories_from: "name",
            newest: None,
            items: 3,
            confidence: 0.9,
            unsure: Vec::new(),
            reason: String::new(),
            depth: 2,
        }
    }

    #[test]
    fn a_department_is_told_what_it_leads_and_lacks_by_any_of_its_names() {
        let catalog = crate::config::load_catalog(None).expect("catalog");
        let found = vec![
            column("洮北区财政局", "政府信息公开年报", &["annual_report"]),
            column("洮北区财政局", "财政预决算", &["budget_final"]),
            column("洮北区文化广电和旅游局", "政府信息公开指南", &[]),
        ];
        let known = vec![KnownDepartment {
            name: "区文旅局".into(),
            aliases: vec!["洮北区文化广电和旅游局".into()],
        }];
        let gaps = expected_gaps(&found, &catalog, &known, "洮北区");
        let keys = |d: &str| -> Vec<String> {
            gaps.iter()
                .find(|g| g.department == d)
                .map(|g| g.missing.iter().map(|e| e.key.clone()).collect())
                .unwrap_or_default()
        };
        // Named as the task list (区财政局) and the targets file (区文旅局) name them.
        let finance = keys("区财政局");
        // Found: its 年报 and its 预决算 (it leads task 2); not found: its 指南.
        assert!(
            !finance.contains(&"annual_report".to_string()),
            "{finance:?}"
        );
        assert!(
            !finance.contains(&"budget_final".to_string()),
            "{finance:?}"
        );
        assert!(
            finance.contains(&"disclosure_guide".to_string()),
            "{finance:?}"
        );
        let culture = keys("区文旅局");
        assert!(
            culture.contains(&"annual_report".to_string()),
            "{culture:?}"
        );
        assert!(
            !culture.contains(&"disclosure_guide".to_string()),
            "{culture:?}"
        );
        assert_eq!(gaps.len(), 2);
    }

    #[test]
    fn a_known_department_keeps_its_name_and_a_new_one_is_named_the_task_lists_way() {
        let known = vec![KnownDepartment {
            name: "区政府办".into(),
            aliases: vec!["洮北区人民政府办公室".into()],
        }];
        let r = resolve_department("洮北区人民政府办公室", &known, "洮北区");
        assert_eq!(r.name, "区政府办");
        assert_eq!(r.aliases, ["洮北区人民政府办公室", "区人民政府办公室"]);
        let r = resolve_department("洮北区卫生健康局", &known, "洮北区");
        assert_eq!(r.name, "区卫生健康局");
        assert_eq!(r.aliases, ["洮北区卫生健康局"]);
    }

    #[test]
    fn the_districts_name_shortens_to_its_unit() {
        assert_eq!(shorten("洮北区财政局", "洮北区"), "区财政局");
        assert_eq!(shorten("白城市财政局", "洮北区"), "白城市财政局");
        assert_eq!(shorten("洮北区", "洮北区"), "洮北区");
    }
}
