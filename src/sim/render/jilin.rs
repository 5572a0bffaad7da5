//! The 吉林 platform's pages ([`SimSite::jilin`]): the 专栏 chrome (`登录 | 注册`, breadcrumb
//! "洮北区政府信息公开专栏 >> <department> >> <column>", 友情链接, footer), the home and
//! sub-site navigation pages, standing pages, static and JSONP-built lists with the JSONP
//! back-end, detail pages with the doubled metadata table, and the WZWS-style challenge.

use std::fmt::Write as _;

use super::html::{esc, ymd};
use super::response::SimPage;
use crate::sim::dates::{fallback_instant, item_instant};
use crate::sim::jilin::{DetailFacts, JILIN_JSONP_PAGE, attachment_names};
use crate::sim::model::{
    JILIN_JSONP_PATH, JilinList, SimColumn, SimDepartment, SimItem, SimSite, SimStanding,
};

const ZL_NAME: &str = "洮北区政府信息公开专栏";
const HTML: &str = "text/html; charset=utf-8";

/// Links to other hosts at the foot of every page: chrome, not columns.
const FRIENDS: &[(&str, &str)] = &[
    ("中国政府网", "http://www.gov.cn/"),
    ("吉林省政府信息公开专栏", "http://xxgk.jl.gov.cn/"),
    ("白城市政府信息公开专栏", "http://xxgk.jlbc.gov.cn/"),
    ("洮北区人民政府网", "http://www.taobei.gov.cn/"),
    ("镇赉县人民政府", "http://www.jlzhenlai.gov.cn/"),
    ("通榆县人民政府", "http://www.tongyu.gov.cn/"),
    ("吉林省政务服务网", "http://zwfw.jl.gov.cn/"),
];

/// A page of the 专栏: everything inside `<body>` besides the chrome.
struct ZlPage<'a> {
    title: String,
    meta: String,
    dept: Option<&'a SimDepartment>,
    /// The last breadcrumb step (a column or page name), if any.
    here: Option<String>,
    main: String,
}

