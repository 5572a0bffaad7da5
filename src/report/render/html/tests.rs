//! Tests of `html`.

use super::super::bar_percent;
use super::chart::{Segment, bar_segments};
use super::*;

#[test]
fn segments_put_an_edge_at_the_limit() {
    let seg = |width, filled, limit_edge| Segment {
        width,
        filled,
        limit_edge,
    };
    assert_eq!(
        bar_segments(0),
        vec![seg(50, false, true), seg(50, false, false)]
    );
    assert_eq!(
        bar_segments(35),
        vec![
            seg(35, true, false),
            seg(15, false, true),
            seg(50, false, false)
        ]
    );
    assert_eq!(
        bar_segments(bar_percent(40, 30)),
        vec![
            seg(50, true, true),
            seg(17, true, false),
            seg(33, false, false)
        ]
    );
    assert_eq!(
        bar_segments(100),
        vec![seg(50, true, true), seg(50, true, false)]
    );
    for p in 0..=100 {
        let total: u32 = bar_segments(p).iter().map(|s| s.width).sum();
        assert_eq!(total, 100, "{p}");
    }
}

#[test]
fn links_only_for_http() {
    assert!(
        link("t", "https://a.gov.cn/?a=1&b=\"x\"")
            .contains("href=\"https://a.gov.cn/?a=1&amp;b=&quot;x&quot;\"")
    );
    assert_eq!(link("<t>", "javascript:alert(1)"), "&lt;t&gt;");
    assert_eq!(link("t", " javascript:alert(1)"), "t");
    assert_eq!(link("t", "JaVaScRiPt:alert(1)"), "t");
    assert!(!url_link("javascript:alert(1)").contains("href"));
    assert!(url_link(&format!("http://a.gov.cn/{}", "x".repeat(200))).contains('…'));
}
