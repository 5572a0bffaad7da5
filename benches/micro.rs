//! Criterion micro-benchmarks of the crawl's CPU work per page and per item: extraction with
//! each shipped template's profile, date parsing, charset decoding and classification.
//!
//! ```text
//! cargo bench --bench micro                 # everything
//! cargo bench --bench micro -- extract      # one group
//! ```
//!
//! The pages are the simulated site's (`sim::SimSite::generated`), the same bytes the crawl
//! benchmark serves, so a number here is a share of a page's cost there.

use std::hint::black_box;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use gkwatch::catalog::Catalog;
use gkwatch::classify::{Classifier, ColumnPrior, classify};
use gkwatch::config::{self, Profiles};
use gkwatch::extract::{self, PageContext, YearHint, parse_date, parse_url_date};
use gkwatch::fetch::charset;
use gkwatch::sim::{GbkMode, SimColumn, SimSite, Template};
use gkwatch::types::{PageRequest, Profile};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

/// A generated site with every template, UTF-8 and GBK columns.
fn site() -> SimSite {
    SimSite::generated(today(), 12, 8, 5, 20, 2026)
}

fn profiles() -> Profiles {
    config::load_profiles(None).expect("shipped selectors")
}

fn catalog() -> Catalog {
    config::load_catalog(None).expect("shipped catalog")
}

fn origin() -> Url {
    Url::parse("http://127.0.0.1:8080/").expect("origin")
}

/// The first column with `template` (UTF-8 unless `gbk`).
fn column(site: &SimSite, template: Template, gbk: bool) -> &SimColumn {
    site.columns()
        .iter()
        .find(|c| c.template == template && c.gbk.is_gbk() == gbk)
        .expect("a column of that template")
}

/// The decoded text of list page `page` of `col`, with the `Content-Type` it is served with.
fn page_text(site: &SimSite, col: &SimColumn, page: usize) -> (Vec<u8>, &'static str, String) {
    let served = site.page(&col.page_path(page)).expect("page");
    let decoded = charset::decode(&served.body, Some(served.content_type), Some(b"cn"));
    (served.body, served.content_type, decoded.text.into_string())
}

fn extraction(c: &mut Criterion) {
    let site = site();
    let profiles = profiles();
    let mut group = c.benchmark_group("extract");
    for (name, template, page) in [
        ("trs", Template::Trs, 0),
        ("trs_page2", Template::Trs, 1),
        ("table", Template::Table, 0),
        ("hanweb", Template::Hanweb, 0),
    ] {
        let col = column(&site, template, false);
        let profile: Arc<Profile> = profiles
            .get(template.profile())
            .expect("the template's profile")
            .clone();
        let (bytes, _, text) = page_text(&site, col, page);
        let url = Url::parse(&format!(
            "{}{}",
            origin(),
            col.page_path(page).trim_start_matches('/')
        ))
        .expect("url");
        let first =
            Url::parse(&format!("{}{}", origin(), col.path.trim_start_matches('/'))).expect("url");
        let request = PageRequest::get(url);
        let ctx = PageContext {
            request: &request,
            first_url: &first,
            page_index: u32::try_from(page).expect("small"),
            today: today(),
        };
        let found = extract::extract_list(&text, &profile, ctx);
        assert!(
            !found.items.is_empty(),
            "{name}: the profile reads the page"
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("extract_list", name), |b| {
            b.iter(|| extract::extract_list(black_box(&text), &profile, ctx))
        });
        group.bench_function(BenchmarkId::new("parse_document_only", name), |b| {
            b.iter(|| scraper::Html::parse_document(black_box(&text)))
        });
    }
    group.finish();
}

