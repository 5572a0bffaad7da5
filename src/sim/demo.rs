//! The demo district's design: six departments and twelve columns covering every template,
//! encoding declaration and failure mode, its edge cases, and the three states it goes
//! through ([`DemoState`]).

use chrono::{Datelike, NaiveDate};

use super::builder::{Builder, ColumnSpec};
use super::dates::days_before;
use super::items::needs_interpretation;
use super::model::{Behaviour, DemoState, GbkMode, HANWEB_PER_PAGE, HanwebIds, SimSite, Template};
use super::titles::TitleKind;

/// Seed of the demo district; any constant would do, this one just has to never change.
const DEMO_SEED: u64 = 0x7A0B_E1D0_2023_0512;

/// Shorthand for the demo's column table.
#[allow(clippy::too_many_arguments)]
fn spec(
    id: &str,
    name: &str,
    dept: usize,
    dir: &str,
    template: Template,
    gbk: GbkMode,
    count: usize,
    newest_age: u64,
    kind: TitleKind,
    max_age_days: u32,
) -> ColumnSpec {
    let per_page = match template {
        Template::Hanweb => HANWEB_PER_PAGE,
        _ => 20,
    };
    ColumnSpec {
        id: id.to_owned(),
        name: name.to_owned(),
        dept,
        dir: dir.to_owned(),
        template,
        behaviour: Behaviour::Normal,
        gbk,
        count,
        per_page,
        newest_age,
        gap: (1, 6),
        kind,
        max_age_days,
        comment_trap: false,
        hanweb: None,
        interpreted: false,
        jilin: None,
    }
}

impl SimSite {
    /// The demo district: six departments, twelve columns covering every template, encoding
    /// declaration and failure mode, dated relative to `today`.
    pub fn demo(today: NaiveDate) -> SimSite {
        SimSite::demo_in(today, DemoState::Initial)
    }

