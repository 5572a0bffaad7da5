//! Title generators: realistic disclosure titles per kind of column, varied deterministically.

use super::rng::SplitMix64;

/// What a column publishes; decides its titles, document numbers, body text and categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TitleKind {
    Notice,
    PolicyInterp,
    Budget,
    Procurement,
    NormativeDoc,
    Penalty,
    Employment,
    Licensing,
    SocialAssistance,
    ElderlyCare,
    Enrollment,
    AnnualReport,
    WorkNews,
    Personnel,
    Planning,
    Fees,
}

impl TitleKind {
    /// Category ids (from the crawler's category list) that a column of this kind belongs to.
    pub(crate) fn categories(self) -> &'static [&'static str] {
        match self {
            TitleKind::Notice => &["gazette"],
            TitleKind::PolicyInterp => &["policy_interpretation"],
            TitleKind::Budget => &["budget_final"],
            TitleKind::Procurement => &["public_resource_trading"],
            TitleKind::NormativeDoc => &["normative_docs"],
            TitleKind::Penalty => &["penalty_enforcement"],
            TitleKind::Employment => &["employment"],
            TitleKind::Licensing => &["licensing"],
            TitleKind::SocialAssistance => &["social_assistance"],
            TitleKind::ElderlyCare => &["elderly_care"],
            TitleKind::Enrollment => &["education"],
            TitleKind::AnnualReport => &["annual_report"],
            TitleKind::WorkNews => &["major_meetings"],
            TitleKind::Personnel => &["public_institutions"],
            TitleKind::Planning => &["plans"],
            TitleKind::Fees => &["fees"],
        }
    }
}

/// Facts about one item that its title may mention.
pub(crate) struct TitleCtx<'a> {
    pub year: i32,
    pub month: u32,
    /// 1-based number of this item among the column's items of the same year, oldest first, so
    /// that document numbers grow through the year like real ones.
    pub seq: u32,
    /// Full department name, e.g. "洮北区财政局".
    pub dept_full: &'a str,
    /// Prefix of the department's document numbers, e.g. "洮北司".
    pub abbr: &'a str,
}

const TOPICS: &[&str] = &[
    "春季森林草原防火",
    "安全生产大排查大整治",
    "秋冬季大气污染防治",
    "城乡居民基本医疗保险参保缴费",
    "防汛抗旱",
    "农村人居环境整治",
    "冬季清洁取暖",
    "耕地保护",
    "根治欠薪冬季攻坚",
    "全国文明城市创建",
    "消防安全隐患排查",
    "燃气安全专项整治",
    "秸秆禁烧",
    "食品安全示范城市创建",
    "农村道路交通安全",
    "国家卫生城市复审",
];

const POLICIES: &[&str] = &[
    "促进就业创业若干措施",
    "城镇老旧小区改造实施方案",
    "支持中小微企业发展十条措施",
    "农村人居环境整治提升五年行动方案",
    "优化营商环境若干措施",
    "城乡居民最低生活保障实施办法",
    "促进消费扩容提质若干措施",
    "养老服务体系建设规划",
    "高标准农田建设实施方案",
    "城市更新行动计划",
    "数字政府建设实施方案",
    "义务教育阶段学生资助办法",
];

const BUDGET_UNITS: &[&str] = &[
    "区财政局",
    "区教育局",
    "区卫生健康局",
    "区民政局",
    "区农业农村局",
    "区住房和城乡建设局",
    "区水利局",
    "区审计局",
    "区统计局",
    "区市场监督管理局",
    "区交通运输局",
    "区人力资源和社会保障局",
];

const PROJECTS: &[&str] = &[
    "洮北区中小学校舍维修改造",
    "区人民医院医疗设备采购",
    "城区道路照明设施维护",
    "农村饮水安全巩固提升工程",
    "区政务服务中心信息化建设",
    "老旧小区供热管网改造",
    "公共区域视频监控运维服务",
    "区直机关办公家具采购",
    "垃圾转运站运营服务",
    "高标准农田建设监理服务",
];

const RULES: &[&str] = &[
    "行政执法公示办法",
    "行政执法全过程记录办法",
    "重大行政执法决定法制审核办法",
    "法律顾问工作规则",
    "人民调解工作规范",
    "社区矫正工作实施细则",
    "公共法律服务体系建设实施意见",
    "行政规范性文件合法性审核办法",
    "法治宣传教育考核办法",
    "行政复议案件办理规程",
    "法律援助事项范围和标准",
    "行政执法人员资格管理办法",
    "证明事项告知承诺制实施办法",
    "涉企行政检查规范",
];

