//! The command line: raw flags become loaded configuration and open resources in one step,
//! then each command is a few calls into the library. `anyhow` lives here and nowhere else.

mod commands;
mod demo;
mod judge;
mod onboard;
mod output;
mod service;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::ConfigError;

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
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// SQLite database file [default: gkwatch.db; gkwatch-demo.db for `demo`]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Targets: a directory of *.toml (demo files skipped) or one file [default: targets; targets/demo.toml for `demo`]
    #[arg(long, global = true, value_name = "PATH")]
    pub targets: Option<PathBuf>,
    /// Directory (or file) of selector profiles [default: selectors]
    #[arg(long, global = true, value_name = "DIR")]
    pub selectors: Option<PathBuf>,
    /// Task catalog: the seed's tasks, categories and their title patterns [default: targets/tasks.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Settings file [default: gkwatch.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the bundled simulated district site on 127.0.0.1, crawl it into a fresh demo
    /// database and print a summary
    Demo(DemoArgs),
    /// Crawl the configured columns once
    Crawl(CrawlArgs),
    /// Extract one page with a profile (or `auto`), without touching the database
    Check(CheckArgs),
    /// Find the main list of a page and print a ready-to-use selector profile
    Discover(DiscoverArgs),
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
    /// Recompute the findings from the stored items
    Evaluate(EvaluateArgs),
    /// List findings
    Findings(FindingsArgs),
    /// Why an item has its categories (I<id>), or what raised a finding (F<id>)
    Explain(ExplainArgs),
    /// Waive a finding: it stays on record, shown as waived
    Waive(WaiveArgs),
    /// A scorecard per department: columns, freshness, open findings, required categories
    Departments(TasksArgs),
    /// Run unattended: crawl, evaluate and report on the settings' schedules until SIGTERM
    Daemon,
    /// The last crawl, the last report (to whom, delivered or pending), the next scheduled times
    Status(StatusArgs),
    /// The weekly report: preview it as HTML, or render, store and send it now
    Report(ReportArgs),
    /// Messages of the weekly reports: pending, sent, held, with their last error
    Outbox(OutboxArgs),
    /// Print the annotated example settings file (gkwatch.toml)
    ExampleConfig,
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
    /// Evaluation date [default: today in Asia/Shanghai]
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
    /// Evaluation date [default: today in Asia/Shanghai]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
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
    pub format: TableJsonCsv,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableJsonCsv {
    Table,
    Json,
    Csv,
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
    pub format: TableJsonCsv,
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

/// Exit codes: what a script or systemd can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    /// The command ran, but some columns failed.
    PartialFailure = 2,
    Config = 3,
}

/// Today's date in the district (Asia/Shanghai).
pub fn district_today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Daemon));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            let code = if e.chain().any(|c| c.downcast_ref::<ConfigError>().is_some()) {
                Exit::Config
            } else {
                Exit::Failure
            };
            ExitCode::from(code as u8)
        }
    }
}

/// Log lines on stderr, filtered by `RUST_LOG`: warnings for commands, info for the daemon;
/// plain (no colour codes) unless stderr is a terminal, as journald wants them.
fn init_tracing(daemon: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if daemon { "gkwatch=info,warn" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(service::ansi())
        .with_target(false)
        .try_init();
}

/// Where things are and how to work, resolved once: a command-line flag wins over the settings
/// file, which wins over the built-in default.
pub(crate) struct Ctx {
    pub args: GlobalArgs,
    pub settings: crate::config::Settings,
    pub db: PathBuf,
    pub targets: PathBuf,
    pub selectors: PathBuf,
    pub catalog: PathBuf,
}

impl Ctx {
    fn new(args: GlobalArgs) -> Result<Ctx, ConfigError> {
        let settings = crate::config::load_settings(args.config.as_deref())?;
        let pick = |flag: &Option<PathBuf>, file: &Option<PathBuf>, default: &str| {
            flag.clone()
                .or_else(|| file.clone())
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Ok(Ctx {
            db: pick(&args.db, &settings.database, "gkwatch.db"),
            targets: pick(&args.targets, &settings.targets, "targets"),
            selectors: pick(&args.selectors, &settings.selectors, "selectors"),
            catalog: pick(&args.catalog, &settings.catalog, "targets/tasks.toml"),
            settings,
            args,
        })
    }

    /// Opens the database, which must exist already (read commands do not create one).
    pub async fn open_existing_store(&self) -> anyhow::Result<crate::store::Store> {
        if !self.db.exists() {
            anyhow::bail!(
                "no database at {} (run `gkwatch crawl` first, or pass --db)",
                self.db.display()
            );
        }
        Ok(crate::store::Store::open(&self.db).await?)
    }

    pub fn load_catalog(&self) -> Result<crate::catalog::Catalog, ConfigError> {
        crate::config::load_catalog(&self.catalog)
    }
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    // Commands that need no configuration work even where a settings file is broken.
    match &cli.command {
        Command::ParseDate(a) => return commands::parse_dates(a),
        Command::Calendar(a) => return judge::calendar(a),
        _ => {}
    }
    let ctx = Ctx::new(cli.global)?;
    let g = &ctx;
    match &cli.command {
        Command::Demo(a) => demo::run(g, a).await,
        Command::Crawl(a) => commands::crawl(g, a).await,
        Command::Check(a) => onboard::check(g, a).await,
        Command::Discover(a) => onboard::discover_cmd(g, a).await,
        Command::Items(a) => commands::items(g, a).await,
        Command::Columns(a) => commands::columns(g, a).await,
        Command::ParseDate(_) | Command::Calendar(_) => Ok(Exit::Ok),
        Command::Tasks(a) => judge::tasks(g, a).await,
        Command::Classify(a) => judge::classify_titles(g, a).await,
        Command::Evaluate(a) => judge::evaluate(g, a).await,
        Command::Findings(a) => judge::findings(g, a).await,
        Command::Explain(a) => judge::explain(g, a).await,
        Command::Waive(a) => judge::waive(g, a).await,
        Command::Departments(a) => judge::departments(g, a).await,
        Command::Daemon => service::run_daemon(g).await,
        Command::Status(a) => service::status(g, a).await,
        Command::Report(a) => service::report(g, a).await,
        Command::Outbox(a) => service::outbox(g, a).await,
        Command::ExampleConfig => {
            print!("{}", service::EXAMPLE_CONFIG);
            Ok(Exit::Ok)
        }
    }
}
