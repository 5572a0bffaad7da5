//! The 吉林 platform's district (issue 15): 洮北区's 政府信息公开专栏 on the province-wide TRS
//! platform, as `/work/shared/research/taobei-platform.md` describes it.
//!
//! * URLs `/<section>/<unit folder>/<column>/YYYYMM/tYYYYMMDD_<id>.html`: the district
//!   government under `asd/` (`/asd/szf/xxgkml/`, `/asd/tbqrmzfndbg/`), the departments under
//!   `zcbm/<abbr>_<id>/`, where the abbreviation is a template name, not the department: the
//!   区文旅局 is `zcbm/fgw_6931/` and the 区人社局 `zcbm/fgw_6915/`, while the 发改局 is
//!   `zcbm/fgj_6903/`.
//! * A 专栏 home `/` whose navigation has the district government's section and one sub-site
//!   per department; each sub-site home has the standard parts: 政府信息公开指南 and
//!   政府信息公开制度 (standing pages), 法定主动公开内容 (机构职能 as a standing page and the
//!   list sub-columns), 政府信息公开年报.
//! * Lists in two forms ([`JilinList`]): static HTML rows, and a page whose script fills an
//!   empty table from the JSONP back-end [`JILIN_JSONP_PATH`].
//! * Detail pages with the metadata table printed twice ([`DetailFacts`]), `.doc`/`.pdf`
//!   attachments; 年报 pages with `发布日期:… 点击数:` instead.
//!
//! [`JILIN_JSONP_PATH`]: super::JILIN_JSONP_PATH

use chrono::{Datelike, NaiveDate};

use super::builder::{Builder, ColumnSpec};
use super::dates::days_before;
use super::model::{
    Behaviour, Family, GbkMode, JilinList, SimColumn, SimItem, SimSite, SimStanding, Template,
};
use super::titles::TitleKind;

/// Items per page of the JSONP back-end.
pub const JILIN_JSONP_PAGE: usize = 10;
/// Rows per static list page.
const STATIC_PAGE: usize = 15;

/// A unit of the platform: name, aliases, folder (the prefix without slashes), short id for
/// column ids, 文号 prefix, numeric id.
struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    folder: &'static str,
    key: &'static str,
    doc_prefix: &'static str,
    id: u32,
    /// List sub-columns besides the ones every department has.
    extra: &'static [ColumnDef],
}

/// A list column: folder, name, kind, whether the JSONP back-end serves it, categories.
struct ColumnDef {
    folder: &'static str,
    name: &'static str,
    kind: TitleKind,
    jsonp: bool,
    categories: &'static [&'static str],
}

const fn col(
    folder: &'static str,
    name: &'static str,
    kind: TitleKind,
    jsonp: bool,
    categories: &'static [&'static str],
) -> ColumnDef {
    ColumnDef {
        folder,
        name,
        kind,
        jsonp,
        categories,
    }
}

const ANNUAL_REPORT: &str = "政府信息公开年报";

/// Sub-columns of 法定主动公开内容 every department has.
const COMMON: &[ColumnDef] = &[
    col(
        "zcwj",
        "政策文件",
        TitleKind::NormativeDoc,
        true,
        &["normative_docs"],
    ),
    col(
        "czyjs",
        "财政预决算",
        TitleKind::Budget,
        false,
        &["budget_final"],
    ),
    col("tzgg", "通知公告", TitleKind::Notice, false, &[]),
];