    /// The demo district in one of its states (see [`DemoState`]).
    pub fn demo_in(today: NaiveDate, state: DemoState) -> SimSite {
        use GbkMode as G;
        use Template as T;
        use TitleKind as K;
        let mut b = Builder::new(today, DEMO_SEED, 4710);
        let zfb = b.department(
            "区政府办",
            "zfb",
            "洮北政办",
            &["洮北区人民政府办公室", "区政府办公室"],
        );
        let czj = b.department("区财政局", "czj", "洮北财", &["洮北区财政局"]);
        let sfj = b.department("区司法局", "sfj", "洮北司", &["洮北区司法局"]);
        let rsj = b.department(
            "区人社局",
            "rsj",
            "洮北人社",
            &["洮北区人力资源和社会保障局", "区人力资源和社会保障局"],
        );
        let mzj = b.department("区民政局", "mzj", "洮北民", &["洮北区民政局"]);
        let jyj = b.department("区教育局", "jyj", "洮北教", &["洮北区教育局"]);

        let tzgg = b.column(spec(
            "zfb-tzgg",
            "通知公告",
            zfb,
            "zfxxgk/tzgg/",
            T::Trs,
            G::No,
            55,
            2,
            K::Notice,
            7,
        ));
        let zcjd = b.column(ColumnSpec {
            comment_trap: true,
            ..spec(
                "zfb-zcjd",
                "政策解读",
                zfb,
                "zfxxgk/zcjd/",
                T::Trs,
                G::No,
                18,
                5,
                K::PolicyInterp,
                14,
            )
        });
        let yjs = b.column(spec(
            "czj-yjs",
            "财政预决算",
            czj,
            "zfxxgk/yjs/",
            T::Trs,
            G::MetaOnly,
            30,
            40,
            K::Budget,
            30,
        ));
        b.column(spec(
            "czj-zfcg",
            "政府采购",
            czj,
            "zfxxgk/zfcg/",
            T::Table,
            G::HeaderOnly,
            25,
            3,
            K::Procurement,
            7,
        ));
        let gfxwj = b.column(spec(
            "sfj-gfxwj",
            "行政规范性文件",
            sfj,
            "zfxxgk/gfxwj/",
            T::Table,
            G::No,
            45,
            10,
            K::NormativeDoc,
            30,
        ));
        let xzcf = b.column(spec(
            "sfj-xzcf",
            "行政处罚",
            sfj,
            "zfxxgk/xzcf/",
            T::Trs,
            G::Undeclared,
            12,
            1,
            K::Penalty,
            7,
        ));
        b.column(ColumnSpec {
            hanweb: Some(HanwebIds {
                column_id: 4455,
                unit_id: 20481,
            }),
            ..spec(
                "rsj-jycy",
                "就业创业",
                rsj,
                "col/col4455/",
                T::Hanweb,
                G::No,
                100,
                4,
                K::Employment,
                7,
            )
        });
        let xzxk = b.column(ColumnSpec {
            hanweb: Some(HanwebIds {
                column_id: 4456,
                unit_id: 20481,
            }),
            ..spec(
                "rsj-xzxk",
                "行政许可",
                rsj,
                "col/col4456/",
                T::Hanweb,
                G::No,
                20,
                25,
                K::Licensing,
                14,
            )
        });
        b.column(spec(
            "mzj-shjz",
            "社会救助",
            mzj,
            "zfxxgk/shjz/",
            T::UrlDate,
            G::No,
            30,
            6,
            K::SocialAssistance,
            14,
        ));
        b.column(spec(
            "mzj-ylfw",
            "养老服务",
            mzj,
            "zfxxgk/ylfw/",
            T::DetailMeta,
            G::No,
            8,
            12,
            K::ElderlyCare,
            30,
        ));
        let zsxx = b.column(ColumnSpec {
            behaviour: Behaviour::Blank,
            ..spec(
                "jyj-zsxx",
                "招生信息",
                jyj,
                "zfxxgk/zsxx/",
                T::Trs,
                G::No,
                0,
                0,
                K::Enrollment,
                30,
            )
        });
        let xxgk = b.column(ColumnSpec {
            behaviour: Behaviour::ServerError,
            ..spec(
                "jyj-xxgk",
                "信息公开年报",
                jyj,
                "zfxxgk/xxgk/",
                T::Trs,
                G::No,
                0,
                0,
                K::AnnualReport,
                365,
            )
        });

        // Edge cases of 通知公告: markup characters that must be escaped, a title long
        // enough to be truncated in the link text, and link text padded with full-width spaces.
        b.retitle(tzgg, 2, "关于\"清理<违规>收费\"&规范管理的通知");
        let year = b
            .columns
            .get(tzgg)
            .and_then(|c| c.items.get(3))
            .map(|i| i.date.year())
            .unwrap_or(2023);
        b.retitle(
            tzgg,
            3,
            &format!(
                "洮北区人民政府办公室关于印发《洮北区{year}年深化“放管服”改革优化营商环境工作要点》的通知"
            ),
        );
        // On page 2, and on an untruncated title so that the trimmed text still equals it.
        if let Some(it) = b
            .columns
            .get_mut(tzgg)
            .and_then(|c| c.items.iter_mut().skip(21).find(|i| i.list_text == i.title))
        {
            it.list_text = format!("\u{3000}\u{3000}{} \u{3000}", it.list_text);
        }

        // Every 规范性文件 of 区司法局 gets its 政策解读 the same day, except one: the newest
        // whose three working days are long over.
        let omit = (state != DemoState::Fixed)
            .then(|| {
                b.columns.get(gfxwj).and_then(|c| {
                    c.items.iter().position(|i| {
                        needs_interpretation(&i.title) && i.date <= days_before(today, 10)
                    })
                })
            })
            .flatten();
        b.uninterpreted = omit.and_then(|i| {
            b.columns
                .get(gfxwj)
                .and_then(|c| c.items.get(i))
                .map(|it| it.path.clone())
        });
        b.link_interpretations(gfxwj, zcjd, omit);

        // The yearly duties 区政府办 leads (tasks 40, 43, 45, 46 and last year's 年度报告) are
        // met; this year's 年度报告 is not, nor is 区司法局's share of the training (task 43).
        let y = today.year();
        let on = |year: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
        let mut duties = vec![
            (
                on(y - 1, 1, 25),
                format!("洮北区{}年政府信息公开工作年度报告", y - 2),
            ),
            (
                on(y - 1, 4, 10),
                format!("洮北区{}年政务公开工作要点", y - 1),
            ),
            (
                on(y - 1, 6, 18),
                format!("关于举办{}年全区政务公开业务培训班的通知", y - 1),
            ),
            (
                on(y - 1, 9, 20),
                format!("关于举办{}年“政府开放日”活动的公告", y - 1),
            ),
            (
                on(y - 1, 12, 15),
                format!("关于{}年度全区政务公开工作考评结果的通报", y - 1),
            ),
            (
                on(y, 6, 18),
                format!("关于举办{y}年全区政务公开业务培训班的通知"),
            ),
        ];
        if state == DemoState::Fixed {
            duties.push((
                on(y, 1, 25),
                format!("洮北区{}年政府信息公开工作年度报告", y - 1),
            ));
        }
        let duties = duties
            .into_iter()
            .filter_map(|(d, t)| d.filter(|d| *d <= today).map(|d| (d, t, None)))
            .collect();
        b.add_items(tzgg, duties);
        match state {
            DemoState::Initial => {}
            DemoState::Redesigned => {
                if let Some(c) = b.columns.get_mut(xzcf) {
                    c.redesigned = true;
                }
            }
            DemoState::Fixed => {
                // The stale columns publish again, the blank one fills, the failing one
                // answers.
                b.catch_up(yjs, 2, 1);
                b.catch_up(xzxk, 2, 2);
                b.add_items(
                    gfxwj,
                    vec![(
                        days_before(today, 1),
                        format!("关于举办{y}年全区司法行政系统政务公开培训班的通知"),
                        None,
                    )],
                );
                for (col, n, age) in [(zsxx, 5, 3), (xxgk, 2, 20)] {
                    if let Some(c) = b.columns.get_mut(col) {
                        c.behaviour = Behaviour::Normal;
                    }
                    b.catch_up(col, n, age);
                }
            }
        }
        b.finish()
    }
}