impl SimSite {
    fn zl_html(&self, p: &ZlPage<'_>) -> String {
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
             <meta name=\"SiteName\" content=\"{ZL_NAME}\">\n\
             <meta name=\"SiteDomain\" content=\"xxgk.taobei.gov.cn\">\n\
             <meta name=\"SiteIDCode\" content=\"2208020001\">\n{}\
             <link rel=\"stylesheet\" href=\"/images/xxgk.css\">\n\
             <script src=\"/images/jquery.min.js\"></script>\n</head>\n<body>\n",
            esc(&p.title),
            p.meta
        );
        h.push_str(
            "<div class=\"zl-top\"><div class=\"wrap\"><span class=\"welcome\">欢迎访问洮北区政府信息公开专栏</span>\
             <span class=\"user\"><a href=\"/user/login.jsp\">登录</a> | <a href=\"/user/register.jsp\">注册</a></span></div></div>\n\
             <div class=\"zl-head\"><div class=\"wrap\"><a class=\"logo\" href=\"/\"><img src=\"/images/zl_logo.png\" alt=\"洮北区政府信息公开专栏\"></a>\
             <form class=\"search\" action=\"/govsearch/search.jsp\"><input name=\"searchword\" placeholder=\"请输入关键词\"><button>检索</button></form></div>\n\
             <ul class=\"zl-topnav\"><li><a href=\"http://www.taobei.gov.cn/\">区政府网站</a></li><li><a href=\"/\">专栏首页</a></li>\
             <li><a href=\"/govsearch/search.jsp\">信息检索</a></li><li><a href=\"/ysqgk/\">依申请公开</a></li>\
             <li><a href=\"/hdjl/\">互动交流</a></li></ul></div>\n",
        );
        // The breadcrumb: 专栏 >> department >> column, as far as the page is down.
        let _ = write!(
            h,
            "<div class=\"zl-crumbs wrap\">当前位置：<a href=\"/\">{ZL_NAME}</a>"
        );
        if let Some(d) = p.dept {
            let _ = write!(
                h,
                " &gt;&gt; <a href=\"{}\">{}</a>",
                esc(&d.prefix),
                esc(&d.full_name())
            );
        }
        if let Some(here) = &p.here {
            let _ = write!(h, " &gt;&gt; <span>{}</span>", esc(here));
        }
        h.push_str("</div>\n<div class=\"zl-main wrap\">\n");
        if let Some(d) = p.dept {
            self.zl_side(&mut h, d);
        }
        h.push_str("<div class=\"zl-right\">\n");
        h.push_str(&p.main);
        h.push_str("</div>\n</div>\n<div class=\"zl-links wrap\"><span>友情链接：</span>");
        for (name, href) in FRIENDS {
            let _ = write!(h, "<a href=\"{href}\" target=\"_blank\">{name}</a>");
        }
        h.push_str(
            "</div>\n<div class=\"zl-foot\"><div class=\"wrap\">\
             <p><a href=\"/wzdt/\">网站地图</a> | <a href=\"/lxwm/\">联系我们</a> | <a href=\"/wzsm/\">网站声明</a></p>\
             <p>主办单位：洮北区人民政府办公室\u{3000}技术支持：吉林省政府信息公开平台</p>\
             <p>网站标识码：2208020001\u{3000}<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">吉ICP备05001234号-1</a></p>\
             </div></div>\n</body>\n</html>\n",
        );
        h
    }

    /// The sub-site's menu: its standing pages and columns.
    fn zl_side(&self, h: &mut String, d: &SimDepartment) {
        let _ = write!(
            h,
            "<div class=\"zl-left\"><h3>{}</h3><ul class=\"zl-menu\">",
            esc(&d.full_name())
        );
        for s in self.standing.iter().filter(|s| s.prefix == d.prefix) {
            let _ = write!(
                h,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&s.path),
                esc(&s.name)
            );
        }
        for c in self.columns.iter().filter(|c| c.prefix == d.prefix) {
            let _ = write!(
                h,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&c.path),
                esc(&c.name)
            );
        }
        h.push_str("</ul></div>\n");
    }

    fn zl_page(&self, p: ZlPage<'_>, last_modified: chrono::NaiveDateTime) -> SimPage {
        SimPage {
            status: 200,
            content_type: HTML,
            body: self.zl_html(&p).into_bytes(),
            last_modified: Some(last_modified),
        }
    }

    /// The 专栏 home: the district government's section, one sub-site per department, and
    /// the newest items (links to detail pages, not columns).
    pub(super) fn jilin_home(&self) -> SimPage {
        let mut main = String::from("<div class=\"zl-sec qzf\"><h2>区政府信息公开</h2>\n");
        for d in self
            .departments
            .iter()
            .filter(|d| d.prefix.starts_with("/asd/"))
        {
            let _ = write!(
                main,
                "<div class=\"zl-unit\"><h3><a href=\"{}\">{}</a></h3><ul>",
                esc(&d.prefix),
                esc(&d.full_name())
            );
            self.unit_links(&mut main, d);
            main.push_str("</ul></div>\n");
        }
        main.push_str("</div>\n<div class=\"zl-sec bm\"><h2>部门信息公开</h2><ul class=\"zl-bm\">");
        for d in self
            .departments
            .iter()
            .filter(|d| d.prefix.starts_with("/zcbm/"))
        {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&d.prefix),
                esc(&d.full_name())
            );
        }
        main.push_str(
            "</ul></div>\n<div class=\"zl-sec new\"><h2>最新信息</h2><ul class=\"zl-new\">",
        );
        let mut newest: Vec<&SimItem> = self.columns.iter().flat_map(|c| c.items.first()).collect();
        newest.sort_by_key(|i| std::cmp::Reverse((i.date, i.doc_id)));
        for it in newest.into_iter().take(8) {
            let _ = write!(
                main,
                "<li><a href=\"{}\" target=\"_blank\">{}</a><span>{}</span></li>",
                esc(&it.path),
                esc(&it.list_text),
                ymd(it.date)
            );
        }
        main.push_str("</ul></div>\n");
        let page = ZlPage {
            title: ZL_NAME.to_owned(),
            meta: "<meta name=\"ColumnName\" content=\"首页\">\n".to_owned(),
            dept: None,
            here: None,
            main,
        };
        self.zl_page(page, self.newest_instant())
    }

    /// Links to a unit's standing pages and columns, by their names.
    fn unit_links(&self, main: &mut String, d: &SimDepartment) {
        for s in self.standing.iter().filter(|s| s.prefix == d.prefix) {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&s.path),
                esc(&s.name)
            );
        }
        for c in self.columns.iter().filter(|c| c.prefix == d.prefix) {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&c.path),
                esc(&c.name)
            );
        }
    }

    /// A department's sub-site home with the standard parts of the 专栏.
    pub(super) fn jilin_dept_home(&self, d: &SimDepartment) -> SimPage {
        let standing = |name: &str| {
            self.standing
                .iter()
                .find(|s| s.prefix == d.prefix && s.name == name)
        };
        let mut main = format!(
            "<div class=\"zl-title\"><h2>{}</h2></div>\n",
            esc(&d.full_name())
        );
        for name in ["政府信息公开指南", "政府信息公开制度"] {
            if let Some(s) = standing(name) {
                let _ = writeln!(
                    main,
                    "<div class=\"zl-part\"><h3><a href=\"{}\">{}</a></h3></div>",
                    esc(&s.path),
                    esc(&s.name)
                );
            }
        }
        let annual = |c: &&SimColumn| c.name == "政府信息公开年报";
        main.push_str("<div class=\"zl-part fdzdgk\"><h3>法定主动公开内容</h3><ul>");
        if let Some(s) = standing("机构职能") {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&s.path),
                esc(&s.name)
            );
        }
        for c in self
            .columns
            .iter()
            .filter(|c| c.prefix == d.prefix)
            .filter(|c| !annual(c))
        {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a><span class=\"more\"><a href=\"{}\">更多&gt;&gt;</a></span></li>",
                esc(&c.path),
                esc(&c.name),
                esc(&c.path),
            );
        }
        main.push_str("</ul></div>\n");
        for c in self
            .columns
            .iter()
            .filter(|c| c.prefix == d.prefix)
            .filter(annual)
        {
            let _ = writeln!(
                main,
                "<div class=\"zl-part\"><h3><a href=\"{}\">{}</a></h3></div>",
                esc(&c.path),
                esc(&c.name)
            );
        }
        let page = ZlPage {
            title: format!("{}_{ZL_NAME}", d.full_name()),
            meta: format!(
                "<meta name=\"ColumnName\" content=\"{}\">\n",
                esc(&d.full_name())
            ),
            dept: Some(d),
            here: None,
            main,
        };
        self.zl_page(page, fallback_instant(self.today))
    }

    /// A standing page: the text of the 指南, 制度 or 机构职能.
    pub(super) fn jilin_standing(&self, s: &SimStanding) -> SimPage {
        let mut main = format!(
            "<div class=\"zl-article\"><h1>{}</h1>\n<div class=\"Custom_UnionStyle\">\n",
            esc(&s.name)
        );
        for p in &s.body {
            let _ = writeln!(main, "<p>{}</p>", esc(p));
        }
        main.push_str("</div></div>\n");
        let page = ZlPage {
            title: format!("{}_{ZL_NAME}", s.name),
            meta: column_meta(&s.name, &s.department),
            dept: self.department_at(&s.prefix),
            here: Some(s.name.clone()),
            main,
        };
        self.zl_page(page, fallback_instant(self.today))
    }

    /// A list page: static rows, or the empty table a script fills from the back-end.
    pub(super) fn jilin_list(&self, col: &SimColumn, page: usize) -> SimPage {
        let mut main = format!(
            "<div class=\"zl-title\"><h2>{}</h2></div>\n<table class=\"zly_xxmu\">\n\
             <tr class=\"zly_xxmu_title\"><th>序号</th><th>标题</th><th>文号</th><th>发布日期</th></tr>\n",
            esc(&col.name)
        );
        match col.jilin {
            Some(JilinList::Jsonp { channel_id }) => {
                let url = format!("{JILIN_JSONP_PATH}?page=1&channelId={channel_id}&callback=cb");
                let _ = write!(
                    main,
                    "<tbody id=\"content\"></tbody></table>\n<div id=\"page-body\"></div>\
                     <div class=\"go\">跳转到<input id=\"jump\" size=\"3\">页<a class=\"go-button\" href=\"javascript:void(0)\">GO</a></div>\n\
                     <script type=\"text/javascript\">\n\
                     var channelId = \"{channel_id}\";\n\
                     var firstPage = \"{url}\";\n\
                     function cb(data) {{ var html = \"\"; for (var i = 0; i < data.datas.length; i++) {{ var d = data.datas[i];\n\
                     html += '<tr class=\"zly_xxmu_20170104ulbg2\"><td>' + (i + 1) + '</td><td><div><a href=\"' + d.DOCPUBURL + '\" target=\"_blank\">' + d.DOCTITLE + '</a></div></td><td>' + d.FILENUM + '</td><td><span>' + d.DOCRELTIME.substring(0, 10) + '</span></td></tr>'; }}\n\
                     $(\"#content\").html(html); var pages = \"\"; for (var p = 1; p <= data.pageCount; p++) {{ pages += '<a href=\"javascript:void(0)\" data-page=\"' + p + '\">' + p + '</a>'; }} $(\"#page-body\").html(pages); }}\n\
                     function loadPage(n) {{ var s = document.createElement(\"script\"); s.src = \"{JILIN_JSONP_PATH}?page=\" + n + \"&channelId=\" + channelId + \"&callback=cb\"; document.body.appendChild(s); }}\n\
                     $(function () {{ loadPage(1); $(\"#page-body\").on(\"click\", \"a\", function () {{ loadPage($(this).data(\"page\")); }}); }});\n\
                     </script>\n"
                );
            }
            _ => {
                let first = page * col.per_page;
                for (i, it) in col.page_items(page).iter().enumerate() {
                    let _ = writeln!(
                        main,
                        "<tr class=\"zly_xxmu_20170104ulbg2\"><td>{}</td><td><div><a href=\"{}\" target=\"_blank\" title=\"{}\">{}</a></div></td><td>{}</td><td><span>{}</span></td></tr>",
                        first + i + 1,
                        esc(&it.href),
                        esc(&it.title),
                        esc(&it.list_text),
                        esc(it.doc_no.as_deref().unwrap_or("")),
                        ymd(it.date)
                    );
                }
                if col.items.is_empty() {
                    main.push_str("<tr><td colspan=\"4\" class=\"no-data\">暂无信息</td></tr>\n");
                }
                main.push_str("</table>\n");
                let _ = writeln!(
                    main,
                    "<div class=\"zl-page\"><script type=\"text/javascript\">createPageHTML({}, {page}, \"index\", \"html\");</script></div>",
                    col.page_count()
                );
            }
        }
        let title = if page == 0 {
            format!("{}_{}_{ZL_NAME}", col.name, col.department)
        } else {
            format!(
                "{}（第{}页）_{}_{ZL_NAME}",
                col.name,
                page + 1,
                col.department
            )
        };
        let page = ZlPage {
            title,
            meta: column_meta(&col.name, &col.department),
            dept: self.department_at(&col.prefix),
            here: Some(col.name.clone()),
            main,
        };
        let lm = col
            .items
            .first()
            .map(item_instant)
            .unwrap_or_else(|| fallback_instant(self.today));
        self.zl_page(page, lm)
    }

    /// The JSONP back-end: `callback({"total", "pageCount", "page", "datas": [...]})`, pages
    /// from 1; a page past the end has no records. `params` are the query's.
    pub fn jilin_jsonp(&self, params: &[(String, String)]) -> SimPage {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let Some(col) = get("channelId")
            .and_then(|v| v.parse::<u32>().ok())
            .and_then(|id| self.jsonp_by_channel.get(&id))
            .and_then(|i| self.columns.get(*i))
        else {
            return super::not_found();
        };
        let page: usize = get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        // Only a JavaScript name is echoed back.
        let callback: String = get("callback")
            .unwrap_or("callback")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$' || *c == '.')
            .take(64)
            .collect();
        let callback = if callback.is_empty() {
            "callback".to_owned()
        } else {
            callback
        };
        let records: &[SimItem] = if page == 0 {
            &[]
        } else {
            col.page_items(page - 1)
        };
        let datas: Vec<serde_json::Value> = records
            .iter()
            .map(|it| {
                serde_json::json!({
                    "DOCID": it.doc_id,
                    "DOCTITLE": it.title,
                    "DOCPUBURL": it.path,
                    "DOCRELTIME": format!("{} {}", ymd(it.date), it.time.format("%H:%M:%S")),
                    "FILENUM": it.doc_no.clone().unwrap_or_default(),
                })
            })
            .collect();
        let body = serde_json::json!({
            "success": true,
            "total": col.items.len(),
            "pageCount": col.items.len().div_ceil(JILIN_JSONP_PAGE),
            "page": page,
            "pageSize": JILIN_JSONP_PAGE,
            "datas": datas,
        });
        SimPage::plain(
            200,
            "application/javascript; charset=utf-8",
            format!("{callback}({body});"),
        )
    }

    /// A detail page: the metadata table twice (wide, then compact), the TRS body and the
    /// attachments; a 年报 page shows `发布日期:… 点击数:` instead of the table.
    pub(super) fn jilin_article(&self, col: &SimColumn, it: &SimItem) -> SimPage {
        let title = esc(&it.title);
        let dept = self.department_at(&col.prefix);
        let issuer = dept.map(SimDepartment::full_name).unwrap_or_default();
        let facts = self.detail_facts(col, it);
        let mut meta = format!(
            "<meta name=\"ArticleTitle\" content=\"{title}\">\n\
             <meta name=\"ColumnName\" content=\"{n}\">\n\
             <meta name=\"ContentSource\" content=\"{src}\">\n",
            n = esc(&col.name),
            src = esc(&issuer),
        );
        let mut main = String::with_capacity(8 * 1024);
        match &facts {
            Some(f) => {
                let _ = writeln!(
                    meta,
                    "<meta name=\"PubDate\" content=\"{} {}\">",
                    ymd(it.date),
                    it.time.format("%H:%M")
                );
                metadata_tables(&mut main, f);
                let _ = writeln!(main, "<div class=\"zl-article\"><h1>{title}</h1>");
            }
            None => {
                let _ = writeln!(
                    main,
                    "<div class=\"zl-article\"><h1>{title}</h1>\n\
                     <div class=\"zl-info\">发布日期:{}&nbsp;&nbsp;&nbsp;&nbsp;点击数:<span id=\"clicks\"><script>document.write(getClicks({}));</script></span></div>",
                    ymd(it.date),
                    it.doc_id
                );
            }
        }
        main.push_str("<div class=\"TRS_Editor\"><div class=\"Custom_UnionStyle\">\n");
        let date = it.date.format("%Y年%-m月%-d日");
        for p in [
            format!(
                "根据《中华人民共和国政府信息公开条例》有关规定，{issuer}现将{}有关事项公开如下。",
                it.title
            ),
            "各有关单位要高度重视，明确责任分工，细化工作措施，确保各项任务落到实处。".to_owned(),
            format!("{issuer}\u{3000}{date}"),
        ] {
            let _ = writeln!(main, "<p>{}</p>", esc(&p));
        }
        main.push_str("</div></div>\n");
        let [doc, pdf] = attachment_names(it);
        let _ = writeln!(
            main,
            "<div class=\"zl-fj\">附件：<a href=\"./{doc}\">附件1.{title}.doc</a> <a href=\"./{pdf}\">附件2.{title}.pdf</a></div>\n</div>"
        );
        let page = ZlPage {
            title: format!("{}_{}_{ZL_NAME}", it.title, col.name),
            meta,
            dept,
            here: Some(col.name.clone()),
            main,
        };
        self.zl_page(page, item_instant(it))
    }

    /// An attachment: a few bytes that start as a Word or PDF file does.
    pub(super) fn jilin_attachment(&self, it: &SimItem, pdf: bool) -> SimPage {
        let (content_type, head): (&'static str, &[u8]) = if pdf {
            ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        } else {
            ("application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        };
        let mut body = head.to_vec();
        body.extend_from_slice(it.title.as_bytes());
        body.resize(body.len() + 2048, 0);
        SimPage {
            status: 200,
            content_type,
            body,
            last_modified: Some(item_instant(it)),
        }
    }

    /// A WZWS-style challenge: status 200, an obfuscated script that computes a cookie and
    /// reloads, and no visible text.
    pub(crate) fn waf_page(&self, path: &str) -> SimPage {
        let salt = crate::util::fnv1a(path.as_bytes()) ^ self.seed;
        let body = format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><title></title></head>\
             <body><script type=\"text/javascript\">\n\
             var wzwschallenge=\"{salt:016X}\";var wzwschallengex=\"{:08X}\";var template=2;\
             var encoderchars=\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\";\n\
             function KTKY2RBD9NHPBCIHV9ZMEQQDARSLVFDU(str){{var out,i,len,c1,c2,c3;len=str.length;i=0;out=\"\";while(i<len){{c1=str.charCodeAt(i++)&0xff;\
             if(i==len){{out+=encoderchars.charAt(c1>>2);out+=encoderchars.charAt((c1&0x3)<<4);out+=\"==\";break;}}c2=str.charCodeAt(i++);\
             c3=str.charCodeAt(i++);out+=encoderchars.charAt(c1>>2);out+=encoderchars.charAt(((c1&0x3)<<4)|((c2&0xF0)>>4));\
             out+=encoderchars.charAt(((c2&0xF)<<2)|((c3&0xC0)>>6));out+=encoderchars.charAt(c3&0x3F);}}return out;}}\n\
             function QWERTASDFGXYSF(){{var tmp=wzwschallenge+wzwschallengex;var hash=0;var i=0;for(i=0;i<tmp.length;i++){{hash+=tmp.charCodeAt(i);}}\
             hash*={};hash+=111111;return \"WZWS_CONFIRM_PREFIX_LABEL\"+hash;}}\n\
             function HXXTTKKLLPPP5(){{if(template==1){{return KTKY2RBD9NHPBCIHV9ZMEQQDARSLVFDU(QWERTASDFGXYSF());}}\
             else{{return KTKY2RBD9NHPBCIHV9ZMEQQDARSLVFDU(wzwschallengex);}}}}\n\
             document.cookie=\"wzws_cid=\"+HXXTTKKLLPPP5()+\"; path=/\";\
             location.href=\"/WZWSREL\"+KTKY2RBD9NHPBCIHV9ZMEQQDARSLVFDU(location.pathname)+\"?wzwschallenge=\"+KTKY2RBD9NHPBCIHV9ZMEQQDARSLVFDU(wzwschallengex);\n\
             </script></body></html>\n",
            salt as u32,
            (salt % 9) + 2
        );
        SimPage::plain(200, HTML, body)
    }
}

