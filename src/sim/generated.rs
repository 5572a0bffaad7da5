//! The generated districts of the benchmarks: any number of departments and columns drawn
//! from a pool of real-sounding ones, deterministic in a seed.

use chrono::NaiveDate;

use super::builder::{Builder, ColumnSpec};
use super::model::{
    Behaviour, GbkMode, HANWEB_PER_PAGE, HanwebIds, SimSite, Template, with_district,
};
use super::titles::TitleKind;
use crate::util::fnv1a;

/// Departments the generated sites draw from: name, path prefix, document-number prefix.
const GEN_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("区政府办", "zfb", "洮北政办"),
    ("区发展和改革局", "fgj", "洮北发改"),
    ("区教育局", "jyj", "洮北教"),
    ("区科技和工业信息化局", "kgj", "洮北科工"),
    ("区民政局", "mzj", "洮北民"),
    ("区司法局", "sfj", "洮北司"),
    ("区财政局", "czj", "洮北财"),
    ("区人社局", "rsj", "洮北人社"),
    ("区自然资源局", "zrj", "洮北自然"),
    ("区住房和城乡建设局", "zjj", "洮北住建"),
    ("区交通运输局", "jtj", "洮北交"),
    ("区水利局", "slj", "洮北水"),
    ("区农业农村局", "nyj", "洮北农"),
    ("区商务局", "swj", "洮北商"),
    ("区文化广播电视和旅游局", "wlj", "洮北文旅"),
    ("区卫生健康局", "wjj", "洮北卫健"),
    ("区退役军人事务局", "tyj", "洮北退役"),
    ("区应急管理局", "yjj", "洮北应急"),
    ("区审计局", "sjj", "洮北审"),
    ("区市场监督管理局", "scj", "洮北市监"),
    ("区统计局", "tjj", "洮北统"),
    ("区医疗保障局", "ybj", "洮北医保"),
    ("区林业局", "lyj", "洮北林"),
    ("区城市管理执法局", "cgj", "洮北城管"),
    ("区信访局", "xfj", "洮北信访"),
    ("区政务服务和数字化建设管理局", "zsj", "洮北政数"),
    ("区生态环境分局", "hbj", "洮北环"),
    ("平台镇人民政府", "ptz", "平台镇"),
    ("到保镇人民政府", "dbz", "到保镇"),
    ("林海镇人民政府", "lhz", "林海镇"),
    ("洮河镇人民政府", "thz", "洮河镇"),
    ("青山镇人民政府", "qsz", "青山镇"),
    ("岭下镇人民政府", "lxz", "岭下镇"),
    ("东风乡人民政府", "dfx", "东风乡"),
    ("三合乡人民政府", "shx", "三合乡"),
    ("东胜乡人民政府", "dsx", "东胜乡"),
    ("金祥乡人民政府", "jxx", "金祥乡"),
    ("德顺蒙古族乡人民政府", "dsmx", "德顺乡"),
    ("新华街道办事处", "xhjd", "新华街"),
    ("明仁街道办事处", "mrjd", "明仁街"),
    ("铁东街道办事处", "tdjd", "铁东街"),
    ("海明街道办事处", "hmjd", "海明街"),
    ("长庆街道办事处", "cqjd", "长庆街"),
    ("瑞光街道办事处", "rgjd", "瑞光街"),
    ("新立街道办事处", "xljd", "新立街"),
    ("保胜街道办事处", "bsjd", "保胜街"),
];

