//! Onboarding: a disclosure platform's navigation followed from its home page (or one
//! department's), every column found proposed with its department, name, URL, profile and
//! categories — what `gkwatch onboard` writes into a targets file for review.
//!
//! The walk is breadth first, level by level, bounded by a depth and a request budget, within
//! the start page's host and folder, through the crawl's fetcher (robots.txt, per-host
//! politeness and the SSRF guard apply). Each page is judged ([`read::judge`]): a list (a
//! preset verified by extracting it, or discovery's profile when it reads clearly more), a
//! standing page (指南, 机构职能), or navigation whose links lead on. A list page's own links
//! are not followed (its sidebar repeats the siblings; its pager is not a column).
//!
//! The department is read from the breadcrumb and the title (the deepest segment that names a
//! unit), else inherited from the page that linked here; never from a folder's abbreviation
//! (`fgw_6931` is the 文旅局 on the 吉林 platform).

mod expected;
mod names;
mod read;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::StreamExt;
use serde::Serialize;
use url::Url;

use crate::classify::Classifier;
use crate::config::Profiles;
use crate::discover::nav::{NavPage, read_nav};
use crate::extract::is_waf_challenge;
use crate::fetch::{FetchRequest, Fetcher};
use crate::types::{PageRequest, page_key};

pub use expected::{ColumnGap, KnownDepartment, Resolved, expected_gaps, resolve_department};
pub use names::{is_standing_name, is_unit_name, name_categories};
pub use read::{AUTO, ListFound, PageVerdict, directory, item_categories, judge_backend};

/// How far and how wide to look.
#[derive(Debug, Clone)]
pub struct OnboardOptions {
    /// The platform's home page, or one department's.
    pub start: Url,
    /// Every column found belongs to this department (one department's sub-site).
    pub department: Option<String>,
    /// Links followed from the start page at most this many times (the start page is 0).
    pub max_depth: u32,
    /// Pages fetched at most (robots.txt not counted).
    pub max_requests: usize,
    pub allow_private: bool,
    pub respect_robots: bool,
    /// Requests in flight at once (the fetcher's politeness still applies per host).
    pub concurrency: usize,
    pub today: NaiveDate,
}

/// A column found.
#[derive(Debug, Clone, Serialize)]
pub struct FoundColumn {
    /// `None`: no department could be read for it.
    pub department: Option<String>,
    /// The department's own page (its sub-site's home), when one was seen.
    pub department_home: Option<String>,
    pub name: String,
    pub url: String,
    /// `list` or `page`.
    pub kind: &'static str,
    /// A preset's name or `auto`; `None` for a standing page.
    pub profile: Option<String>,
    pub categories: Vec<String>,
    /// Where the categories came from: `name`, `items` or `none`.
    pub categories_from: &'static str,
    pub newest: Option<NaiveDate>,
    pub items: usize,
    pub confidence: f64,
    /// What a reviewer should check, in Chinese.
    pub unsure: Vec<String>,
    /// Why this profile, in Chinese.
    pub reason: String,
    pub depth: u32,
}

/// What onboarding saw.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Onboarding {
    pub columns: Vec<FoundColumn>,
    /// Pages fetched (robots.txt not counted).
    pub requests: usize,
    /// The budget ran out before the walk ended: there may be more columns.
    pub budget_spent: bool,
    /// Pages that could not be fetched.
    pub failed: Vec<FailedPage>,
    /// Pages answered by a firewall's challenge.
    pub challenged: Vec<String>,
}

/// A page that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct FailedPage {
    pub url: String,
    pub reason: String,
    /// The site says the page does not exist (404, 410): a dead link, not a gap in the walk.
    pub gone: bool,
}

/// Onboarding could not start.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    #[error(
        "{url}: blocked (waf): the site answers with a firewall's JavaScript challenge, not its pages; run onboard from a machine the site lets in"
    )]
    Blocked { url: String },
    #[error("{url}: cannot be read: {reason}")]
    Unreachable { url: String, reason: String },
}

