//! The site chrome every HTML page shares (head, navigation, department menu, sidebar news,
//! footer), the boilerplate padding pages to realistic sizes, and the pages' encoding.

use std::fmt::Write as _;

use chrono::NaiveDateTime;

use super::html::{esc, ymd};
use super::response::SimPage;
use crate::sim::dates::days_before;
use crate::sim::model::{GbkMode, SimColumn, SimDepartment, SimSite};
use crate::sim::rng::SplitMix64;

/// The site's name, in page titles and the head.
pub(super) const SITE_NAME: &str = "洮北区人民政府";
const SITE_DOMAIN: &str = "www.taobei.gov.cn";
/// The site's 网站标识码, in the head and in detail pages' 索引号.
pub(super) const SITE_ID_CODE: &str = "2208020001";

fn content_type(gbk: GbkMode) -> &'static str {
    match gbk {
        GbkMode::No => "text/html; charset=utf-8",
        GbkMode::HeaderOnly => "text/html; charset=GBK",
        GbkMode::MetaOnly | GbkMode::Undeclared => "text/html",
    }
}

/// Bytes `s` takes once encoded; exact because every character the site uses exists in GBK.
fn encoded_len(s: &str, gbk: GbkMode) -> usize {
    if gbk.is_gbk() {
        s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    } else {
        s.len()
    }
}

fn encode(html: String, gbk: GbkMode) -> Vec<u8> {
    if gbk.is_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        bytes.into_owned()
    } else {
        html.into_bytes()
    }
}

/// Everything a page has besides the site chrome.
pub(super) struct Frame<'a> {
    pub(super) gbk: GbkMode,
    pub(super) title: String,
    pub(super) meta: String,
    pub(super) dept: Option<&'a SimDepartment>,
    pub(super) column: Option<&'a SimColumn>,
    pub(super) crumbs: String,
    pub(super) main: String,
    /// Seeds the page's padding, so each page has its own stable size.
    pub(super) pad_seed: u64,
}

/// Boilerplate that brings pages to realistic sizes: CSS in the head, link blocks and
/// statements above the footer, widget scripts at the end.
#[derive(Default)]
struct Padding {
    css: String,
    links: String,
    js: String,
}

const LINK_GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "国务院部门网站",
        &[
            ("外交部", "http://www.mfa.gov.cn/"),
            ("国家发展和改革委员会", "http://www.ndrc.gov.cn/"),
            ("教育部", "http://www.moe.gov.cn/"),
            ("科学技术部", "http://www.most.gov.cn/"),
            ("工业和信息化部", "http://www.miit.gov.cn/"),
            ("民政部", "http://www.mca.gov.cn/"),
            ("司法部", "http://www.moj.gov.cn/"),
            ("财政部", "http://www.mof.gov.cn/"),
        ],
    ),
    (
        "省政府网站",
        &[
            ("吉林省人民政府", "http://www.jl.gov.cn/"),
            ("辽宁省人民政府", "http://www.ln.gov.cn/"),
            ("黑龙江省人民政府", "http://www.hlj.gov.cn/"),
            ("内蒙古自治区人民政府", "http://www.nmg.gov.cn/"),
        ],
    ),
    (
        "市（州）政府网站",
        &[
            ("长春市人民政府", "http://www.changchun.gov.cn/"),
            ("吉林市人民政府", "http://www.jlcity.gov.cn/"),
            ("四平市人民政府", "http://www.siping.gov.cn/"),
            ("白城市人民政府", "http://www.jlbc.gov.cn/"),
            ("松原市人民政府", "http://www.jlsy.gov.cn/"),
            ("延边州人民政府", "http://www.yanbian.gov.cn/"),
        ],
    ),
    (
        "县（市、区）政府网站",
        &[
            ("洮南市人民政府", "http://www.taonan.gov.cn/"),
            ("大安市人民政府", "http://www.da.gov.cn/"),
            ("镇赉县人民政府", "http://www.zhenlai.gov.cn/"),
            ("通榆县人民政府", "http://www.tongyu.gov.cn/"),
        ],
    ),
    (
        "便民服务",
        &[
            ("吉林省政务服务网", "http://zwfw.jl.gov.cn/"),
            ("国家政务服务平台", "http://gjzwfw.www.gov.cn/"),
            ("12345政务服务便民热线", "http://12345.jlbc.gov.cn/"),
            ("中国政府采购网", "http://www.ccgp.gov.cn/"),
        ],
    ),
];

