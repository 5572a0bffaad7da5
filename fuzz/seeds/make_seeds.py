#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into fuzz/seeds/<target>/ (run from anywhere).

The date_parser seeds start with 4 header bytes that choose the year hint (see
fuzz_targets/date_parser.rs); the charset seeds start with a flag byte (bit 0: a Content-Type
line follows). GBK bodies are encoded here so that no binary file has to be edited by hand.
"""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent


def write(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# --- date_parser: 4 header bytes + text -------------------------------------------------------
H_FIXED = b"\x00\x00\x00\x00"  # year 2026, today 2026-11-27
H_NONE = b"\x0f\x00\x00\x00"  # year None, today None
H_ROLL = b"\x07\x36\x40\x00"  # year None, today 1980-01-01 + 0x4036 days = 2025-01-02
dates = [
    (H_FIXED, "发布日期：2023年5月12日"),
    (H_NONE, "2023-05-12 09:30:15"),
    (H_NONE, "２０２３／０５／１２"),
    (H_NONE, "二〇二三年五月十二日"),
    (H_ROLL, "[12-30]"),
    (H_FIXED, "5月12日"),
    (H_NONE, "http://www.example.gov.cn/xxgk/202305/t20230512_123.html"),
    (H_NONE, "art/2024/3/15/art_1234_5678.html"),
    (H_NONE, "/content/2023-05/12/"),
    (H_FIXED, "成文日期：2023-05-10\n发布时间：2023-05-12 来源：区财政局"),
    (H_NONE, "2023.05万元"),
    (H_NONE, "20230512"),
]
for i, (h, text) in enumerate(dates):
    write("date_parser", f"seed{i:02}", h + text.encode("utf-8"))

# --- charset: flag byte [+ content-type line] + body ------------------------------------------
body = '<html><head><meta charset="gb2312"><title>通知公告</title></head><body><li><a href="t20230512_1.html">关于印发洮北区政务公开工作要点的通知</a><span>2023-05-12</span></li></body></html>'
write("charset", "gbk_meta", b"\x00" + body.encode("gbk"))
write("charset", "gbk_header", b"\x01text/html; charset=GBK\n" + body.replace('charset="gb2312"', "").encode("gbk"))
write("charset", "cp936_header", b"\x01text/html;charset=\"cp936\"\n" + "发布日期：2023年5月12日".encode("gbk"))
write("charset", "gbk_undeclared", b"\x00" + "<p>区财政局2023年部门预算公开</p>".encode("gbk"))
write("charset", "utf8_undeclared", b"\x00" + "<p>区财政局2023年部门预算公开</p>".encode("utf-8"))
write("charset", "utf8_bom", b"\x02\xef\xbb\xbf" + "<p>发布日期</p>".encode("utf-8"))
write("charset", "http_equiv", b"\x04" + '<!-- x --><meta http-equiv="Content-Type" content="text/html; charset=gbk"><p>'.encode() + "政务公开".encode("gbk"))
write("charset", "utf8_header_gbk_body", b"\x01text/html; charset=utf-8\n" + "政务公开".encode("gbk"))
write("charset", "ascii", b"\x00<html><body>hello</body></html>")

# --- extract_list: pages ----------------------------------------------------------------------
write("extract_list", "trs_list", """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li></ul>
<div class="list_base"><ul class="xxgk_list">
  <li><a href="./202305/t20230512_4711.html" title="关于印发洮北区2023年政务公开工作要点的通知">关于印发洮北区2023…</a><span class="date">2023-05-12</span></li>
  <li><a href="../../zdly/202304/t20230428_4650.html" title="区财政局 2023年部门预算">区财政局 2023年部门预算</a><span class="date">[04-28]</span></li>
  <li><a href="javascript:void(0)">无效链接</a><span class="date">2023-04-01</span></li>
