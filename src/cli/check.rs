//! Trying extraction on one page before a column goes into the targets: `check` (a profile,
//! or `auto`, on one page), `discover` (find the list and print a ready profile), and
//! `parse-date` (how date strings are read).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use url::Url;

use super::output::{args_or_stdin, print_json, print_json_line, table};
use super::{CheckArgs, Ctx, DiscoverArgs, Exit, ParseDateArgs, TableOrJson, TomlOrJson};
use crate::config::{self, ProfileSpec};
use crate::discover::discover;
use crate::extract::{
    ExtractWarning, ListPage, YearHint, extract_first_page, parse_date, parse_url_date,
};
use crate::fetch::{self, Decoded, FetchRequest, Fetcher};
use crate::types::{PageRequest, Profile};

/// The profile name that asks for discovery instead of a named profile.
pub const AUTO: &str = "auto";

/// A page to look at: fetched (URL) or read (file), decoded, with the URL links resolve
/// against. `allow_private` lifts the SSRF refusal of non-public addresses (`--allow-private`).
async fn load_page(
    c: &Ctx,
    source: &str,
    base_url: Option<&Url>,
    allow_private: bool,
) -> anyhow::Result<(Decoded, Url)> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let url = Url::parse(source).with_context(|| format!("bad URL {source:?}"))?;
        let fetcher = Fetcher::new(&c.settings.crawl)?;
        let page = PageRequest::get(url);
        let fetched = fetcher
            .fetch(FetchRequest {
                page: &page,
                validators: None,
                respect_robots: c.settings.crawl.respect_robots,
                allow_private,
                ca_file: None,
            })
            .await?;
        let body = fetched.body.context("empty answer")?;
        Ok((body, base_url.cloned().unwrap_or(fetched.final_url)))
    } else {
        let path = Path::new(source);
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let base = match base_url {
            Some(b) => b.clone(),
            None => default_base(path)?,
        };
        let decoded = fetch::charset::decode(&bytes, None, None);
        // The bound a crawl puts on a fetched page, for a saved one too.
        let limits = fetch::PageLimits::of(&c.settings.crawl);
        if let Err(e) = fetch::complexity::check(&decoded.text, limits) {
            bail!("{} is too complex to read: {e}", path.display());
        }
        Ok((decoded, base))
    }
}

fn default_base(path: &Path) -> anyhow::Result<Url> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Url::parse("http://base.invalid/")?
        .join(&name)
        .context("file name does not make a URL")
}

/// Items and pagination as `check` and `discover` print them.
#[derive(Debug, Serialize)]
struct Extracted {
    encoding: String,
    items: Vec<CheckItem>,
    pagination: CheckPagination,
    empty_marker: bool,
    /// Extraction gave up on the page (its time budget spent), and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    too_complex: Option<String>,
    warnings: Vec<ExtractWarning>,
}

#[derive(Debug, Serialize)]
struct CheckItem {
    title: String,
    url: String,
    date: Option<String>,
    date_source: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
}

#[derive(Debug, Serialize)]
struct CheckPagination {
    strategy: &'static str,
    total_pages: Option<u32>,
    next_url: Option<String>,
}

fn extracted(decoded: &Decoded, page: ListPage) -> Extracted {
    Extracted {
        encoding: decoded.encoding_name().to_string(),
        items: page
            .items
            .iter()
            .map(|i| CheckItem {
                title: i.title.clone(),
                url: i.url.to_string(),
                date: i.date.map(|d| d.display()),
                date_source: i.date.map(|d| d.source.as_str()),
                pinned: i.pinned,
            })
            .collect(),
        pagination: CheckPagination {
            strategy: page.pagination.strategy,
            total_pages: page.pagination.total_pages,
            next_url: page.pagination.next.as_ref().map(|n| n.url.to_string()),
        },
        empty_marker: page.empty_marker,
        too_complex: page.too_complex,
        warnings: page.warnings,
    }
}

fn print_table(out: &Extracted) -> anyhow::Result<()> {
    let mut t = table(&["#", "date", "source", "title", "url"]);
    for (i, item) in out.items.iter().enumerate() {
        t.add_row(vec![
            (i + 1).to_string(),
            item.date.clone().unwrap_or_else(|| "-".into()),
            item.date_source.unwrap_or("-").to_string(),
            if item.pinned {
                format!("[置顶] {}", item.title)
            } else {
                item.title.clone()
            },
            item.url.clone(),
        ]);
    }
    println!("{t}");
    println!(
        "{} items · encoding {} · pagination {} (total pages {}, next {})",
        out.items.len(),
        out.encoding,
        out.pagination.strategy,
        out.pagination
            .total_pages
            .map_or("?".to_string(), |n| n.to_string()),
        out.pagination.next_url.as_deref().unwrap_or("none")
    );
    if out.empty_marker {
        println!("the page says the column is empty (暂无信息)");
    }
    if let Some(why) = &out.too_complex {
        println!("extraction gave up: {why}: a crawl ends such a column extraction_failed");
    }
    for w in &out.warnings {
        println!("warning: {}", serde_json::to_string(w)?);
    }
    Ok(())
}