const PENALIZED: &[&str] = &[
    "洮北区兴盛建材经销处",
    "洮北区鑫源餐饮店",
    "白城市恒通物流有限公司",
    "洮北区福顺农资商店",
    "白城市瑞丰商贸有限公司",
    "洮北区安康大药房",
    "白城市宏达汽车修理厂",
    "洮北区金穗粮食收购点",
];

const EMPLOYMENT: &[&str] = &[
    "公益性岗位招聘公告",
    "就业见习岗位征集公告",
    "创业担保贷款发放情况公示",
    "职业技能培训补贴发放公示",
    "灵活就业人员社保补贴发放公示",
    "春风行动专场招聘会公告",
    "高校毕业生就业服务活动安排",
    "失业保险金发放情况公示",
    "一次性创业补贴发放公示",
    "就业困难人员认定公示",
];

const ASSISTANCE: &[&str] = &[
    "特困人员救助供养金发放情况公示",
    "临时救助对象名单公示",
    "城乡低保新增对象公示",
    "城乡低保停发对象公示",
    "医疗救助资金发放情况公示",
    "困难残疾人生活补贴发放公示",
    "重度残疾人护理补贴发放公示",
    "孤儿基本生活费发放情况公示",
];

const LICENCES: &[&str] = &[
    "劳务派遣经营许可",
    "人力资源服务许可",
    "民办职业培训学校设立许可",
    "特殊工时工作制审批",
    "企业实行不定时工作制审批",
];

const SCHOOLS: &[&str] = &[
    "洮北区第一中学",
    "洮北区实验小学",
    "洮北区第三中学",
    "洮北区职业教育中心",
    "洮北区新华小学",
    "洮北区特殊教育学校",
];

const CN_DIGITS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// "一" … "十" for 1 … 10, Arabic digits beyond.
pub(crate) fn cn_num(n: usize) -> String {
    match n.checked_sub(1).and_then(|i| CN_DIGITS.get(i)) {
        Some(s) => (*s).to_owned(),
        None => n.to_string(),
    }
}

fn pick<'a>(rng: &mut SplitMix64, xs: &[&'a str]) -> &'a str {
    let i = rng.below(xs.len() as u64) as usize;
    xs.get(i).copied().unwrap_or("")
}