/// What a page inherits from the page that linked to it.
#[derive(Debug, Clone, Default)]
struct Inherited {
    department: Option<String>,
    department_home: Option<String>,
    /// The linking text; for a back-end, the name of the page whose script reads it.
    text: String,
    /// This is a data back-end the script of this page (its URL) builds its list from.
    list_page: Option<String>,
}

/// Where a column sits: its name and department.
struct Place {
    name: String,
    department: Option<String>,
    /// The department was read from the column's own page, not inherited.
    own_department: bool,
}

/// What judging a page needs besides the page.
struct Judge {
    profiles: Arc<Profiles>,
    classifier: Arc<Classifier>,
    /// `--department`: every column belongs to it.
    forced: Option<String>,
    today: NaiveDate,
}

/// Walks the platform from `opts.start` and proposes its columns.
pub async fn onboard(
    opts: &OnboardOptions,
    fetcher: &Fetcher,
    profiles: Arc<Profiles>,
    classifier: Arc<Classifier>,
) -> Result<Onboarding, OnboardError> {
    let scope = read::directory(&opts.start);
    let judge = Arc::new(Judge {
        profiles,
        classifier,
        forced: opts.department.clone(),
        today: opts.today,
    });
    let mut out = Onboarding::default();
    let mut seen: HashSet<String> = HashSet::from([page_key(&opts.start)]);
    let mut level: Vec<(Url, Inherited)> = vec![(
        opts.start.clone(),
        Inherited {
            department: opts.department.clone(),
            ..Inherited::default()
        },
    )];
    let mut depth = 0;
    while !level.is_empty() {
        let room = opts.max_requests.saturating_sub(out.requests);
        if level.len() > room {
            level.truncate(room);
            out.budget_spent = true;
        }
        out.requests += level.len();
        let fetched: Vec<_> = futures::stream::iter(level.into_iter().map(|(url, inh)| {
            let fetcher = fetcher.clone();
            async move {
                let page = PageRequest::get(url.clone());
                let res = fetcher
                    .fetch(FetchRequest {
                        page: &page,
                        validators: None,
                        respect_robots: opts.respect_robots,
                        allow_private: opts.allow_private,
                        ca_file: None,
                    })
                    .await;
                (url, inh, res)
            }
        }))
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
        let mut next: Vec<(Url, Inherited)> = Vec::new();
        for (url, inh, res) in fetched {
            let body = match res {
                Ok(f) => match f.body {
                    Some(b) => (f.final_url, b.text),
                    None => {
                        out.failed.push(FailedPage {
                            url: url.to_string(),
                            reason: "empty answer".into(),
                            gone: false,
                        });
                        continue;
                    }
                },
                Err(e) => {
                    if depth == 0 {
                        return Err(OnboardError::Unreachable {
                            url: url.to_string(),
                            reason: e.to_string(),
                        });
                    }
                    out.failed.push(FailedPage {
                        url: url.to_string(),
                        reason: e.to_string(),
                        gone: matches!(e.error.status(), Some(404 | 410)),
                    });
                    continue;
                }
            };
            let (final_url, text) = body;
            let judged = {
                let judge = Arc::clone(&judge);
                let at = final_url.clone();
                tokio::task::spawn_blocking(move || judge.page(&text, &at, inh, depth)).await
            };
            let Ok(judged) = judged else {
                out.failed.push(FailedPage {
                    url: url.to_string(),
                    reason: "page analysis failed".into(),
                    gone: false,
                });
                continue;
            };
            match judged {
                Judged::Challenge => {
                    if depth == 0 {
                        return Err(OnboardError::Blocked {
                            url: url.to_string(),
                        });
                    }
                    out.challenged.push(url.to_string());
                }
                Judged::Column(col) => out.columns.push(*col),
                Judged::Unread { page, reason } => out.failed.push(FailedPage {
                    url: page,
                    reason,
                    gone: false,
                }),
                Judged::Follow(links) => {
                    for (link, inh) in links {
                        // A back-end is the page's own content: read whatever its host and
                        // however deep; links lead on only within the scope and the depth.
                        if inh.list_page.is_some() {
                            if seen.insert(page_key(&link)) {
                                next.push((link, inh));
                            }
                            continue;
                        }
                        if depth >= opts.max_depth {
                            continue;
                        }
                        if link.host_str() != opts.start.host_str()
                            || link.port_or_known_default() != opts.start.port_or_known_default()
                            || !link.path().starts_with(&scope)
                        {
                            continue;
                        }
                        if seen.insert(page_key(&link)) {
                            next.push((link, inh));
                        }
                    }
                }
            }
        }
        level = next;
        depth += 1;
    }
    out.columns.sort_by(|a, b| {
        (a.department.is_none(), &a.department, &a.url).cmp(&(
            b.department.is_none(),
            &b.department,
            &b.url,
        ))
    });
    Ok(out)
}

