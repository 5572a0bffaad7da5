//! The content phase (issue 18): items' pages read and scanned for personal data.
//!
//! A crawl runs it after every column's list has been committed, so list freshness never
//! waits on it: the new items of the crawled columns (first seen from the run that added the
//! scan on) are read oldest first, up to `[privacy] pages_per_run` pages a run; the rest wait
//! for the next run. `gkwatch scan --since DATE` runs the same reader over stored items ([`scan`]).
//! Fetches go through the crawl's fetcher, so robots.txt and the per-host limits hold.
//!
//! Each page becomes text and tables (`content::blocks_from_html`), scanned with the
//! deployment's [`Scanner`]; what is kept is masked, placed and fingerprinted only. A page that
//! does not load is recorded as not scanned, with why. Attachments linked from the page (up to
//! `[privacy] attachments_per_page`, each under `max_attachment_mib`) are downloaded through
//! the same fetcher and read by `content::read_attachment` (sheets, docx, PDF text layers,
//! text); their numbers are the item's hits too, with the attachment's URL as their source.
//! One that cannot be downloaded is `failed`, one that cannot be read (a scan without a text
//! layer, an old `.doc`, encrypted …) `not_scanned` with why, one read only in part (a cap)
//! `scanned` with that said: none is skipped silently.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use scraper::{Html, Selector};
use url::Url;

use super::CrawlOptions;
use super::page::fetch_page;
use crate::config::{Column, PrivacySettings, Targets};
use crate::content::{
    self, Block, Limits, NotScanned, Position, PrivacyScan, Scanner, blocks_from_html,
};
use crate::fetch::{FetchError, FetchRequest, Fetcher};
use crate::store::{
    AttachmentRecord, HitRecord, ScanOutcome, ScanRecord, ScanTarget, Store, StoreError,
};
use crate::types::{PageKind, PageRequest};

/// The deployment's secret for fingerprints: this file in the database's directory.
pub const KEY_FILE: &str = "gkwatch-privacy.key";

/// Bytes of a new secret.
const KEY_BYTES: usize = 32;

/// Scans saved in one transaction.
const SAVE_EVERY: usize = 50;

/// Why the content phase could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("cannot read or create the privacy key {}: {source}", path.display())]
    Key {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a content phase did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Pages read and scanned.
    pub scanned: usize,
    /// Pages that could not be read (recorded as not scanned).
    pub not_scanned: usize,
    /// Personal numbers in full found, and weak masks.
    pub hits: usize,
    pub weak_masks: usize,
    /// Attachments not read (could not be downloaded or read, or over the page's limit).
    pub attachments_not_scanned: usize,
    /// Items still waiting (the budget was spent).
    pub pending: u64,
}

