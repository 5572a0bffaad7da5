//! What a column's name says: the categories the standard 专栏 names imply, whether the name is
//! a standing page's (指南, 机构职能), and whether a breadcrumb segment names a unit.
//!
//! The table follows the standard layout of a 政府信息公开专栏 (国办发〔2019〕… the 专栏 parts:
//! 政府信息公开指南, 政府信息公开制度, 法定主动公开内容, 政府信息公开年报) and the district's task
//! list's categories (`categories.md`). Names are matched by containment, longest entry first,
//! so 财政预决算 wins over 预算 and 政策解读 over 政策.

/// A name fragment and the categories a column so named carries.
const NAME_CATEGORIES: &[(&str, &[&str])] = &[
    ("政府信息公开工作年度报告", &["annual_report"]),
    ("政府信息公开年报", &["annual_report"]),
    ("信息公开年报", &["annual_report"]),
    ("年度报告", &["annual_report"]),
    ("年报", &["annual_report"]),
    ("政府信息公开指南", &["disclosure_guide"]),
    ("信息公开指南", &["disclosure_guide"]),
    ("公开指南", &["disclosure_guide"]),
    ("依申请公开", &["disclosure_guide"]),
    ("政府信息公开制度", &["disclosure_guide"]),
    ("信息公开制度", &["disclosure_guide"]),
    ("机构职能", &["org_functions"]),
    ("机构概况", &["org_functions"]),
    ("机构设置", &["org_functions"]),
    ("机构信息", &["org_functions"]),
    ("领导信息", &["org_functions"]),
    ("领导分工", &["org_functions"]),
    ("内设机构", &["org_functions"]),
    ("主要职责", &["org_functions"]),
    ("财政预决算", &["budget_final"]),
    ("预决算", &["budget_final"]),
    ("部门预算", &["budget_final"]),
    ("部门决算", &["budget_final"]),
    ("财政资金", &["budget_final"]),
    ("政府规章", &["rules"]),
    ("规章", &["rules"]),
    ("行政规范性文件", &["normative_docs"]),
    ("规范性文件", &["normative_docs"]),
    ("发展规划", &["plans"]),
    ("规划计划", &["plans"]),
    ("规划", &["plans"]),
    ("行政许可", &["licensing"]),
    ("审批结果", &["licensing"]),
    ("行政处罚", &["penalty_enforcement"]),
    ("行政强制", &["penalty_enforcement"]),
    ("执法公示", &["penalty_enforcement"]),
    ("双公示", &["licensing", "penalty_enforcement"]),
    ("行政事业性收费", &["fees"]),
    ("收费", &["fees"]),
    ("常务会议", &["major_meetings"]),
    ("重要会议", &["major_meetings"]),
    ("重大会议", &["major_meetings"]),
    ("会议公开", &["major_meetings"]),
    ("决策预公开", &["decision_preconsultation"]),
    ("征求意见", &["decision_preconsultation"]),
    ("意见征集", &["decision_preconsultation"]),
    ("稳岗就业", &["employment"]),
    ("就业", &["employment"]),
    ("养老", &["elderly_care"]),
    ("教育", &["education"]),
    ("招生", &["education"]),
    ("卫生健康", &["health"]),
    ("医疗卫生", &["health"]),
    ("涉农补贴", &["agri_subsidy"]),
    ("惠农", &["agri_subsidy"]),
    ("公共文化", &["public_culture"]),
    ("社会救助", &["social_assistance"]),
    ("食品药品", &["food_drug"]),
    ("食品安全", &["food_drug"]),
    ("生态环境", &["environment"]),
    ("环境保护", &["environment"]),
    ("双随机", &["supervision_inspection"]),
    ("监督检查", &["supervision_inspection"]),
    ("安全生产", &["supervision_inspection"]),
    ("公共资源交易", &["public_resource_trading"]),
    ("政府采购", &["public_resource_trading"]),
    ("招标投标", &["public_resource_trading"]),
    ("涉企政策", &["enterprise_policy"]),
    ("惠企政策", &["enterprise_policy"]),
    ("营商环境", &["business_environment"]),
    ("重大建设项目", &["major_projects"]),
    ("重点项目", &["major_projects"]),
    ("政策解读", &["policy_interpretation"]),
    ("解读", &["policy_interpretation"]),
    ("权责清单", &["service_lists"]),
    ("权力清单", &["service_lists"]),
    ("责任清单", &["service_lists"]),
    ("事项清单", &["service_lists"]),
    ("办事指南", &["service_lists"]),
    ("公共企事业单位", &["public_institutions"]),
    ("基层政务公开", &["grassroots"]),
    ("政务新媒体", &["website_media"]),
    ("政府网站", &["website_media"]),
    ("政府公报", &["gazette"]),
    ("公报", &["gazette"]),
    ("政府开放日", &["open_day"]),
    ("开放日", &["open_day"]),
    ("工作要点", &["implementation_plan"]),
    ("工作方案", &["implementation_plan"]),
];