const UNITS: &[Unit] = &[
    Unit {
        name: "区人民政府",
        aliases: &["洮北区人民政府", "区政府"],
        folder: "asd",
        key: "qzf",
        doc_prefix: "白洮政发",
        id: 6800,
        extra: &[],
    },
    Unit {
        name: "区政府办公室",
        aliases: &["洮北区人民政府办公室", "区政府办"],
        folder: "asd/szf",
        key: "zfb",
        doc_prefix: "白洮政办发",
        id: 6801,
        extra: &[],
    },
    Unit {
        name: "区发展和改革局",
        aliases: &["洮北区发展和改革局", "区发改局"],
        folder: "zcbm/fgj_6903",
        key: "fgj",
        doc_prefix: "白洮发改",
        id: 6903,
        extra: &[
            col("ghjh", "规划计划", TitleKind::Planning, false, &["plans"]),
            col(
                "xzxk",
                "行政许可",
                TitleKind::Licensing,
                false,
                &["licensing"],
            ),
        ],
    },
    Unit {
        name: "区财政局",
        aliases: &["洮北区财政局"],
        folder: "zcbm/czj_6905",
        key: "czj",
        doc_prefix: "白洮财",
        id: 6905,
        extra: &[col(
            "zfcg",
            "政府采购",
            TitleKind::Procurement,
            false,
            &["public_resource_trading"],
        )],
    },
    Unit {
        name: "区教育局",
        aliases: &["洮北区教育局"],
        folder: "zcbm/jyj_6907",
        key: "jyj",
        doc_prefix: "白洮教",
        id: 6907,
        extra: &[col(
            "zsxx",
            "招生信息",
            TitleKind::Enrollment,
            false,
            &["education"],
        )],
    },
    Unit {
        name: "区民政局",
        aliases: &["洮北区民政局"],
        folder: "zcbm/mzj_6909",
        key: "mzj",
        doc_prefix: "白洮民",
        id: 6909,
        extra: &[
            col(
                "shjz",
                "社会救助",
                TitleKind::SocialAssistance,
                false,
                &["social_assistance"],
            ),
            col(
                "ylfw",
                "养老服务",
                TitleKind::ElderlyCare,
                false,
                &["elderly_care"],
            ),
        ],
    },
    Unit {
        name: "区人力资源和社会保障局",
        aliases: &["洮北区人力资源和社会保障局", "区人社局"],
        // A `fgw_` folder that is not the 发改局.
        folder: "zcbm/fgw_6915",
        key: "rsj",
        doc_prefix: "白洮人社",
        id: 6915,
        extra: &[
            col(
                "jycy",
                "就业创业",
                TitleKind::Employment,
                false,
                &["employment"],
            ),
            col(
                "zcjd",
                "政策解读",
                TitleKind::PolicyInterp,
                true,
                &["policy_interpretation"],
            ),
        ],
    },
    Unit {
        name: "区住房和城乡建设局",
        aliases: &["洮北区住房和城乡建设局", "区住建局"],
        folder: "zcbm/zjj_6918",
        key: "zjj",
        doc_prefix: "白洮住建",
        id: 6918,
        extra: &[col(
            "xzxk",
            "行政许可",
            TitleKind::Licensing,
            false,
            &["licensing"],
        )],
    },
    Unit {
        name: "区卫生健康局",
        aliases: &["洮北区卫生健康局", "区卫健局"],
        folder: "zcbm/wjj_6925",
        key: "wjj",
        doc_prefix: "白洮卫健",
        id: 6925,
        extra: &[col(
            "xzcf",
            "行政处罚",
            TitleKind::Penalty,
            false,
            &["penalty_enforcement"],
        )],
    },
    Unit {
        name: "区文化广播电视和旅游局",
        aliases: &["洮北区文化广播电视和旅游局", "区文旅局"],
        // The abbreviation trap: `fgw_6931` is the 文旅局.
        folder: "zcbm/fgw_6931",
        key: "wlj",
        doc_prefix: "白洮文旅",
        id: 6931,
        extra: &[
            col(
                "zcjd",
                "政策解读",
                TitleKind::PolicyInterp,
                true,
                &["policy_interpretation"],
            ),
            col(
                "xzxk",
                "行政许可",
                TitleKind::Licensing,
                false,
                &["licensing"],
            ),
        ],
    },
    Unit {
        name: "区市场监督管理局",
        aliases: &["洮北区市场监督管理局", "区市场监管局"],
        folder: "zcbm/scjgj_6940",
        key: "scj",
        doc_prefix: "白洮市监",
        id: 6940,
        extra: &[col(
            "xzcf",
            "行政处罚",
            TitleKind::Penalty,
            false,
            &["penalty_enforcement"],
        )],
    },
];

/// Standing pages of a sub-site: folder, name, categories.
const STANDING: &[(&str, &str, &[&str])] = &[
    ("zfxxgkzn", "政府信息公开指南", &["disclosure_guide"]),
    ("zfxxgkzd", "政府信息公开制度", &["disclosure_guide"]),
    ("jgzn", "机构职能", &["org_functions"]),
];

/// What a detail page's metadata table says (both copies of it), for the tests to check the
/// extraction against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailFacts {
    /// 索引号: the unit's 统一社会信用代码, the year and a number.
    pub index_no: String,
    /// 分类: theme; genre.
    pub category: String,
    /// 发文机关.
    pub issuer: String,
    /// 成文日期.
    pub written: NaiveDate,
    /// 标题.
    pub title: String,
    /// 发文字号, when the document has one.
    pub doc_no: Option<String>,
    /// 发布日期 (the item's date).
    pub published: NaiveDate,
}