enum Judged {
    Challenge,
    Column(Box<FoundColumn>),
    Follow(Vec<(Url, Inherited)>),
    /// A page whose list could not be read (its script's back-end gave no list).
    Unread {
        page: String,
        reason: String,
    },
}

impl Judge {
    fn page(&self, text: &str, url: &Url, inh: Inherited, depth: u32) -> Judged {
        match inh.list_page.clone() {
            Some(page) => self.backend(text, url, inh, page, depth),
            None => self.html(text, url, inh, depth),
        }
    }

    /// A back-end's answer: the column of the page whose script reads it, or unread.
    fn backend(&self, text: &str, url: &Url, inh: Inherited, page: String, depth: u32) -> Judged {
        if is_waf_challenge(text) {
            return Judged::Challenge;
        }
        let Some(found) = judge_backend(text, url, &self.profiles, self.today) else {
            return Judged::Unread {
                page,
                reason: format!("列表由页面脚本生成，其后台 {url} 未读出有日期的条目"),
            };
        };
        let place = Place {
            name: inh.text.clone(),
            department: self.forced.clone().or(inh.department.clone()),
            own_department: true,
        };
        let mut col = self.column(place, url, &inh, Some(&found), depth);
        col.unsure.push(format!(
            "列表由页面脚本从后台读取，网址为后台地址；页面：{page}"
        ));
        Judged::Column(col)
    }

    fn html(&self, text: &str, url: &Url, inh: Inherited, depth: u32) -> Judged {
        let nav = read_nav(text, url);
        let name = column_name(&nav, &inh.text);
        let own_department = department_of(&nav, &name);
        let department = self
            .forced
            .clone()
            .or_else(|| own_department.clone())
            .or(inh.department.clone());
        let own = own_department.is_some();
        let place = || Place {
            name: name.clone(),
            department: department.clone(),
            own_department: own,
        };
        match read::judge(text, url, &nav, &name, &self.profiles, self.today) {
            PageVerdict::Challenge => Judged::Challenge,
            PageVerdict::List(found) => {
                Judged::Column(self.column(place(), url, &inh, Some(&found), depth))
            }
            PageVerdict::Standing { blank } => {
                let mut col = self.column(place(), url, &inh, None, depth);
                if blank {
                    col.unsure.push("页面为空白".into());
                }
                Judged::Column(col)
            }
            PageVerdict::Nav => {
                let home = if own && own_department != inh.department {
                    Some(url.to_string())
                } else {
                    inh.department_home.clone()
                };
                let inherit = |text: String, list_page: Option<String>| Inherited {
                    department: department.clone(),
                    department_home: home.clone(),
                    text,
                    list_page,
                };
                // A column page whose list its script builds: read the back-ends it names.
                let scripted = !name.is_empty() && !is_unit_name(&name);
                let backends = nav
                    .backends
                    .into_iter()
                    .filter(|_| scripted)
                    .map(|b| (b, inherit(name.clone(), Some(url.to_string()))));
                let links = nav
                    .links
                    .into_iter()
                    .map(|l| (l.url, inherit(l.text, None)));
                Judged::Follow(backends.chain(links).collect())
            }
        }
    }

