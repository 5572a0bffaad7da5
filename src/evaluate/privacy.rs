//! Personal data published: one `privacy_leak` finding per item whose page shows 身份证,
//! bank-card or personal mobile numbers in full, or masks that leave too much readable.
//!
//! Severity by count and by names beside them: high for many numbers (a list) or an ID or
//! card number beside a name; medium for other numbers in full; low when only a mask is too
//! weak. Messages carry masked samples only.

use std::collections::BTreeMap;

use crate::content::PiiKind;
use crate::types::finding::{
    AttachmentUnreachable, BrokenAttachment, PrivacyCount, PrivacyLeak, PrivacyPlace,
};
use crate::types::{BrokenAttachmentFacts, Evidence, Facts, Finding, PrivacyFacts, Severity};

/// The seed task that forbids leaking personal privacy (坚决防止…泄露个人隐私).
pub const PRIVACY_TASK: u32 = 34;

/// Numbers in full on one item from which it is a list of persons: high severity.
pub const LIST_SIZE: u64 = 5;

/// Masked samples a finding shows.
const SAMPLES: usize = 3;

/// Places a finding names.
const PLACES: usize = 5;

pub(super) fn judge(facts: &Facts, out: &mut Vec<Finding>) {
    out.extend(facts.privacy.iter().filter_map(finding));
    out.extend(facts.broken_attachments.iter().map(broken_attachments));
}