/// Columns the generated sites draw from: name, id/directory key, kind.
const GEN_COLUMNS: &[(&str, &str, TitleKind)] = &[
    ("通知公告", "tzgg", TitleKind::Notice),
    ("政策解读", "zcjd", TitleKind::PolicyInterp),
    ("财政预决算", "yjs", TitleKind::Budget),
    ("政府采购", "zfcg", TitleKind::Procurement),
    ("行政规范性文件", "gfxwj", TitleKind::NormativeDoc),
    ("行政处罚", "xzcf", TitleKind::Penalty),
    ("行政许可", "xzxk", TitleKind::Licensing),
    ("规划计划", "ghjh", TitleKind::Planning),
    ("工作动态", "gzdt", TitleKind::WorkNews),
    ("人事信息", "rsxx", TitleKind::Personnel),
    ("收费项目", "sfxm", TitleKind::Fees),
    ("政府信息公开年报", "ndbg", TitleKind::AnnualReport),
    ("就业创业", "jycy", TitleKind::Employment),
    ("社会救助", "shjz", TitleKind::SocialAssistance),
    ("养老服务", "ylfw", TitleKind::ElderlyCare),
    ("招生信息", "zsxx", TitleKind::Enrollment),
];

impl SimSite {
    /// A generated site for benchmarks: `departments` × `columns_per_department` columns of
    /// `pages_per_column` × `items_per_page` items, templates rotating TRS / table / Hanweb, about
    /// one column in seven GBK, pages padded to 22–52 KiB. Deterministic in `seed`.
    pub fn generated(
        today: NaiveDate,
        departments: usize,
        columns_per_department: usize,
        pages_per_column: usize,
        items_per_page: usize,
        seed: u64,
    ) -> SimSite {
        let mut b = Builder::new(today, seed, 10_000 + seed % 1000);
        let pool = GEN_DEPARTMENTS.len();
        for d in 0..departments {
            let (name, prefix, abbr) = GEN_DEPARTMENTS[d % pool];
            let round = d / pool;
            let (name, prefix) = if round == 0 {
                (name.to_owned(), prefix.to_owned())
            } else {
                (
                    format!("{name}（{}）", round + 1),
                    format!("{prefix}{}", round + 1),
                )
            };
            let alias = with_district(&name);
            b.department(&name, &prefix, abbr, &[alias.as_str()]);
        }
        let templates = [Template::Trs, Template::Table, Template::Hanweb];
        let gbk_modes = [GbkMode::HeaderOnly, GbkMode::MetaOnly, GbkMode::Undeclared];
        let mut k: usize = 0;
        for d in 0..departments {
            let prefix_key = b
                .departments
                .get(d)
                .map(|dep| dep.prefix.trim_matches('/').to_owned())
                .unwrap_or_default();
            for j in 0..columns_per_department {
                let (name, key, kind) = GEN_COLUMNS[(d * 3 + j) % GEN_COLUMNS.len()];
                let round = j / GEN_COLUMNS.len();
                let (name, key) = if round == 0 {
                    (name.to_owned(), key.to_owned())
                } else {
                    (
                        format!("{name}（{}）", round + 1),
                        format!("{key}{}", round + 1),
                    )
                };
                let template = templates[k % templates.len()];
                let gbk = if fnv1a(&(seed ^ k as u64).to_le_bytes()).is_multiple_of(7) {
                    gbk_modes[(k / 3) % gbk_modes.len()]
                } else {
                    GbkMode::No
                };
                let column_id = 5000 + k as u32;
                let (dir, hanweb, per_page) = if template == Template::Hanweb {
                    (
                        format!("col/col{column_id}/"),
                        Some(HanwebIds {
                            column_id,
                            unit_id: 30_000 + d as u32,
                        }),
                        HANWEB_PER_PAGE,
                    )
                } else {
                    (format!("zfxxgk/{key}/"), None, items_per_page)
                };
                let newest_age = b.rng.below(21);
                b.column(ColumnSpec {
                    id: format!("{prefix_key}-{key}"),
                    name,
                    dept: d,
                    dir,
                    template,
                    behaviour: Behaviour::Normal,
                    gbk,
                    count: pages_per_column.saturating_mul(items_per_page),
                    per_page,
                    newest_age,
                    gap: (0, 3),
                    kind,
                    max_age_days: 14,
                    comment_trap: false,
                    hanweb,
                    interpreted: kind == TitleKind::NormativeDoc,
                    jilin: None,
                });
                k += 1;
            }
        }
        b.finish()
    }
}