const STATEMENTS: &[&str] = &[
    "本网站所载内容由洮北区人民政府办公室负责维护，未经授权不得转载、摘编或利用其它方式使用本网站内容。转载请注明来源：洮北区人民政府网站。",
    "政府信息公开工作机构：洮北区人民政府办公室；办公地址：洮北区海明路11号；邮政编码：137000；联系电话：0436-3222212；工作时间：周一至周五上午8:30—11:30，下午13:30—17:00（法定节假日除外）。",
    "依申请公开：公民、法人或者其他组织可以根据自身生产、生活、科研等特殊需要，向本机关申请获取相关政府信息。申请人可通过当面、信函、网络等方式提出申请。",
    "适老化及无障碍服务：本网站已完成适老化和无障碍改造，提供页面放大、语音朗读、高对比度等辅助功能，欢迎社会各界提出意见建议。",
    "隐私声明：本网站尊重并保护所有使用本网站服务用户的个人隐私权。未经用户许可，本网站不会将用户信息对外公开或向第三方提供。",
];

impl Padding {
    /// Adds chunks until they take at least `needed` encoded bytes. Chunks stay under 1 KiB, so
    /// the page lands within 1 KiB above its target.
    fn fill(needed: usize, gbk: GbkMode, rng: &mut SplitMix64) -> Padding {
        let mut p = Padding::default();
        let mut have = 0;
        let mut n: u64 = 0;
        while have < needed {
            n += 1;
            let mut chunk = String::new();
            let kind = rng.below(4);
            match kind {
                0 => {
                    let c = ["#b5141b", "#1b5fa8", "#c40000", "#0b6fb6"][rng.below(4) as usize];
                    let _ = write!(
                        chunk,
                        ".mod-{n}{{margin-top:10px;border:1px solid #e5e5e5;background:#fff;}}\n\
                         .mod-{n} .mod-hd{{height:38px;line-height:38px;padding:0 15px;border-bottom:2px solid {c};font-size:16px;font-weight:bold;color:{c};}}\n\
                         .mod-{n} .mod-bd{{padding:10px 15px;}}\n\
                         .mod-{n} .mod-bd li{{height:32px;line-height:32px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;background:url(/images/dot.png) no-repeat 0 center;padding-left:12px;}}\n\
                         .mod-{n} .mod-bd li em{{float:right;color:#999;font-style:normal;}}\n"
                    );
                    have += encoded_len(&chunk, gbk);
                    p.css.push_str(&chunk);
                }
                1 => {
                    let (group, links) = LINK_GROUPS[rng.below(LINK_GROUPS.len() as u64) as usize];
                    let _ = write!(chunk, "<dl class=\"yqlj yqlj-{n}\"><dt>{group}</dt>");
                    for (name, href) in links {
                        let _ = write!(
                            chunk,
                            "<dd><a href=\"{href}\" target=\"_blank\">{name}</a></dd>"
                        );
                    }
                    chunk.push_str("</dl>\n");
                    have += encoded_len(&chunk, gbk);
                    p.links.push_str(&chunk);
                }
                2 => {
                    let _ = writeln!(
                        chunk,
                        "function _gk_widget_{n}(el){{var box=document.getElementById(el);if(!box){{return;}}\
                         var items=box.getElementsByTagName(\"li\");for(var i=0;i<items.length;i++){{\
                         items[i].onmouseover=function(){{this.className+=\" hover\";}};\
                         items[i].onmouseout=function(){{this.className=this.className.replace(\" hover\",\"\");}};}}}}"
                    );
                    have += encoded_len(&chunk, gbk);
                    p.js.push_str(&chunk);
                }
                _ => {
                    let s = STATEMENTS[rng.below(STATEMENTS.len() as u64) as usize];
                    let _ = writeln!(chunk, "<p class=\"statement statement-{n}\">{s}</p>");
                    have += encoded_len(&chunk, gbk);
                    p.links.push_str(&chunk);
                }
            }
        }
        p
    }
}

const NEWS: &[&str] = &[
    "洮北区召开经济工作会议",
    "区委理论学习中心组开展专题学习",
    "洮北区启动春季植树造林活动",
    "区领导带队检查安全生产工作",
    "洮北区举办重点项目集中开工仪式",
    "洮北区召开优化营商环境推进会",
    "区政府召开常务会议研究部署近期重点工作",
    "洮北区开展“我为群众办实事”实践活动",
];

impl SimSite {
    /// A page of the site: `f` in the chrome, padded to its size and encoded.
    pub(super) fn render(
        &self,
        f: Frame<'_>,
        status: u16,
        last_modified: NaiveDateTime,
    ) -> SimPage {
        // Rendered twice: once bare to measure, once with just enough padding.
        let bare = self.frame_html(&f, &Padding::default());
        let mut rng = SplitMix64::new(f.pad_seed ^ self.seed);
        let target = 22 * 1024 + rng.below(28 * 1024) as usize;
        let needed = target.saturating_sub(encoded_len(&bare, f.gbk));
        let html = if needed == 0 {
            bare
        } else {
            self.frame_html(&f, &Padding::fill(needed, f.gbk, &mut rng))
        };
        SimPage {
            status,
            content_type: content_type(f.gbk),
            body: encode(html, f.gbk),
            last_modified: Some(last_modified),
        }
    }