/// A title and, where the kind has one, a document number (文号) for it.
pub(crate) fn make_title(
    kind: TitleKind,
    c: &TitleCtx<'_>,
    rng: &mut SplitMix64,
) -> (String, Option<String>) {
    let (y, m, n, dept, abbr) = (c.year, c.month, c.seq, c.dept_full, c.abbr);
    let variant = rng.below(4);
    match kind {
        TitleKind::Notice => {
            let t = pick(rng, TOPICS);
            let title = match variant {
                0 => format!("关于做好{y}年{t}工作的通知"),
                1 => format!("洮北区{y}年{t}工作实施方案"),
                2 => format!("关于开展{t}专项行动的通告"),
                _ => format!("{dept}关于{t}有关事项的公告"),
            };
            (title, Some(format!("{abbr}发〔{y}〕{n}号")))
        }
        TitleKind::PolicyInterp => {
            let p = pick(rng, POLICIES);
            let title = match variant % 3 {
                0 => format!("关于《洮北区{p}》的政策解读"),
                1 => format!("一图读懂《洮北区{p}》"),
                _ => format!("《洮北区{p}》解读问答"),
            };
            (title, None)
        }
        TitleKind::Budget => {
            let u = pick(rng, BUDGET_UNITS);
            let title = match variant {
                0 => format!("{u}{y}年部门预算公开"),
                1 => format!("{u}{}年部门决算公开", y - 1),
                2 => format!("区财政局关于{y}年部门预算公开的说明"),
                _ => format!("洮北区{y}年1—{m}月一般公共预算执行情况"),
            };
            (title, Some(format!("{abbr}〔{y}〕{n}号")))
        }
        TitleKind::Procurement => {
            let p = pick(rng, PROJECTS);
            let no = format!("TBCG-{y}-{n:03}");
            let title = match variant {
                0 => format!("洮北区政府采购中标结果公告（项目编号{no}）"),
                1 => format!("{p}项目公开招标公告（项目编号{no}）"),
                2 => format!("{p}项目竞争性磋商公告（项目编号{no}）"),
                _ => format!("{p}项目成交结果公告（项目编号{no}）"),
            };
            (title, Some(no))
        }
        TitleKind::NormativeDoc => {
            let r = pick(rng, RULES);
            let title = match variant {
                0 => format!("关于印发《洮北区{r}》的通知"),
                1 => format!("关于修订《洮北区{r}》的通知"),
                2 => format!("关于废止《洮北区{r}》的决定"),
                _ => format!("洮北区{r}"),
            };
            (title, Some(format!("{abbr}发〔{y}〕{n}号")))
        }
        TitleKind::Penalty => {
            let no = format!("{abbr}罚〔{y}〕{n}号");
            let title = if variant < 2 {
                format!("行政处罚决定书（{no}）")
            } else {
                let who = pick(rng, PENALIZED);
                format!("{who}行政处罚决定书（{no}）")
            };
            (title, Some(no))
        }
        TitleKind::Employment => {
            let e = pick(rng, EMPLOYMENT);
            (format!("洮北区{y}年{m}月{e}"), None)
        }
        TitleKind::Licensing => {
            let l = pick(rng, LICENCES);
            (
                format!("{l}决定公示（{y}年第{n}期）"),
                Some(format!("{abbr}许〔{y}〕{n}号")),
            )
        }
        TitleKind::SocialAssistance => {
            let q = cn_num((m as usize).div_ceil(3));
            let title = if variant == 0 {
                format!("洮北区{y}年第{q}季度城乡低保资金发放情况公示")
            } else {
                let a = pick(rng, ASSISTANCE);
                format!("洮北区{y}年{m}月{a}")
            };
            (title, None)
        }
        TitleKind::ElderlyCare => {
            let title = match rng.below(8) {
                0 => format!("洮北区{y}年{m}月高龄津贴发放名单公示"),
                1 => format!("关于开展{y}年养老机构服务质量检查的通知"),
                2 => format!("洮北区{y}年{m}月经济困难老年人护理补贴发放公示"),
                3 => format!("关于{y}年居家和社区养老服务改革试点的公告"),
                4 => format!("洮北区{y}年{m}月特困老年人集中供养情况公示"),
                5 => format!("关于做好{y}年养老服务补贴申报工作的通知"),
                6 => format!("洮北区养老机构名录（{y}年{m}月更新）"),
                _ => format!("洮北区{y}年{m}月百岁老人长寿补贴发放公示"),
            };
            (title, None)
        }
        TitleKind::Enrollment => {
            let s = pick(rng, SCHOOLS);
            let title = match variant {
                0 => format!("洮北区{y}年义务教育阶段学校招生工作方案"),
                1 => format!("{s}{y}年秋季招生简章"),
                2 => format!("洮北区{y}年普通高中招生录取分数线公告"),
                _ => format!("{s}{y}年学区划分公示"),
            };
            (title, None)
        }
        TitleKind::AnnualReport => {
            let title = if variant < 2 {
                format!("{dept}{}年政府信息公开工作年度报告", y - 1)
            } else {
                format!("洮北区{}年政府信息公开工作年度报告", y - 1)
            };
            (title, None)
        }
        TitleKind::WorkNews => {
            let t = pick(rng, TOPICS);
            let title = match variant {
                0 => format!("{dept}召开{t}工作推进会"),
                1 => format!("{dept}开展{t}专题培训"),
                2 => format!("{dept}部署{y}年{t}工作"),
                _ => format!("{dept}督导检查{t}工作落实情况"),
            };
            (title, None)
        }
        TitleKind::Personnel => {
            let stage = pick(rng, &["笔试成绩", "面试安排", "拟聘用人员名单", "体检结果"]);
            (
                format!("{dept}{y}年公开招聘事业单位工作人员{stage}公告"),
                None,
            )
        }
        TitleKind::Planning => {
            let t = pick(rng, TOPICS);
            let title = match variant {
                0 => format!("{dept}{y}年工作要点"),
                1 => format!("{dept}{y}年上半年工作总结"),
                2 => format!("洮北区{t}“十四五”规划中期评估报告"),
                _ => format!("{dept}{y}年{t}工作计划"),
            };
            (title, Some(format!("{abbr}〔{y}〕{n}号")))
        }
        TitleKind::Fees => {
            let title = if variant < 2 {
                format!("{dept}{y}年行政事业性收费项目目录")
            } else {
                format!("{dept}涉企收费清单（{y}年{m}月更新）")
            };
            (title, None)
        }
    }
}