/// `attachment_unreachable`: one finding per item whose page links attachments that could not
/// be downloaded at its last scan (a 404 on the department's own site, most often).
fn broken_attachments(item: &BrokenAttachmentFacts) -> Finding {
    let n = item.attachments.len();
    let first = item
        .attachments
        .first()
        .map(|(url, why)| format!("{url}（{why}）"))
        .unwrap_or_default();
    let more = if n > 1 {
        format!("等{n}个附件")
    } else {
        String::new()
    };
    Finding {
        key: format!("attachment_unreachable:{}", item.url),
        department: item.department.to_string(),
        column: Some(item.column_id.to_string()),
        task: None,
        severity: Severity::Medium,
        message: format!(
            "【{}】《{}》页面所附的附件无法下载：{first}{more}。请检查附件链接，重新上传缺失的附件。",
            item.department, item.title
        ),
        evidence: Evidence::AttachmentUnreachable(AttachmentUnreachable {
            title: item.title.clone(),
            url: item.url.clone(),
            attachments: item
                .attachments
                .iter()
                .map(|(url, reason)| BrokenAttachment {
                    url: url.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        }),
    }
}

fn count_of(kinds: &BTreeMap<PiiKind, u64>) -> Vec<PrivacyCount> {
    kinds
        .iter()
        .map(|(k, n)| PrivacyCount {
            kind: k.as_str().to_string(),
            label: k.label().to_string(),
            count: *n,
        })
        .collect()
}

fn finding(item: &PrivacyFacts) -> Option<Finding> {
    let mut full: BTreeMap<PiiKind, u64> = BTreeMap::new();
    let mut weak: BTreeMap<PiiKind, u64> = BTreeMap::new();
    let mut places: Vec<PrivacyPlace> = Vec::new();
    let mut samples: Vec<String> = Vec::new();
    let mut near_name = 0u64;
    let mut named_id_or_card = false;
    for h in &item.hits {
        let Some(kind) = PiiKind::parse(&h.kind) else {
            continue;
        };
        if h.weak {
            *weak.entry(kind).or_default() += 1;
        } else {
            *full.entry(kind).or_default() += 1;
            if h.near_name {
                near_name += 1;
                named_id_or_card |= kind != PiiKind::Mobile;
            }
        }
        match places
            .iter_mut()
            .find(|p| p.url == h.source_url && p.place == h.place)
        {
            Some(p) => p.count += 1,
            None => places.push(PrivacyPlace {
                url: h.source_url.clone(),
                place: h.place.clone(),
                count: 1,
            }),
        }
        if samples.len() < SAMPLES && !samples.contains(&h.masked) {
            samples.push(h.masked.clone());
        }
    }
    let total: u64 = full.values().sum();
    let weak_total: u64 = weak.values().sum();
    if total + weak_total == 0 {
        return None;
    }
    places.sort_by_key(|p| std::cmp::Reverse(p.count));
    let more_places = places.len().saturating_sub(PLACES);
    places.truncate(PLACES);
    let severity = if total >= LIST_SIZE || named_id_or_card {
        Severity::High
    } else if total > 0 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let describe = |kinds: &BTreeMap<PiiKind, u64>| {
        kinds
            .iter()
            .map(|(k, n)| format!("{}{n}个", k.label()))
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut what = Vec::new();
    if total > 0 {
        what.push(format!("未脱敏的{}", describe(&full)));
    }
    if weak_total > 0 {
        what.push(format!("脱敏不足的{}", describe(&weak)));
    }
    let mut where_ = places
        .iter()
        .map(|p| format!("{}（{}处）", p.place, p.count))
        .collect::<Vec<_>>()
        .join("、");
    if more_places > 0 {
        where_.push_str(&format!("等{}处位置", places.len() + more_places));
    }
    let named = if near_name > 0 {
        format!("，其中{near_name}个与姓名同列或相邻")
    } else {
        String::new()
    };
    let message = format!(
        "【{}】《{}》公开的页面含{}{}，位于{}（示例：{}）。请立即撤下或对相关号码脱敏处理（身份证号仅保留前4位和后4位、手机号仅保留前3位和后4位）后重新发布。",
        item.department,
        item.title,
        what.join("，"),
        named,
        where_,
        samples.join("，"),
    );
    Some(Finding {
        key: format!("privacy_leak:{}", item.url),
        department: item.department.to_string(),
        column: Some(item.column_id.to_string()),
        task: Some(PRIVACY_TASK),
        severity,
        message,
        evidence: Evidence::PrivacyLeak(PrivacyLeak {
            title: item.title.clone(),
            url: item.url.clone(),
            published: item.published,
            counts: count_of(&full),
            weak_masks: count_of(&weak),
            near_name,
            places,
            samples,
        }),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::types::PrivacyHitFact;

    fn hit(kind: &str, weak: bool, place: &str, near_name: bool) -> PrivacyHitFact {
        PrivacyHitFact {
            source_url: "http://x.gov.cn/a.html".into(),
            kind: kind.into(),
            weak,
            masked: format!("2208**********{:04}", place.len()),
            place: place.into(),
            near_name,
        }
    }

    fn item(hits: Vec<PrivacyHitFact>) -> PrivacyFacts {
        PrivacyFacts {
            item_id: 1,
            column_id: Arc::from("c"),
            department: Arc::from("区民政局"),
            title: "低保公示".into(),
            url: "http://x.gov.cn/a.html".into(),
            published: None,
            hits,
        }
    }

    #[test]
    fn severity_follows_count_and_names() {
        let cases: Vec<(Vec<PrivacyHitFact>, Option<Severity>)> = vec![
            (vec![], None),
            (
                vec![hit("mobile", false, "正文第2行", false)],
                Some(Severity::Medium),
            ),
            (
                vec![hit("id_card", false, "正文第2行", true)],
                Some(Severity::High),
            ),
            (
                vec![hit("mobile", false, "正文第2行", true)],
                Some(Severity::Medium),
            ),
            (
                vec![hit("id_card", true, "正文第2行", false)],
                Some(Severity::Low),
            ),
            (
                (0..5)
                    .map(|_| hit("mobile", false, "表格「电话」列", false))
                    .collect(),
                Some(Severity::High),
            ),
        ];
        for (hits, want) in cases {
            let got = finding(&item(hits)).map(|f| f.severity);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn counts_places_and_samples_are_summed_and_masked() {
        let f = finding(&item(vec![
            hit("id_card", false, "表格「身份证号码」列", true),
            hit("id_card", false, "表格「身份证号码」列", true),
            hit("bank_card", false, "表格「银行卡号」列", true),
            hit("mobile", true, "正文第3行", false),
        ]))
        .expect("a finding");
        let Evidence::PrivacyLeak(e) = &f.evidence else {
            panic!("kind")
        };
        assert_eq!(e.total(), 3);
        assert_eq!(e.weak_total(), 1);
        assert_eq!(e.near_name, 3);
        assert_eq!(e.places[0].count, 2);
        assert!(f.message.contains("身份证号码2个"), "{}", f.message);
        assert!(f.message.contains("脱敏不足"), "{}", f.message);
        assert!(e.samples.iter().all(|s| s.contains('*')));
        assert_eq!(f.key, "privacy_leak:http://x.gov.cn/a.html");
    }
}