/// The privacy key beside the database at `db`: read, or created (random, mode 0600) on first
/// use. Never in a tracked file.
pub fn privacy_key(db: &Path) -> Result<Vec<u8>, ContentError> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = dir.join(KEY_FILE);
    let err = |source| ContentError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(key) if key.len() >= 16 => return Ok(key),
        Ok(_) => {
            return Err(err(std::io::Error::other(
                "the file is shorter than 16 bytes: restore it, or remove it to start a new key (old fingerprints will no longer match)",
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let mut key = vec![0u8; KEY_BYTES];
    {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut key))
            .map_err(err)?;
    }
    // Created exclusively: two processes starting at once keep the first one's key.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(&key).and_then(|()| f.sync_all()).map_err(err)?;
            tracing::info!(path = %path.display(), "privacy key created");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read(&path).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// The scanner of the deployment whose database is `store`.
pub fn scanner(
    store: &Store,
    privacy: &PrivacySettings,
    today: NaiveDate,
) -> Result<Scanner, ContentError> {
    let key = privacy_key(store.path())?;
    Ok(Scanner::new(&key, &privacy.allowed_numbers, today))
}

/// The crawl's content phase: new items of `columns` read and scanned within the run's budget.
/// A key that cannot be had stops the phase (logged), not the crawl: the pages wait.
pub(super) async fn scan_new(
    columns: &[&Column],
    store: &Store,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    run_id: i64,
) -> Result<ScanSummary, StoreError> {
    if opts.privacy.pages_per_run == 0 {
        return Ok(ScanSummary::default());
    }
    let scanner = match scanner(store, &opts.privacy, opts.today) {
        Ok(s) => s,
        Err(ContentError::Store(e)) => return Err(e),
        Err(e) => {
            tracing::error!("privacy scan skipped: {e}");
            return Ok(ScanSummary::default());
        }
    };
    let ids: Vec<&str> = columns.iter().map(|c| c.id.as_str()).collect();
    let targets = store
        .pending_scans(&ids, opts.privacy.pages_per_run)
        .await?;
    let by_id: HashMap<&str, &Column> = columns.iter().map(|c| (c.id.as_str(), *c)).collect();
    let mut summary =
        read_and_scan(&by_id, targets, store, fetcher, opts, scanner, Some(run_id)).await?;
    summary.pending = store.pending_scan_count(&ids).await?;
    Ok(summary)
}

/// `gkwatch scan --since DATE`: the stored items of the configured columns (of `department`
/// or `column` when given) published since `since` read again and scanned, newest first, at
/// most `max_pages`. Each scan replaces the item's earlier one.
pub async fn scan(
    targets: &Targets,
    store: &Store,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    since: NaiveDate,
    max_pages: usize,
) -> Result<ScanSummary, ContentError> {
    let columns: Vec<&Column> = targets
        .columns
        .iter()
        .filter(|c| c.crawl_url().is_some())
        .filter(|c| opts.column.as_ref().is_none_or(|id| &c.id == id))
        .filter(|c| {
            opts.department.as_ref().is_none_or(|d| {
                &c.department == d
                    || targets
                        .departments
                        .iter()
                        .any(|dep| dep.name == c.department && dep.aliases.contains(d))
            })
        })
        .collect();
    let scanner = scanner(store, &opts.privacy, opts.today)?;
    let ids: Vec<&str> = columns.iter().map(|c| c.id.as_str()).collect();
    let found = store.items_to_rescan(&ids, since, max_pages).await?;
    let by_id: HashMap<&str, &Column> = columns.iter().map(|c| (c.id.as_str(), *c)).collect();
    Ok(read_and_scan(&by_id, found, store, fetcher, opts, scanner, None).await?)
}

/// Reads and scans each target's page, saving the scans as they come.
async fn read_and_scan(
    columns: &HashMap<&str, &Column>,
    found: Vec<ScanTarget>,
    store: &Store,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    scanner: Scanner,
    run_id: Option<i64>,
) -> Result<ScanSummary, StoreError> {
    let scanner = Arc::new(scanner);
    let mut summary = ScanSummary::default();
    let parallel = opts.parallel_columns.max(1);
    // Futures built in a plain loop, not by closures in stream combinators: the crawl's
    // future stays `Send` for every lifetime (a closure's borrow would not be).
    let mut reads = Vec::with_capacity(found.len());
    for t in found {
        let Some(col) = columns.get(t.column_id.as_str()).copied() else {
            continue;
        };
        reads.push(read_one(col, t, fetcher, opts, Arc::clone(&scanner)));
    }
    let mut scans = futures::stream::iter(reads).buffer_unordered(parallel);
    let mut batch = Vec::with_capacity(SAVE_EVERY);
    while let Some(record) = scans.next().await {
        match &record.outcome {
            ScanOutcome::Scanned { hits, .. } => {
                summary.scanned += 1;
                summary.hits += hits.iter().filter(|h| !h.weak).count();
                summary.weak_masks += hits.iter().filter(|h| h.weak).count();
            }
            ScanOutcome::Failed(_) => summary.not_scanned += 1,
        }
        summary.attachments_not_scanned += record
            .attachments
            .iter()
            .filter(|a| a.state != "scanned")
            .count();
        batch.push(record);
        if batch.len() >= SAVE_EVERY {
            store.save_scans(run_id, &batch).await?;
            batch.clear();
        }
    }
    store.save_scans(run_id, &batch).await?;
    tracing::info!(
        scanned = summary.scanned,
        not_scanned = summary.not_scanned,
        numbers = summary.hits,
        weak_masks = summary.weak_masks,
        attachments_not_scanned = summary.attachments_not_scanned,
        "privacy scan done"
    );
    Ok(summary)
}

/// One item's page read and scanned.
async fn read_one(
    col: &Column,
    target: ScanTarget,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    scanner: Arc<Scanner>,
) -> ScanRecord {
    let failed = |why: String| ScanRecord {
        item_id: target.item_id,
        page_url: target.url.clone(),
        outcome: ScanOutcome::Failed(why),
        attachments: Vec::new(),
        scanned_at: Utc::now(),
    };
    let Ok(url) = Url::parse(&target.url) else {
        return failed("the stored URL does not parse".into());
    };
    let request = PageRequest::get(url.clone());
    let (fetched, _log) = fetch_page(fetcher, col, opts, &request, PageKind::Detail, None).await;
    let fetched = match fetched {
        Ok(f) => f,
        Err(failure) => {
            let why = format!("{}: {}", failure.error.kind(), failure.error.reason());
            tracing::warn!(column = %col.id, url = %target.url, "page not scanned: {why}");
            return failed(why);
        }
    };
    let Some(body) = fetched.body else {
        return failed("the server sent no body (304)".into());
    };
    let base = fetched.final_url.clone();
    let text = body.text;
    let page_url = target.url.clone();
    let page_scanner = Arc::clone(&scanner);
    let scanned = tokio::task::spawn_blocking(move || {
        let links = attachment_links(&text, &base);
        let blocks = blocks_from_html(&text);
        let scan = page_scanner.scan(&blocks);
        (hit_records(&page_url, &blocks, &scan), scan.masked, links)
    })
    .await;
    let Ok((mut hits, mut masked, links)) = scanned else {
        return failed("the page could not be scanned".into());
    };
    let mut attachments = Vec::with_capacity(links.len());
    for (n, link) in links.into_iter().enumerate() {
        if n >= opts.privacy.attachments_per_page {
            attachments.push(AttachmentRecord {
                url: link.to_string(),
                state: "not_scanned",
                reason: Some(format!(
                    "超过每页附件上限（{} 个）",
                    opts.privacy.attachments_per_page
                )),
            });
            continue;
        }
        let read = read_attachment(col, link, fetcher, opts, Arc::clone(&scanner)).await;
        if let Some((found, numbers_masked)) = read.found {
            hits.extend(found);
            masked += numbers_masked;
        }
        attachments.push(read.record);
    }
    ScanRecord {
        item_id: target.item_id,
        page_url: target.url,
        outcome: ScanOutcome::Scanned { hits, masked },
        attachments,
        scanned_at: Utc::now(),
    }
}

/// An attachment read: what became of it, and what was found in it when it was read.
struct AttachmentRead {
    record: AttachmentRecord,
    found: Option<(Vec<HitRecord>, usize)>,
}

/// Downloads one attachment under the column's rules and the size cap, reads it and scans it.
async fn read_attachment(
    col: &Column,
    url: Url,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    scanner: Arc<Scanner>,
) -> AttachmentRead {
    let record = |state: &'static str, reason: Option<String>| AttachmentRecord {
        url: url.to_string(),
        state,
        reason,
    };
    // Not read: why, and nothing found.
    let unread = |state: &'static str, why: String| AttachmentRead {
        record: record(state, Some(why)),
        found: None,
    };
    let page = PageRequest::get(url.clone());
    let limit = opts.privacy.max_attachment_bytes();
    let fetched = fetcher
        .fetch_file(
            FetchRequest {
                page: &page,
                validators: None,
                respect_robots: opts.obeys_robots(col),
                allow_private: col.allow_private,
                ca_file: col.ca_file.as_deref(),
            },
            limit,
        )
        .await;
    let file = match fetched {
        Ok(file) => file,
        Err(failure) if matches!(failure.error, FetchError::TooLarge { .. }) => {
            let why = format!(
                "附件过大（超过 {} MiB），未检查",
                opts.privacy.max_attachment_mib
            );
            return unread("not_scanned", why);
        }
        Err(failure) => {
            let why = format!("{}: {}", failure.error.kind(), failure.error.reason());
            tracing::warn!(column = %col.id, url = %url, "attachment not downloaded: {why}");
            return unread("failed", why);
        }
    };
    let source = url.to_string();
    let name = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default()
        .to_string();
    let limits = Limits {
        max_bytes: limit,
        ..Limits::default()
    };
    let read = tokio::task::spawn_blocking(move || {
        let attachment =
            content::read_attachment(&name, file.content_type.as_deref(), &file.bytes, &limits)?;
        let scan = scanner.scan(&attachment.blocks);
        let mut hits = hit_records(&source, &attachment.blocks, &scan);
        // Staff read where a number is: in which file first.
        for h in &mut hits {
            h.place = format!("附件 {name} {}", h.place);
        }
        Ok::<_, NotScanned>((hits, scan.masked, attachment.format, attachment.truncated))
    })
    .await;
    match read {
        Ok(Ok((hits, masked, format, truncated))) => {
            let reason =
                truncated.then(|| format!("{} 文件过大，只检查了前面部分", format.as_str()));
            AttachmentRead {
                record: record("scanned", reason),
                found: Some((hits, masked)),
            }
        }
        Ok(Err(not_scanned)) => unread(
            "not_scanned",
            format!("{}（{not_scanned}）", not_scanned.reason().label()),
        ),
        Err(_) => unread("not_scanned", "附件读取中断".into()),
    }
}