    fn frame_html(&self, f: &Frame<'_>, pad: &Padding) -> String {
        let mut h = String::with_capacity(64 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n");
        match f.gbk {
            GbkMode::No => h.push_str("<meta charset=\"utf-8\">\n"),
            GbkMode::MetaOnly => h.push_str(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\n",
            ),
            GbkMode::HeaderOnly | GbkMode::Undeclared => {}
        }
        let _ = write!(
            h,
            "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n\
             <title>{}</title>\n\
             <meta name=\"SiteName\" content=\"{SITE_NAME}\">\n\
             <meta name=\"SiteDomain\" content=\"{SITE_DOMAIN}\">\n\
             <meta name=\"SiteIDCode\" content=\"{SITE_ID_CODE}\">\n\
             {}\
             <link rel=\"stylesheet\" type=\"text/css\" href=\"/images/common.css\">\n\
             <style type=\"text/css\">\n{}</style>\n\
             </head>\n<body>\n",
            esc(&f.title),
            f.meta,
            pad.css,
        );
        h.push_str(
            "<div class=\"top-bar\"><div class=\"wrap\"><span>欢迎访问洮北区人民政府网站</span>\
             <a href=\"javascript:void(0)\" id=\"jt\">简体</a> <a href=\"/wza/\">无障碍浏览</a></div></div>\n\
             <div class=\"header\"><div class=\"wrap\"><div class=\"logo\"><a href=\"/\">\
             <img src=\"/images/logo.png\" alt=\"洮北区人民政府\"></a></div>\
             <div class=\"search\"><form action=\"/search/\" method=\"get\"><input type=\"text\" name=\"q\" \
             placeholder=\"请输入关键字\"><button type=\"submit\">搜索</button></form></div></div>\n\
             <ul class=\"nav\"><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li>\
             <li><a href=\"/zwfw/\">政务服务</a></li><li><a href=\"/hdjl/\">互动交流</a></li>\
             <li><a href=\"/zjtb/\">走进洮北</a></li><li><a href=\"/ztzl/\">专题专栏</a></li></ul></div>\n",
        );
        let _ = writeln!(
            h,
            "<div class=\"position wrap\">当前位置：<a href=\"/\">首页</a>{}</div>",
            f.crumbs
        );
        h.push_str("<div class=\"main wrap\">\n<div class=\"left\">\n");
        if let Some(dept) = f.dept {
            let _ = write!(
                h,
                "<div class=\"side-menu\"><h3>{}信息公开</h3><ul class=\"side-column\">",
                esc(&dept.name)
            );
            for col in self.columns.iter().filter(|c| c.prefix == dept.prefix) {
                let on = if f.column.is_some_and(|c| c.id == col.id) {
                    " class=\"on\""
                } else {
                    ""
                };
                let _ = write!(
                    h,
                    "<li{on}><a href=\"{}\">{}</a></li>",
                    esc(&col.path),
                    esc(&col.name)
                );
            }
            h.push_str("</ul></div>\n");
        }
        h.push_str("<div class=\"side-box\"><h4>要闻动态</h4><ul class=\"side-news\">");
        self.side_news(&mut h);
        h.push_str("</ul></div>\n</div>\n<div class=\"right\">\n");
        h.push_str(&f.main);
        h.push_str("</div>\n</div>\n");
        let _ = write!(
            h,
            "<div class=\"friend-links wrap\">\n{}</div>\n",
            pad.links
        );
        h.push_str(
            "<div class=\"footer\"><div class=\"wrap\">\n\
             <p>主办单位：洮北区人民政府办公室\u{3000}承办单位：洮北区政务服务和数字化建设管理局</p>\n\
             <p>网站标识码：2208020001\u{3000}<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">吉ICP备05001234号-1</a>\
             \u{3000}<a href=\"http://www.beian.gov.cn/\" target=\"_blank\">吉公网安备 22080202000123号</a></p>\n\
             <p>地址：吉林省白城市洮北区海明路11号\u{3000}联系电话：0436-3222212</p>\n\
             <p><a href=\"/wzdt/\">网站地图</a> | <a href=\"/lxwm/\">联系我们</a> | <a href=\"/wzsm/\">网站声明</a></p>\n\
             </div></div>\n",
        );
        let _ = write!(
            h,
            "<script type=\"text/javascript\">\n{}</script>\n</body>\n</html>\n",
            pad.js
        );
        h
    }

    /// The sidebar news every page shows: list-like noise next to the real list.
    fn side_news(&self, h: &mut String) {
        let mut rng = SplitMix64::new(self.seed ^ 0x5eed_0e75);
        let start = rng.below(NEWS.len() as u64) as usize;
        let mut age = 0;
        for i in 0..5 {
            age += rng.range(2, 9);
            let d = days_before(self.today, age);
            let title = NEWS[(start + i) % NEWS.len()];
            let _ = write!(
                h,
                "<li><a href=\"/xwzx/{}/t{}_{}.html\">{title}</a><span>{}</span></li>",
                d.format("%Y%m"),
                d.format("%Y%m%d"),
                900_000 + i,
                ymd(d)
            );
        }
    }
}
