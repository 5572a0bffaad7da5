//! The item's context as a prior: the department it belongs to (by its name's field) and the
//! column's name lend a category to titles whose wording is ambiguous on its own (执法, 处罚,
//! 监测, 检查 …), the way a column dedicated to one category lends it.
//!
//! Only fields where the labelled titles show the rule holds are listed (see tests/data/README.md,
//! "Context"): a 生态环境厅/局 item about 执法 or 监测 is environmental, and a 农业农村局 item
//! about a 补贴 or 补助 is an agricultural subsidy. A 市场监管局 item about 抽检 or 监测 is not
//! reliably food safety, nor a 民政局 or 人社局 item about 资金 a welfare or employment one, so
//! those are not lent.

/// One field: what in a department's (or column's) name shows it, the category it lends, and
/// the ambiguous words a title must hold for the category to be lent.
struct Field {
    names: &'static [&'static str],
    category: &'static str,
    words: &'static [&'static str],
}

const FIELDS: &[Field] = &[
    Field {
        names: &["生态环境", "环境保护", "环保"],
        category: "environment",
        words: &[
            "执法",
            "处罚",
            "监测",
            "检查",
            "监管",
            "监督",
            "双随机",
            "规范性文件",
            "许可",
            "审批",
            "督察",
            "信用",
            "案件",
            "标准",
        ],
    },
    Field {
        names: &["农业农村"],
        category: "agri_subsidy",
        words: &["补贴", "补助", "奖补"],
    },
];

/// The categories `title` is lent by a department or column called `name`, with the pattern
/// that explains it (`{kind}:{name}`, e.g. `department:区生态环境局`).
pub(super) fn lent<'a>(
    title: &'a str,
    kind: &'static str,
    name: &'a str,
) -> impl Iterator<Item = (&'static str, String)> + 'a {
    FIELDS
        .iter()
        .filter(move |f| {
            !name.is_empty()
                && f.names.iter().any(|n| name.contains(n))
                && f.words.iter().any(|w| title.contains(w))
        })
        .map(move |f| (f.category, format!("{kind}:{name}")))
}

/// The table as text, for the classification fingerprint.
pub(super) fn describe() -> String {
    FIELDS
        .iter()
        .map(|f| format!("{}={}/{}", f.category, f.names.join(","), f.words.join(",")))
        .collect::<Vec<_>>()
        .join(";")
}