/// File name endings of attachments (documents, sheets, archives).
const ATTACHMENT_ENDINGS: &[&str] = &[
    ".xls", ".xlsx", ".et", ".ods", ".csv", ".doc", ".docx", ".wps", ".odt", ".pdf", ".ofd",
    ".zip", ".rar", ".7z", ".txt", ".rtf",
];

static LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));

/// Links of the page to files that are attachments, each once, in page order.
fn attachment_links(html: &str, base: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let mut out: Vec<Url> = Vec::new();
    for a in doc.select(&LINKS) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        let path = url.path().to_ascii_lowercase();
        if matches!(url.scheme(), "http" | "https")
            && ATTACHMENT_ENDINGS.iter().any(|e| path.ends_with(e))
            && !out.contains(&url)
        {
            out.push(url);
        }
    }
    out
}

/// The scan's hits and weak masks as the store keeps them, each placed for staff.
fn hit_records(url: &str, blocks: &[Block], scan: &PrivacyScan) -> Vec<HitRecord> {
    let position = |p: &Position| serde_json::to_string(p).unwrap_or_default();
    let mut out: Vec<HitRecord> = scan
        .hits
        .iter()
        .map(|h| HitRecord {
            source_url: url.to_string(),
            kind: h.kind,
            weak: false,
            masked: h.masked.clone(),
            position: position(&h.at),
            place: place(blocks, &h.at),
            near_name: h.near_name,
            confidence: Some(h.confidence),
            fingerprint: Some(h.fingerprint.clone()),
        })
        .collect();
    out.extend(scan.weak_masks.iter().map(|w| HitRecord {
        source_url: url.to_string(),
        kind: w.kind,
        weak: true,
        masked: w.masked.clone(),
        position: position(&w.at),
        place: place(blocks, &w.at),
        near_name: false,
        confidence: None,
        fingerprint: None,
    }));
    out
}