/// The unit's 统一社会信用代码 (18 characters, made up but shaped like the real ones).
fn credit_code(id: u32) -> String {
    let check = ['H', 'K', 'M', 'X', 'Y'][(id % 5) as usize];
    format!("11220802{:09}{check}", 13_590_000 + id)
}

impl SimSite {
    /// The 吉林 platform's 洮北区 专栏: the district government (`asd/`) and nine departments
    /// (`zcbm/<abbr>_<id>/`), their standing pages, static and JSONP-built lists, detail pages
    /// with the doubled metadata table. Deterministic in `today` and `seed`.
    pub fn jilin(today: NaiveDate, seed: u64) -> SimSite {
        let mut b = Builder::new(today, seed, 880_000 + seed % 1000);
        b.family = Family::Jilin;
        for unit in UNITS {
            let d = b.department(unit.name, unit.folder, unit.doc_prefix, unit.aliases);
            if let Some(dept) = b.departments.get_mut(d) {
                dept.credit_code = Some(credit_code(unit.id));
            }
            let prefix = format!("/{}/", unit.folder);
            for (folder, name, categories) in STANDING {
                // The district government's 机构职能 is on the portal, not in the 专栏.
                if unit.folder.starts_with("asd") && *folder == "jgzn" {
                    continue;
                }
                if unit.folder == "asd/szf" {
                    continue;
                }
                b.standing.push(SimStanding {
                    id: format!("{}-{folder}", unit.key),
                    department: unit.name.to_owned(),
                    name: (*name).to_owned(),
                    path: format!("{prefix}{folder}/index.html"),
                    categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                    prefix: prefix.clone(),
                    body: standing_body(unit.name, name),
                });
            }
            let defs: Vec<&ColumnDef> = match unit.folder {
                "asd" => Vec::new(),
                "asd/szf" => vec![&XXGKML],
                _ => COMMON.iter().chain(unit.extra).collect(),
            };
            for (k, def) in defs.into_iter().enumerate() {
                let channel_id = unit.id * 10 + k as u32;
                let count = 6 + b.rng.below(30) as usize;
                let newest_age = 1 + b.rng.below(25);
                add_column(&mut b, d, unit.key, def, channel_id, count, newest_age);
            }
            // Every unit's 年报 list: the district's own is `asd/tbqrmzfndbg/`.
            let ndbg_folder = if unit.folder == "asd" {
                "tbqrmzfndbg"
            } else {
                "ndbg"
            };
            let ndbg = ColumnDef {
                folder: ndbg_folder,
                name: ANNUAL_REPORT,
                kind: TitleKind::AnnualReport,
                jsonp: false,
                categories: &["annual_report"],
            };
            let age = u64::from(today.ordinal()).saturating_sub(20 + b.rng.below(20));
            add_column(&mut b, d, unit.key, &ndbg, 0, 5, age.max(1));
        }
        late_urls(&mut b, today);
        b.finish()
    }

    /// The metadata table of an item's detail page, or `None` for pages without one (年报
    /// pages, and items of other sites).
    pub fn detail_facts(&self, col: &SimColumn, it: &SimItem) -> Option<DetailFacts> {
        if col.jilin.is_none() || col.name == ANNUAL_REPORT {
            return None;
        }
        let dept = self.department_at(&col.prefix)?;
        let code = dept.credit_code.as_deref().unwrap_or_default();
        let genre = match col.kind {
            TitleKind::NormativeDoc => "通知",
            TitleKind::PolicyInterp => "解读",
            TitleKind::Budget => "报告",
            TitleKind::Penalty | TitleKind::Licensing => "决定",
            _ => "公告公示",
        };
        Some(DetailFacts {
            index_no: format!("{code}/{}-{:05}", it.date.year(), it.doc_id % 100_000),
            category: format!("{}；{genre}", col.name),
            issuer: dept.full_name(),
            written: days_before(it.date, it.doc_id % 9),
            title: it.title.clone(),
            doc_no: it.doc_no.clone(),
            published: it.date,
        })
    }
}

/// The 区政府办公室's 信息公开目录 (the district's documents, 白洮政发〔…〕), JSONP-built.
const XXGKML: ColumnDef = col(
    "xxgkml",
    "信息公开目录",
    TitleKind::NormativeDoc,
    true,
    &["normative_docs"],
);