</ul></div>
<script type="text/javascript">createPageHTML(3, 0, "index", "html");</script>
</body></html>""")
write("extract_list", "hanweb_col", """<html><body><div id="4455"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=4455&unitid=9100&permissiontype=0"></a>]]></nextgroup><recordset>
<record><![CDATA[<li><a href="/art/2023/4/2/art_4455_99.html" title="甲">甲</a><b>2023-04-02</b></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/4/1/art_4455_98.html" title="乙">乙</a><b>2023-04-01</b></li>]]></record>
</recordset></datastore></script></div><script>var totalRecord = 45; var perPage = 15; groupSize: 3</script></body></html>""")
write("extract_list", "hanweb_answer", """<datastore><totalrecord>5</totalrecord><totalpage>5</totalpage><recordset><record><![CDATA[<li><a href="/art/2023/4/2/art_4455_99.html" title="甲">甲</a><b>2023-04-02</b></li>]]></record></recordset></datastore>""")
write("extract_list", "ucap_json", """<html><body><ul class="List_list"></ul><script>var pageSize = 10; var listData = {"articleList":[{"title":"关于2023年预算公开的通知","urls":"{\\"pc\\":\\"/zwgk/content_123.html\\"}","pubDate":"2023-05-12 09:30:00"},{"title":"乙","urls":"{\\"pc\\":\\"javascript:;\\"}","pubDate":1700000000000}]};</script></body></html>""")
write("extract_list", "gkmlpt_json", """{"total":42,"articles":[{"title":"<p>关于印发《甲办法》的通知</p>","url":"http://a.gov.cn/x/1.html","display_publish_time":1700000000},{"title":"乙","url":"/x/2.html","display_publish_time":1700000000000}]}""")
write("extract_list", "table_list", """<html><head><meta charset="gbk"></head><body><table class="gk-table">
<tr><th>标题</th><th>日期</th></tr>
<tr><td><a href="/zwgk/2023/05/12/a.html">关于做好2023年度政务公开工作的通知</a></td><td>2023年05月12日</td></tr>
<tr><td><a href="b.html#top">乙</a></td><td>05-02</td></tr>
</table><div class="page"><a href="list_2.html">下一页</a></div></body></html>""")
write("extract_list", "detail", """<html><head><meta name="ArticleTitle" content="<b>关于</b> 预算公开"><meta name="PubDate" content="2023-05-12 10:00"><meta name="ContentSource" content="区财政局"></head>
<body><table class="xxgk-info"><tr><td>成文日期：</td><td>2023年04月28日</td></tr></table><div class="info">来源：区民政局　发布时间：2023-05-13 10:00　浏览次数：12</div><p>暂无信息</p></body></html>""")
write("extract_list", "base_href", """<html><head><base href="http://cdn.a.gov.cn/zwgk/"></head><body><div class="news"><ul>
<li><a href="1.html">一</a><em>2023-05-01</em></li><li><a href="2.html">二</a><em>2023-05-02</em></li><li><a href="3.html">三</a><em>2023-05-03</em></li>
</ul></div><div class="pages"><a href="index_1.html">下一页</a> 共5页</div></body></html>""")

# --- config: TOML files -----------------------------------------------------------------------
write("config", "targets", """demo = true

[[department]]
name = "区财政局"
aliases = ["洮北区财政局"]
site = "http://demo.invalid/czj/"

[[department.column]]
id = "czj-yjs"
name = "财政预决算"
url = "zfxxgk/yjs/index.html"
profile = "trs_list"
kind = "list"
categories = ["budget_final"]
max_age_days = 30

[[department.column]]
id = "czj-jgzn"
name = "机构职能"
url = "zfxxgk/jgzn/index.html"
kind = "page"
categories = ["org_functions"]
""")
write("config", "selectors", """[[profile]]
name = "trs_list"
description = "TRS list"
item = ".list_base ul > li, ul.xxgk_list > li"
link = "a[href]"
date = "span"
date_fallbacks = ["url", "detail_meta"]
pagination = "trs_create_page_html"
max_pages = 30

[[profile]]
name = "api"
source = "json"
pagination = "url_template"
page_template = "?page={n}"
page_start = 2

[profile.json]
items = "articles"
title = "title"
url = "url"
date = "display_publish_time"
""")
write("config", "settings", """database = "gkwatch.db"
timezone = "Asia/Shanghai"

[schedule]
crawl = "30 2 * * *"
full_crawl = "30 2 * * 0"
report = "0 8 * * 1"

[crawl]
contact = "gkb@example.gov.cn"
concurrency = 16
per_host = 2
min_delay_ms = 500

[smtp]
host = "smtp.example.gov.cn"
from = "gkwatch@example.gov.cn"
user = "gkwatch"
password_env = "GKWATCH_SMTP_PASSWORD"

[recipients]
office = ["gkb@example.gov.cn"]
""")
# The catalog seed is the head of the shipped catalog: two categories and two tasks.
tasks = (ROOT.parent.parent / "targets" / "tasks.toml").read_text(encoding="utf-8").splitlines(keepends=True)
write("config", "catalog", "".join(tasks[30:45] + tasks[295:321]))


# --- deep_documents: 2 bytes n/4 (little-endian), then prefix \0 opener \0 middle \0 closer ----
def deep(name, quarter, prefix, opener, middle, closer):
    write("deep_documents", name, quarter.to_bytes(2, "little") + "\0".join([prefix, opener, middle, closer]).encode("utf-8"))


LIST = '<div class="list_base"><ul class="xxgk_list"><li><a href="./202611/t20261101_1.html" title="甲">甲</a><span class="date">2026-11-01</span></li></ul></div>'
deep("divs_100k", 25000, LIST, "<div>", "深", "</div>")
deep("divs_512", 128, LIST, "<div>", "深", "</div>")
deep("nested_lists", 5000, LIST, "<li><ul>", '<a href="x.html">x</a>', "</ul></li>")
deep("nested_tables", 2000, LIST, "<table><tr><td>", "x", "</td></tr></table>")
deep("unclosed_items", 50000, "<ul>", '<li><a href="a.html">a</a><span class="date">2026-11-01</span>', "", "")
deep("reconstructed_formatting", 500, "<div>" + "".join(f"<b id=b{i}>" for i in range(400)) + "</div>", "<p>x</p>", "", "")
deep("json_brackets", 50, '{"articles":[{"title":"甲","url":"/1.html","x":', "[", "0", "]")
deep("flat_rows", 16000, '<table class="gk-table">', '<tr><td><a href="a.html">甲</a></td><td>2026-11-01</td></tr>', "", "")