/// The guideline meta tags of a column or standing page.
fn column_meta(name: &str, dept: &str) -> String {
    format!(
        "<meta name=\"ColumnName\" content=\"{n}\">\n<meta name=\"ColumnType\" content=\"{n}\">\n\
         <meta name=\"ColumnDescription\" content=\"{d}{n}\">\n\
         <meta name=\"ColumnKeywords\" content=\"{n},{d},政府信息公开\">\n",
        n = esc(name),
        d = esc(dept)
    )
}

/// The metadata table as the platform prints it: a wide layout (label and value cells) and
/// a compact one (one `label：value` cell each), one after the other.
fn metadata_tables(main: &mut String, f: &DetailFacts) {
    let written = f.written.format("%Y年%m月%d日").to_string();
    let published = f.published.format("%Y年%m月%d日").to_string();
    let doc_no = f.doc_no.as_deref().unwrap_or("");
    let _ = writeln!(
        main,
        "<div class=\"xxgk_table_wide\"><table class=\"zly_table\" cellspacing=\"0\">\n\
         <tr><td class=\"label\">索引号：</td><td>{}</td><td class=\"label\">分类：</td><td>{}</td></tr>\n\
         <tr><td class=\"label\">发文机关：</td><td>{}</td><td class=\"label\">成文日期：</td><td>{written}</td></tr>\n\
         <tr><td class=\"label\">标\u{3000}\u{3000}题：</td><td colspan=\"3\">{}</td></tr>\n\
         <tr><td class=\"label\">发文字号：</td><td>{}</td><td class=\"label\">发布日期：</td><td>{published}</td></tr>\n\
         </table></div>",
        esc(&f.index_no),
        esc(&f.category),
        esc(&f.issuer),
        esc(&f.title),
        esc(doc_no),
    );
    let _ = writeln!(
        main,
        "<div class=\"xxgk_table_compact\"><table class=\"zly_table_m\">\n\
         <tr><td>索引号：{}</td></tr><tr><td>分类：{}</td></tr><tr><td>发文机关：{}</td></tr>\n\
         <tr><td>成文日期：{written}</td></tr><tr><td>标题：{}</td></tr><tr><td>发文字号：{}</td></tr>\n\
         <tr><td>发布日期：{published}</td></tr>\n</table></div>",
        esc(&f.index_no),
        esc(&f.category),
        esc(&f.issuer),
        esc(&f.title),
        esc(doc_no),
    );
}
