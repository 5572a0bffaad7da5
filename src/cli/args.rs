//! The command line's flags and subcommands (clap derive): what `--help` shows.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Watches the information-disclosure columns (政府信息公开专栏) of a district's departments.
#[derive(Debug, Parser)]
#[command(name = "gkwatch", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// SQLite database file [default: the settings' `database`, else gkwatch.db; for `demo`, a
    /// new temporary directory]
    #[arg(long, global = true, value_name = "PATH", env = "GKWATCH_DB")]
    pub db: Option<PathBuf>,
    /// Targets: a directory of *.toml (demo files skipped) or one file [default: the settings'
    /// `targets`, else ./targets; for `demo`, the built-in demo district]
    #[arg(long, global = true, value_name = "PATH")]
    pub targets: Option<PathBuf>,
    /// Directory (or file) of selector profiles added to the built-in ones; a profile of the
    /// same name replaces the built-in one [default: the settings' `selectors`, else none]
    #[arg(long, global = true, value_name = "DIR")]
    pub selectors: Option<PathBuf>,
    /// Task catalog replacing the built-in one (the 2023 task list's tasks, categories and
    /// title patterns) [default: the settings' `catalog`, else built in]
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Language of the staff commands' tables and CSV headings [default: the settings' `lang`,
    /// else zh]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<super::output::Lang>,
    /// Settings file [default: ./gkwatch.toml, else /etc/gkwatch/gkwatch.toml, if present]
    #[arg(long, global = true, value_name = "FILE", env = "GKWATCH_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the bundled simulated district site on 127.0.0.1, crawl it into a fresh demo
    /// database and print a summary
    Demo(DemoArgs),
    /// Crawl the configured columns once
    Crawl(CrawlArgs),
    /// Read the pages of stored items published since DATE again and scan them for personal
    /// data (the clean-up of what is already online), then evaluate
    Scan(ScanArgs),
    /// Extract one page with a profile (or `auto`), without touching the database
    Check(CheckArgs),
    /// Find the main list of a page and print a ready-to-use selector profile
    Discover(DiscoverArgs),
    /// Follow a disclosure platform's navigation from its home page (or one department's) and
    /// write every column found into a targets file to review
    Onboard(OnboardArgs),
    /// List stored items
    Items(ItemsArgs),
    /// Per column: item count, newest date, last crawl state
    Columns(FormatArgs),
    /// Show how gkwatch reads date strings (or, with --url, the date in a URL)
    ParseDate(ParseDateArgs),
    /// The district's 47 tasks, and per department whether each task's category was published this year
    Tasks(TasksArgs),
    /// Sort titles into the task categories (one JSON object per title)
    Classify(ClassifyArgs),
    /// Is DATE a working day, and which date is N working days later?
    Calendar(CalendarArgs),
    /// Recompute the findings from the stored items (another day than today: a dry run unless --store)
    Evaluate(EvaluateArgs),
    /// List findings
    Findings(FindingsArgs),
    /// Why an item has its categories (I<id>), or what raised a finding (F<id>)
    Explain(ExplainArgs),
    /// Waive a finding: it stays on record, shown as waived
    Waive(WaiveArgs),
    /// A scorecard per department: columns, freshness, open findings, required categories,
    /// the expected columns it lacks
    Departments(TasksArgs),
    /// Run unattended: crawl, evaluate and report on the settings' schedules until SIGTERM
    Daemon,
    /// Check the configuration as the daemon loads it (targets, selectors, catalog, settings
    /// against the targets, the SMTP password) and exit: 0 when it holds, 3 naming what is wrong
    CheckConfig,
    /// The last crawl, the last report (to whom, delivered or pending), the next scheduled times
    Status(StatusArgs),
    /// The weekly report: preview it as HTML, or render, store and send it now
    Report(ReportArgs),
    /// Messages of the weekly reports: pending, sent, held, with their last error
    Outbox(OutboxArgs),
    /// Is gkwatch doing its job? Last crawl, crawl failures, mail, calendar, disk; exit 0 ok,
    /// 1 warning, 2 critical (for monitoring)
    Health(HealthArgs),
    /// Write a consistent copy of the database to FILE, even while the daemon runs
    Backup(BackupArgs),
    /// Check the database: its file (not empty, SQLite, its -wal not lost), its schema version
    /// and its pages (`PRAGMA quick_check`); exit 1 when it is damaged
    CheckDb(FormatArgs),
    /// Print the annotated example settings file (gkwatch.toml)
    ExampleConfig,
    /// The selector profiles in force (built in, or from --selectors) and where each came from
    Profiles(FormatArgs),
    /// Which settings file, database, targets, selectors, task catalog and calendar are in use
    Paths(FormatArgs),
    /// Print the systemd unit (gkwatch.service) the package installs
    ExampleUnit,
    /// Write the man pages (gkwatch.1 and one per command) into DIR, for packaging
    #[command(hide = true)]
    GenMan(GenDirArgs),
    /// Write bash, zsh and fish completions into DIR, for packaging
    #[command(hide = true)]
    GenCompletions(GenDirArgs),
}

