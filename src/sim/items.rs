//! One item of a column: its detail path and list link as the column's template writes them,
//! its list text, and what its title says about the policy it concerns.

use chrono::{Datelike, NaiveDate, NaiveTime};

use super::model::{HanwebIds, SimItem, Template};
use super::rng::SplitMix64;

/// One article of a column: its path and list link follow the column's template.
#[allow(clippy::too_many_arguments)]
pub(crate) fn make_item(
    template: Template,
    dir: &str,
    hanweb: Option<HanwebIds>,
    date: NaiveDate,
    title: String,
    doc_no: Option<String>,
    doc_id: u64,
    rng: &mut SplitMix64,
) -> SimItem {
    let time = NaiveTime::from_hms_opt(rng.range(8, 17) as u32, (rng.below(12) * 5) as u32, 0)
        .unwrap_or_default();
    let (y, m, dd) = (date.year(), date.month(), date.day());
    let (path, href) = match template {
        Template::Trs => {
            let rel = format!("{y:04}{m:02}/t{y:04}{m:02}{dd:02}_{doc_id}.html");
            (format!("{dir}{rel}"), format!("./{rel}"))
        }
        Template::UrlDate => {
            let p = format!("{dir}{y:04}{m:02}/t{y:04}{m:02}{dd:02}_{doc_id}.html");
            (p.clone(), p)
        }
        Template::DetailMeta => {
            let p = format!("{dir}{y:04}{m:02}/abc{doc_id}.html");
            (p.clone(), p)
        }
        Template::Table => {
            let p = format!("{dir}content_{doc_id}.html");
            (p.clone(), p)
        }
        Template::Hanweb => {
            let colid = hanweb.map(|h| h.column_id).unwrap_or_default();
            let p = format!("/art/{y}/{m}/{dd}/art_{colid}_{doc_id}.html");
            (p.clone(), p)
        }
    };
    let list_text = list_text(template, &title);
    SimItem {
        title,
        list_text,
        date,
        time,
        doc_id,
        path,
        href,
        doc_no,
    }
}

/// The link text a list of `template` shows for a title: TRS and Hanweb lists truncate it.
pub(crate) fn list_text(template: Template, title: &str) -> String {
    match template {
        Template::Trs | Template::Hanweb => truncated(title),
        _ => title.to_owned(),
    }
}

/// A title cut for a list: long titles are cut to 26 characters plus "…".
fn truncated(title: &str) -> String {
    if title.chars().count() > 28 {
        let mut t: String = title.chars().take(26).collect();
        t.push('…');
        t
    } else {
        title.to_owned()
    }
}

/// Whether the demo's design gives a policy a 政策解读: every one but a repeal.
pub(crate) fn needs_interpretation(title: &str) -> bool {
    !title.contains("废止")
}

/// What a policy is called: the name inside its 《》, else its whole title.
pub(crate) fn policy_subject(title: &str) -> String {
    match (title.find('《'), title.find('》')) {
        (Some(a), Some(b)) if a < b => title[a + '《'.len_utf8()..b].to_owned(),
        _ => title.to_owned(),
    }
}

/// The name inside a title's first 《》.
pub(crate) fn policy_named(title: &str) -> Option<String> {
    let (_, rest) = title.split_once('《')?;
    let (name, _) = rest.split_once('》')?;
    Some(name.to_owned())
}