fn dates(c: &mut Criterion) {
    let texts = [
        "2024-05-20",
        "2024/5/20",
        "2024年05月20日",
        "[2024-05-20]",
        "发布时间：2024-05-20 10:31",
        "2024.05.20",
        "05-20",
        "二〇二四年五月二十日",
        "20240520",
        "2024年5月",
    ];
    let hint = YearHint {
        year: None,
        today: Some(today()),
    };
    let mut group = c.benchmark_group("date");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("parse_date_x10", |b| {
        b.iter(|| {
            for t in texts {
                black_box(parse_date(black_box(t), hint));
            }
        })
    });
    let urls = [
        "http://www.example.gov.cn/czj/zfxxgk/yjs/202405/t20240520_1234567.html",
        "http://www.example.gov.cn/art/2024/5/20/art_5001_123456.html",
        "http://www.example.gov.cn/zfxxgk/tzgg/202405/W020240520.html",
        "http://www.example.gov.cn/list/index_2.html",
    ];
    group.throughput(Throughput::Elements(urls.len() as u64));
    group.bench_function("parse_url_date_x4", |b| {
        b.iter(|| {
            for u in urls {
                black_box(parse_url_date(black_box(u)));
            }
        })
    });
    group.finish();
}

fn charsets(c: &mut Criterion) {
    let site = site();
    let mut group = c.benchmark_group("charset");
    let utf8 = column(&site, Template::Trs, false);
    let gbk_col = |mode: GbkMode| {
        site.columns()
            .iter()
            .find(|c| c.gbk == mode)
            .expect("a GBK column of that mode")
    };
    for (name, col) in [
        ("utf8_header", utf8),
        ("gbk_header", gbk_col(GbkMode::HeaderOnly)),
        ("gbk_meta", gbk_col(GbkMode::MetaOnly)),
        ("gbk_undeclared", gbk_col(GbkMode::Undeclared)),
    ] {
        let (bytes, content_type, _) = page_text(&site, col, 0);
        // Undeclared and meta-only pages are served without a charset in the header.
        let header = Some(content_type);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("decode", name), |b| {
            b.iter(|| charset::decode(black_box(&bytes), header, Some(b"cn")))
        });
    }
    group.finish();
}

fn classification(c: &mut Criterion) {
    let site = site();
    let catalog = catalog();
    let titles: Vec<(&str, &[String], &str)> = site
        .columns()
        .iter()
        .flat_map(|col| {
            col.items
                .iter()
                .take(10)
                .map(move |i| (i.title.as_str(), col.categories.as_slice(), col.id.as_str()))
        })
        .take(500)
        .collect();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(titles.len() as u64));
    // The definition: every pattern tested in catalog order.
    group.bench_function("classify_x500", |b| {
        b.iter(|| {
            for (title, categories, id) in &titles {
                let prior = ColumnPrior {
                    id,
                    categories,
                    department: Some("区生态环境局"),
                    name: None,
                };
                black_box(classify(black_box(title), Some(prior), &catalog));
            }
        })
    });
    // What a crawl uses: the catalog compiled once (literals in one automaton, a regex set).
    let classifier = Classifier::new(&catalog);
    group.bench_function("classifier_x500", |b| {
        b.iter(|| {
            for (title, categories, id) in &titles {
                let prior = ColumnPrior {
                    id,
                    categories,
                    department: Some("区生态环境局"),
                    name: None,
                };
                black_box(classifier.classify(black_box(title), Some(prior)));
            }
        })
    });
    group.finish();
}

/// Working days over spans of up to eight years: thousands per evaluation, so a span must cost a
/// binary search, not a walk day by day.
fn working_days(c: &mut Criterion) {
    let calendar = gkwatch::calendar::Calendar::china();
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(400));
    group.bench_function("working_days_between_x400", |b| {
        b.iter(|| {
            (0..400_u64)
                .map(|k| {
                    let from = start + chrono::Days::new(k);
                    u64::from(calendar.working_days_between(from, end).value)
                })
                .sum::<u64>()
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    extraction,
    dates,
    charsets,
    classification,
    working_days
);
criterion_main!(benches);