#[derive(Debug, Args)]
pub struct GenDirArgs {
    /// The directory to write into (created if missing)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy to write (must not exist yet)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Judge as of this time, RFC 3339 (`2026-12-05T08:00:00+08:00`) [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the office's report as HTML to FILE (nothing is sent or stored)
    #[arg(long, value_name = "FILE.html")]
    pub preview: Option<PathBuf>,
    /// With --preview: also write the plain-text version
    #[arg(long, value_name = "FILE.txt")]
    pub text: Option<PathBuf>,
    /// With --preview: the copy this department receives instead of the office's
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Evaluate, store the week's messages in the outbox and send them now
    #[arg(long)]
    pub send_now: bool,
    /// Report the week (Monday–Sunday) holding this date [default: last week]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub week: Option<NaiveDate>,
    /// Evaluation date [default: today in Asia/Shanghai]; with --send-now it is stored, so it
    /// must lie between the day of the first crawl and tomorrow
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Make a held message pending again (after checking it did not arrive)
    #[arg(long, value_name = "ID")]
    pub release: Option<i64>,
    /// Show at most this many messages
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Evaluation date [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Apply this column's declared categories as a prior (as the crawl does)
    #[arg(long, value_name = "ID")]
    pub column: Option<String>,
    /// Titles to classify; one per line on stdin when none is given
    pub titles: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// The date to look up
    #[arg(value_name = "YYYY-MM-DD")]
    pub date: NaiveDate,
    /// +N: also print the date N working days later
    #[arg(value_name = "+N", allow_hyphen_values = true)]
    pub plus: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Evaluation date [default: today in Asia/Shanghai]. Another day than today is a dry run:
    /// the findings are printed, nothing is stored
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Store the evaluation of --today (from the day of the first crawl to tomorrow): it
    /// opens, refreshes and resolves the findings as of that day
    #[arg(long, requires = "today")]
    pub store: bool,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Department name or alias
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// stale_column, blank_column, unreachable_column, selector_broken, missing_category, interpretation_missing, late_publication
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// open (includes waived), resolved, waived or all
    #[arg(long, default_value = "open", value_parser = ["open", "resolved", "waived", "all"])]
    pub status: String,
    /// Only findings first seen on or after this date
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<NaiveDate>,
    /// Date waivers are judged against [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Write the CSV or xlsx to FILE (required for xlsx)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// F<number> for a finding, I<number> for an item
    pub id: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct WaiveArgs {
    /// The finding, F<number>
    pub id: String,
    /// Why (kept with the finding, with who and when)
    #[arg(long)]
    pub note: String,
    /// Waive until this date (inclusive) only
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<NaiveDate>,
    /// Who waives it (kept with the waiver) [default: the user who ran `sudo`, else the login
    /// user]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Date the simulated site is built around [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Keep serving the simulated site after the crawl, until Ctrl-C
    #[arg(long)]
    pub serve: bool,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Only this department (name or alias)
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Only this column id
    #[arg(long, value_name = "ID")]
    pub column: Option<String>,
    /// Read every page of every column (ignore known items and HTTP validators)
    #[arg(long)]
    pub full: bool,
    /// Date used for dates written without a year [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Items published on or after this day (undated ones first seen since then)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: NaiveDate,
    /// Only this department (name or alias)
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Only this column id
    #[arg(long, value_name = "ID")]
    pub column: Option<String>,
    /// Pages read at most, newest items first [default: the settings' privacy.pages_per_run]
    #[arg(long, value_name = "N")]
    pub max_pages: Option<usize>,
    /// The day birth dates are checked against and findings evaluated on [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    /// UTF-8 with a byte order mark, for Excel and WPS (to standard output, or --output)
    Csv,
    /// An Excel workbook, written to --output
    Xlsx,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// An http(s) URL to fetch, or a saved page
    pub source: String,
    /// Selector profile to apply, or `auto` to discover one
    #[arg(long, value_name = "NAME")]
    pub profile: String,
    /// Base URL for relative links when SOURCE is a file [default: http://base.invalid/FILE]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<url::Url>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
    /// Date used for dates written without a year [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Allow a loopback, private or link-local address (a local try-out); refused by default
    #[arg(long)]
    pub allow_private: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TomlOrJson {
    Toml,
    Json,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// An http(s) URL to fetch, or a saved page
    pub source: String,
    /// Base URL for relative links when SOURCE is a file [default: http://base.invalid/FILE]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<url::Url>,
    /// Name of the printed profile [default: discovered]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value = "toml")]
    pub format: TomlOrJson,
    /// Date used for dates written without a year [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Allow a loopback, private or link-local address (a local try-out); refused by default
    #[arg(long)]
    pub allow_private: bool,
}

#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The platform's home page (http://xxgk.taobei.gov.cn/) or one department's sub-site
    pub url: url::Url,
    /// Every column found belongs to this department (when URL is one department's sub-site)
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Targets file to write, or to merge the columns found into (existing entries are never
    /// changed) [default: print the file to standard output]
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Pages fetched at most, robots.txt not counted
    #[arg(long, value_name = "N", default_value_t = 1500)]
    pub max_requests: usize,
    /// Links followed from URL at most this many times
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_depth: u32,
    /// Allow a loopback, private or link-local address (an intranet platform), and write
    /// `allow_private = true` into the departments found
    #[arg(long)]
    pub allow_private: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
    /// Date used for dates written without a year [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ItemsArgs {
    /// Department name or alias
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Column id
    #[arg(long, value_name = "ID")]
    pub column: Option<String>,
    /// Only items published on or after this date
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<NaiveDate>,
    /// At most this many items
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Write the CSV or xlsx to FILE (required for xlsx)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FormatArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct ParseDateArgs {
    /// Read the date a CMS wrote into a URL instead of a date text
    #[arg(long)]
    pub url: bool,
    /// Year for dates written without one ("05-12")
    #[arg(long, value_name = "YYYY")]
    pub year_hint: Option<i32>,
    /// Today, for dates without a year when no --year-hint is given [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Texts to read; one per line on stdin when none is given
    pub texts: Vec<String>,
}