fn add_column(
    b: &mut Builder,
    dept: usize,
    key: &str,
    def: &ColumnDef,
    channel_id: u32,
    count: usize,
    newest_age: u64,
) {
    let annual = def.kind == TitleKind::AnnualReport;
    let (template, jilin, per_page) = if def.jsonp {
        (
            Template::UrlDate,
            JilinList::Jsonp { channel_id },
            JILIN_JSONP_PAGE,
        )
    } else {
        (Template::Trs, JilinList::Static, STATIC_PAGE)
    };
    let c = b.column(ColumnSpec {
        id: format!("{key}-{}", def.folder),
        name: def.name.to_owned(),
        dept,
        dir: format!("{}/", def.folder),
        template,
        behaviour: Behaviour::Normal,
        gbk: GbkMode::No,
        count,
        per_page,
        newest_age,
        gap: if annual { (355, 375) } else { (1, 9) },
        kind: def.kind,
        max_age_days: if annual { 400 } else { 30 },
        comment_trap: false,
        hanweb: None,
        interpreted: false,
        jilin: Some(jilin),
    });
    if let Some(column) = b.columns.get_mut(c) {
        column.categories = def.categories.iter().map(|s| (*s).to_owned()).collect();
    }
}

/// About one item in seven went online after its 发布日期, as on the real platform
/// (`t20220114_924380` says 发布日期 2021-12-10): its URL carries the later day. Lists and the
/// back-end show the 发布日期, which is the item's date. Never past `today`; 年报 kept as they
/// are.
fn late_urls(b: &mut Builder, today: NaiveDate) {
    for col in b.columns.iter_mut().filter(|c| c.jilin.is_some()) {
        if col.kind == TitleKind::AnnualReport {
            continue;
        }
        let dir = col.dir().to_owned();
        let template = col.template;
        for it in col.items.iter_mut().filter(|i| i.doc_id % 7 == 3) {
            let Some(online) = it
                .date
                .checked_add_days(chrono::Days::new(1 + it.doc_id % 30))
            else {
                continue;
            };
            if online > today {
                continue;
            }
            let rel = online
                .format(&format!("%Y%m/t%Y%m%d_{}.html", it.doc_id))
                .to_string();
            it.path = format!("{dir}{rel}");
            it.href = match template {
                Template::Trs => format!("./{rel}"),
                _ => it.path.clone(),
            };
        }
    }
}

/// The TRS names of an item's two attachments (`P020251229513740369959.doc`, `.pdf`), in
/// the detail page's dated folder.
pub(crate) fn attachment_names(it: &SimItem) -> [String; 2] {
    let stamp = it.date.format("%Y%m%d");
    let n = it.doc_id.wrapping_mul(2_654_435_761) % 1_000_000_000_000;
    [
        format!("P0{stamp}{n:012}.doc"),
        format!("P0{stamp}{:012}.pdf", (n + 7_919) % 1_000_000_000_000),
    ]
}

/// Absolute paths of an item's attachments.
pub(crate) fn attachment_paths(it: &SimItem) -> [String; 2] {
    let dir = match it.path.rfind('/') {
        Some(i) => &it.path[..=i],
        None => "/",
    };
    attachment_names(it).map(|name| format!("{dir}{name}"))
}

fn standing_body(dept: &str, name: &str) -> Vec<String> {
    let full = super::model::with_district(dept);
    match name {
        "机构职能" => vec![
            format!("{full}是区政府工作部门，主要职责是贯彻执行国家和省、市有关方针政策和法律法规，拟订全区相关发展规划并组织实施。"),
            "内设机构：办公室、政策法规股、业务管理股、综合执法股。".to_owned(),
            "办公地址：洮北区海明路11号；办公时间：工作日8:30—11:30，13:30—17:00；联系电话：0436-3222212。".to_owned(),
        ],
        "政府信息公开制度" => vec![
            format!("为规范{full}政府信息公开工作，根据《中华人民共和国政府信息公开条例》，制定政府信息公开保密审查、主动公开、依申请公开等工作制度。"),
            "一、主动公开的政府信息，自信息形成或者变更之日起20个工作日内予以公开。".to_owned(),
            "二、依申请公开的政府信息，自收到申请之日起20个工作日内予以答复。".to_owned(),
        ],
        _ => vec![
            format!("为便于公民、法人和其他组织获取{full}政府信息，根据《中华人民共和国政府信息公开条例》，编制本指南。"),
            "一、主动公开：公开的范围、方式和时限。本机关通过洮北区政府信息公开专栏主动公开政府信息。".to_owned(),
            "二、依申请公开：申请人可以通过当面、邮寄、网络等方式提出申请，并填写《政府信息公开申请表》。".to_owned(),
            "三、工作机构：办公地址洮北区海明路11号，邮政编码137000，联系电话0436-3222212。".to_owned(),
        ],
    }
}