/// Where a position is, for staff: `正文第3行`, `第1个表格「身份证号码」列`.
fn place(blocks: &[Block], at: &Position) -> String {
    match at {
        Position::Text { line, .. } => format!("正文第{line}行"),
        Position::Cell {
            block,
            column,
            header,
            ..
        } => {
            let table = blocks
                .iter()
                .take(*block + 1)
                .filter(|b| matches!(b, Block::Table(_)))
                .count();
            match header {
                Some(h) => format!("第{table}个表格「{h}」列"),
                None => format!("第{table}个表格第{column}列"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_links_are_found_once_and_resolved() {
        let base = Url::parse("http://a.gov.cn/x/y/t1.html").expect("url");
        let html = r#"<a href="f.xlsx">名单</a><a href="/f/b.PDF">b</a><a href="f.xlsx">again</a>
            <a href="t2.html">page</a><a href="javascript:void(0)">x</a>"#;
        let links: Vec<String> = attachment_links(html, &base)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            links,
            vec!["http://a.gov.cn/x/y/f.xlsx", "http://a.gov.cn/f/b.PDF"]
        );
    }

    #[test]
    fn the_key_is_created_once_private_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("g.db");
        let a = privacy_key(&db).expect("key");
        let b = privacy_key(&db).expect("key");
        assert_eq!(a, b);
        assert_eq!(a.len(), KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(KEY_FILE), b"short").expect("write");
        assert!(privacy_key(&db).is_err());
    }

    #[test]
    fn places_name_the_table_column_or_the_line() {
        let blocks = vec![
            Block::Text("a".into()),
            Block::Table(vec![]),
            Block::Table(vec![]),
        ];
        let cell = Position::Cell {
            block: 2,
            row: 3,
            column: 2,
            header: Some("身份证号码".into()),
        };
        assert_eq!(place(&blocks, &cell), "第2个表格「身份证号码」列");
        let line = Position::Text { block: 0, line: 4 };
        assert_eq!(place(&blocks, &line), "正文第4行");
    }
}