    /// The column at `url`: a list when `found`, else a standing page.
    fn column(
        &self,
        place: Place,
        url: &Url,
        inh: &Inherited,
        found: Option<&ListFound>,
        depth: u32,
    ) -> Box<FoundColumn> {
        let Place {
            name,
            department,
            own_department,
        } = place;
        let mut unsure = Vec::new();
        let (mut categories, mut from): (Vec<String>, &'static str) = (
            name_categories(&name)
                .into_iter()
                .map(String::from)
                .collect(),
            "name",
        );
        if categories.is_empty() {
            categories = found
                .map(|f| item_categories(&f.titles, &self.classifier))
                .unwrap_or_default();
            from = "items";
            if categories.is_empty() {
                from = "none";
                unsure.push("栏目名不对应标准类别，条目也无多数类别：请填写 categories".into());
            } else {
                unsure.push("类别由条目标题推断".into());
            }
        }
        if department.is_none() {
            unsure.push("未能从面包屑或标题读出所属部门".into());
        } else if !own_department {
            unsure.push("部门取自上级页面".into());
        }
        let confidence = found.map_or(0.6, |f| f.confidence);
        if confidence < 0.5 {
            unsure.push(format!("把握较低（{confidence:.2}）"));
        }
        if let Some(f) = found
            && f.empty
        {
            unsure.push("栏目为空".into());
        }
        Box::new(FoundColumn {
            department,
            department_home: inh.department_home.clone(),
            name,
            url: url.to_string(),
            kind: if found.is_some() { "list" } else { "page" },
            profile: found.map(|f| f.profile.clone()),
            categories,
            categories_from: from,
            newest: found.and_then(|f| f.newest),
            items: found.map_or(0, |f| f.items),
            confidence,
            unsure,
            reason: found.map_or_else(|| "独立页面（无列表）".into(), |f| f.reason.clone()),
            depth,
        })
    }
}

/// A column's name: the CMS's `ColumnName`, else the breadcrumb's last segment, else the
/// link that led here, else the title's first part.
fn column_name(nav: &NavPage, link_text: &str) -> String {
    let good = |s: &str| !s.is_empty() && !is_unit_name(s) && s != "首页" && s != "正文";
    if let Some(n) = nav.column_name.as_deref().filter(|n| good(n)) {
        return n.to_string();
    }
    if let Some(n) = nav.crumbs.last().filter(|n| good(n)) {
        return n.clone();
    }
    if good(link_text) {
        return link_text.to_string();
    }
    title_parts(&nav.title)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The department a page names: the deepest breadcrumb segment that names a unit, else the
/// first unit in its title.
fn department_of(nav: &NavPage, column: &str) -> Option<String> {
    nav.crumbs
        .iter()
        .rev()
        .find(|c| c.as_str() != column && is_unit_name(c))
        .cloned()
        .or_else(|| {
            // `通知公告-洮北区人民政府`: the last part of a title is the site's name.
            let parts = title_parts(&nav.title);
            let site = parts.len().saturating_sub(1).max(1);
            parts
                .into_iter()
                .take(site)
                .find(|t| t != column && is_unit_name(t))
        })
}

fn title_parts(title: &str) -> Vec<String> {
    title
        .split(['-', '_', '|', '—', '–', '·'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// How long a column of these categories may go without a new item before it is behind (the
/// `max_age_days` proposed): yearly publications a year and a month, decisions a month.
pub fn proposed_max_age(categories: &[String], kind: &str) -> u32 {
    if kind == "page" {
        return 365;
    }
    let yearly = ["annual_report", "budget_final", "plans", "service_lists"];
    let monthly = [
        "licensing",
        "penalty_enforcement",
        "public_resource_trading",
    ];
    if categories.iter().any(|c| monthly.contains(&c.as_str())) {
        30
    } else if !categories.is_empty() && categories.iter().all(|c| yearly.contains(&c.as_str())) {
        400
    } else {
        90
    }
}

#[cfg(test)]
mod tests;