pub(super) async fn check(c: &Ctx, a: &CheckArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(|| c.today());
    let (decoded, page_url) = load_page(c, &a.source, a.base_url.as_ref(), a.allow_private).await?;
    let profile: Arc<Profile> = if a.profile == AUTO {
        let Some(found) = discover(&decoded.text, &page_url, today) else {
            bail!("no list found on the page (an empty column, or a list built by JavaScript?)");
        };
        eprintln!("auto: {}", found.reason);
        Arc::new(config::compile_spec(&found.spec)?)
    } else {
        let profiles = config::load_profiles(c.selectors.as_deref())?;
        match profiles.get(&a.profile) {
            Some(p) => p.clone(),
            None => {
                let known: Vec<&str> = profiles.names().collect();
                bail!(
                    "unknown profile {:?} (known: {}, or auto)",
                    a.profile,
                    known.join(", ")
                );
            }
        }
    };
    let page = extract_first_page(&decoded.text, &profile, &page_url, today);
    let out = extracted(&decoded, page);
    match a.format {
        TableOrJson::Json => print_json(&out)?,
        TableOrJson::Table => print_table(&out)?,
    }
    Ok(Exit::Ok)
}

/// What `discover --format json` prints.
#[derive(Debug, Serialize)]
struct DiscoverOutput<'a> {
    profile: &'a ProfileSpec,
    confidence: f64,
    reason: &'a str,
    #[serde(flatten)]
    extracted: Extracted,
}

pub(super) async fn discover_profile(c: &Ctx, a: &DiscoverArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(|| c.today());
    let (decoded, page_url) = load_page(c, &a.source, a.base_url.as_ref(), a.allow_private).await?;
    let Some(mut found) = discover(&decoded.text, &page_url, today) else {
        bail!(
            "no list found on {}: no repeated blocks that each carry a link and a date (an empty column, or a list built by JavaScript — try a json profile, see selectors/trs.toml)",
            a.source
        );
    };
    if let Some(name) = &a.name {
        found.spec.name = name.clone();
    }
    let profile = config::compile_spec(&found.spec)?;
    let page = extract_first_page(&decoded.text, &profile, &page_url, today);
    let out = DiscoverOutput {
        profile: &found.spec,
        confidence: found.confidence,
        reason: &found.reason,
        extracted: extracted(&decoded, page),
    };
    match a.format {
        TomlOrJson::Json => print_json(&out)?,
        TomlOrJson::Toml => {
            #[derive(Serialize)]
            struct File<'a> {
                profile: [&'a ProfileSpec; 1],
            }
            println!(
                "# Discovered on {} (confidence {:.2}): {}",
                a.source, out.confidence, out.reason
            );
            println!(
                "# Save under selectors/ and name it in a column's `profile`, or use profile = \"auto\"."
            );
            print!(
                "{}",
                toml::to_string(&File {
                    profile: [out.profile]
                })?
            );
            println!(
                "# It reads {} items from this page:",
                out.extracted.items.len()
            );
            for item in out.extracted.items.iter().take(10) {
                println!(
                    "#   {}  {}  {}",
                    item.date.as_deref().unwrap_or("----------"),
                    item.title,
                    item.url
                );
            }
            if out.extracted.items.len() > 10 {
                println!("#   … and {} more", out.extracted.items.len() - 10);
            }
            println!(
                "# pagination: {} (next {})",
                out.extracted.pagination.strategy,
                out.extracted
                    .pagination
                    .next_url
                    .as_deref()
                    .unwrap_or("none")
            );
        }
    }
    Ok(Exit::Ok)
}

pub(super) fn parse_dates(a: &ParseDateArgs, today: NaiveDate) -> anyhow::Result<Exit> {
    let hint = YearHint {
        year: a.year_hint,
        today: Some(a.today.unwrap_or(today)),
    };
    for text in args_or_stdin(&a.texts)? {
        let parsed = if a.url {
            parse_url_date(&text)
        } else {
            parse_date(&text, hint)
        };
        print_json_line(&json!({
            "text": text,
            "date": parsed.map(|d| d.display()),
            "precision": parsed.map(|d| d.precision),
        }))?;
    }
    Ok(Exit::Ok)
}
