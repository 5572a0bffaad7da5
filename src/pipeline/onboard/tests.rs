use super::*;

fn nav(html: &str) -> NavPage {
    read_nav(
        html,
        &Url::parse("http://x.example/zcbm/fgw_6931/ndbg/").expect("url"),
    )
}

#[test]
fn the_department_comes_from_the_breadcrumb_never_the_folder() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "<title>政府信息公开年报</title><div class=\"position\">洮北区政府信息公开专栏 &gt;&gt; 洮北区文化广电和旅游局 &gt;&gt; 政府信息公开年报</div>",
            "政府信息公开年报",
            Some("洮北区文化广电和旅游局"),
        ),
        (
            "<title>财政预决算-区财政局-洮北区人民政府</title>",
            "财政预决算",
            Some("区财政局"),
        ),
        (
            "<div>当前位置：首页 &gt; 区政府办 &gt; 政府信息公开 &gt; 通知公告</div>",
            "通知公告",
            Some("区政府办"),
        ),
        ("<title>通知公告</title>", "通知公告", None),
    ];
    for (html, column, dept) in cases {
        let n = nav(html);
        assert_eq!(column_name(&n, ""), *column, "{html}");
        assert_eq!(department_of(&n, column).as_deref(), *dept, "{html}");
    }
}

#[test]
fn the_link_text_names_a_column_when_the_page_does_not() {
    let n = nav("<title>洮北区人民政府</title>");
    assert_eq!(column_name(&n, "政策解读"), "政策解读");
}

#[test]
fn max_age_follows_how_often_a_category_publishes() {
    let cats = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(proposed_max_age(&cats(&["annual_report"]), "list"), 400);
    assert_eq!(
        proposed_max_age(&cats(&["licensing", "penalty_enforcement"]), "list"),
        30
    );
    assert_eq!(
        proposed_max_age(&cats(&["policy_interpretation"]), "list"),
        90
    );
    assert_eq!(proposed_max_age(&cats(&[]), "page"), 365);
}