/// Names of standing pages: one page that is kept current, not a list of dated items.
const STANDING_NAMES: &[&str] = &[
    "公开指南",
    "公开制度",
    "机构职能",
    "机构概况",
    "机构设置",
    "领导信息",
    "领导分工",
    "内设机构",
    "主要职责",
    "联系方式",
    "办公地址",
    "工作规则",
];

/// The categories a column named `name` carries by its name alone, in table order, each once.
/// Empty for generic names (通知公告, 工作动态): the items then decide.
pub fn name_categories(name: &str) -> Vec<&'static str> {
    let mut entries: Vec<&(&str, &[&str])> = NAME_CATEGORIES
        .iter()
        .filter(|(fragment, _)| name.contains(fragment))
        .collect();
    // The longest fragment names the column; shorter ones inside it add nothing (预决算 in
    // 财政预决算), others add their categories (双公示 carries two).
    entries.sort_by_key(|(fragment, _)| std::cmp::Reverse(fragment.chars().count()));
    let mut kept: Vec<&str> = Vec::new();
    let mut out: Vec<&'static str> = Vec::new();
    for (fragment, categories) in entries {
        if kept.iter().any(|k| k.contains(fragment)) {
            continue;
        }
        kept.push(fragment);
        for c in *categories {
            if !out.contains(c) {
                out.push(c);
            }
        }
    }
    out
}

/// Whether a column so named is a standing page (信息公开指南, 机构职能) rather than a list.
pub fn is_standing_name(name: &str) -> bool {
    STANDING_NAMES.iter().any(|s| name.contains(s))
}

/// How unit names end: 局, 委员会, 人民政府, 街道办事处, 镇 …
const UNIT_SUFFIXES: &[&str] = &[
    "委员会",
    "管委会",
    "管理委员会",
    "联合会",
    "办公室",
    "办事处",
    "人民政府",
    "人民法院",
    "人民检察院",
    "政府",
    "街道",
    "局",
    "委",
    "办",
    "院",
    "中心",
    "乡",
    "镇",
    "所",
    "队",
    "站",
    "馆",
    "处",
    "部",
    "厅",
    "署",
];

/// Words that mark a segment as a part of the platform, not a unit (政府信息公开专栏, 首页).
const NOT_UNIT_WORDS: &[&str] = &[
    "信息公开",
    "专栏",
    "平台",
    "首页",
    "网站",
    "门户",
    "目录",
    "主动公开",
    "公开内容",
    "栏目",
];

/// Whether a breadcrumb or title segment names a unit (区财政局, 洮北区人民政府办公室,
/// 东风乡人民政府), as opposed to a part of the platform (政府信息公开专栏) or a column.
pub fn is_unit_name(segment: &str) -> bool {
    let s = segment.trim();
    let chars = s.chars().count();
    (2..=30).contains(&chars)
        && !NOT_UNIT_WORDS.iter().any(|w| s.contains(w))
        && UNIT_SUFFIXES.iter().any(|suffix| s.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_give_their_categories() {
        let cases: &[(&str, &[&str])] = &[
            ("财政预决算", &["budget_final"]),
            ("政府信息公开年报", &["annual_report"]),
            ("政府信息公开指南", &["disclosure_guide"]),
            ("双公示", &["licensing", "penalty_enforcement"]),
            ("行政许可", &["licensing"]),
            ("政策解读", &["policy_interpretation"]),
            ("机构职能", &["org_functions"]),
            ("规范性文件", &["normative_docs"]),
            ("通知公告", &[]),
            ("工作动态", &[]),
        ];
        for (name, want) in cases {
            assert_eq!(name_categories(name), *want, "{name}");
        }
    }

    #[test]
    fn standing_names_are_pages() {
        assert!(is_standing_name("政府信息公开指南"));
        assert!(is_standing_name("机构职能"));
        assert!(!is_standing_name("财政预决算"));
        assert!(!is_standing_name("通知公告"));
    }

    #[test]
    fn unit_names_are_told_from_platform_parts_and_columns() {
        for unit in [
            "区财政局",
            "洮北区人民政府办公室",
            "东风乡人民政府",
            "区发展和改革委员会",
            "区文化广电和旅游局",
            "区教育局",
            "区卫生健康局",
            "新华街道办事处",
            "德顺蒙古族乡",
        ] {
            assert!(is_unit_name(unit), "{unit}");
        }
        for not in [
            "洮北区政府信息公开专栏",
            "政府信息公开基础平台",
            "首页",
            "法定主动公开内容",
            "财政预决算",
            "政府信息公开年报",
            "通知公告",
        ] {
            assert!(!is_unit_name(not), "{not}");
        }
    }
}
