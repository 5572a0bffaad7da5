//! The command line: raw flags become loaded configuration and open resources in one step
//! ([`Ctx`]), then each command is a few calls into the library. `anyhow` lives here and
//! nowhere else. One file per family of commands: `crawl`, `items`, `check` (check, discover,
//! parse-date), `findings` (evaluate, findings, explain, waive), `catalog` (tasks,
//! departments, classify, calendar), `report` (report, outbox, example-config), `status`,
//! `daemon` (daemon, check-config), `demo`.

mod args;
mod catalog;
mod check;
mod crawl;
mod daemon;
mod database;
mod demo;
mod findings;
mod items;
mod onboard;
mod output;
mod packaging;
mod paths;
mod report;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use chrono_tz::Tz;
use clap::Parser;

pub use args::*;

use crate::calendar::Calendar;
use crate::config::{ConfigError, Settings};

/// Exit codes: what a script or systemd can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Failure,
    /// The command ran, but some columns failed.
    PartialFailure,
    Config,
    /// `gkwatch health`: the monitoring-plugin code of its level (0, 1 or 2).
    Health(crate::health::Level),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failure => 1,
            Exit::PartialFailure => 2,
            Exit::Config => 3,
            Exit::Health(level) => level.exit_code(),
        }
    }
}

/// Today's date in the time zone `tz` (the settings' `timezone`).
fn today_in(tz: Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
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
            return ExitCode::from(Exit::Failure.code());
        }
    };
    let result = runtime.block_on(run(cli));
    // Everything the command waits for is done; what is left on the blocking pool (a page
    // still being parsed when a SIGTERM stopped the daemon) is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            let code = if e.chain().any(|c| c.downcast_ref::<ConfigError>().is_some()) {
                Exit::Config
            } else {
                Exit::Failure
            };
            ExitCode::from(code.code())
        }
    }
}

/// The error and its causes, each said once: an error whose message already holds its
/// cause's (`cannot open the database X: disk I/O error`) does not repeat it.
pub(super) fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Libraries that log what they parse (page text): kept at warnings.
const QUIET_TARGETS: [&str; 6] = [
    "html5ever=warn",
    "markup5ever=warn",
    "selectors=warn",
    "scraper=warn",
    // The attachment readers log what they met inside a file, at any level: off.
    "lopdf=off",
    "calamine=off",
];

/// Log lines filtered by `RUST_LOG` (warnings for commands, info for the daemon): to journald
/// with their priorities when systemd connected standard error to the journal
/// (`JOURNAL_STREAM`), else on stderr, plain (no colour codes) unless stderr is a terminal.
fn init_tracing(daemon: bool) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = if daemon { "gkwatch=info,warn" } else { "warn" };
    // The HTML parser logs the text of the pages it reads at debug level: a page's personal
    // numbers would reach the log (issue 18). Never below warn, whatever RUST_LOG says.
    let filter = || {
        let mut f = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
        for quiet in QUIET_TARGETS {
            if let Ok(d) = quiet.parse() {
                f = f.add_directive(d);
            }
        }
        f
    };
    let mut journald_error = None;
    if let Some(stream) = journal_stream() {
        match tracing_journald::layer() {
            Ok(layer) => {
                if tracing_subscriber::registry()
                    .with(filter())
                    .with(layer)
                    .try_init()
                    .is_ok()
                {
                    return;
                }
            }
            Err(e) => journald_error = Some(format!("JOURNAL_STREAM={stream}: {e}")),
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_ansi(daemon::ansi())
        .with_target(false)
        .try_init();
    if let Some(e) = journald_error {
        tracing::warn!("cannot log to journald, logging to standard error: {e}");
    }
}

/// `JOURNAL_STREAM` (`DEVICE:INODE`) when it names this process's standard error, as
/// systemd sets it for a service whose output goes to the journal (a child whose stderr was
/// redirected keeps the variable, but not the stream).
fn journal_stream() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let stream = std::env::var("JOURNAL_STREAM").ok()?;
    let (dev, ino) = stream.trim().split_once(':')?;
    let (dev, ino) = (dev.parse::<u64>().ok()?, ino.parse::<u64>().ok()?);
    let stderr = std::fs::metadata("/proc/self/fd/2").ok()?;
    (stderr.dev() == dev && stderr.ino() == ino).then_some(stream)
}

/// Where things are and how to work, resolved once: a command-line flag wins over the settings
/// file, which wins over the built-in default.
pub(crate) struct Ctx {
    pub args: GlobalArgs,
    pub settings: Settings,
    /// The working-day calendar every deadline is computed with: the shipped one and the
    /// office's holidays file.
    pub calendar: Calendar,
    pub db: PathBuf,
    pub targets: PathBuf,
    /// Selector profiles added to the built-in ones.
    pub selectors: Option<PathBuf>,
    /// A task catalog replacing the built-in one.
    pub catalog: Option<PathBuf>,
    /// The staff commands' language.
    pub lang: output::Lang,
}

/// The largest database a reading command checks whole before reading (256 MiB: a district's
/// database for years; a province's is checked by `check-db` and `health`).
pub const QUICK_CHECK_UP_TO: u64 = 256 * 1024 * 1024;

impl Ctx {
    fn new(args: GlobalArgs) -> Result<Ctx, ConfigError> {
        let settings = crate::config::load_settings(args.config.as_deref())?;
        let pick = |flag: &Option<PathBuf>, file: &Option<PathBuf>| flag.clone().or(file.clone());
        Ok(Ctx {
            db: pick(&args.db, &settings.database).unwrap_or_else(|| "gkwatch.db".into()),
            targets: pick(&args.targets, &settings.targets).unwrap_or_else(|| "targets".into()),
            selectors: pick(&args.selectors, &settings.selectors),
            catalog: pick(&args.catalog, &settings.catalog),
            lang: args.lang.unwrap_or_else(|| settings.lang.into()),
            calendar: crate::config::load_calendar(settings.calendar_file.as_deref())?,
            settings,
            args,
        })
    }

    /// Today in the district (the settings' time zone).
    pub fn today(&self) -> NaiveDate {
        today_in(self.settings.timezone)
    }

    /// Opens the database read-only, as reading commands do: it must exist already (they
    /// create nothing, migrate nothing), they work on a read-only medium, and a damaged file
    /// (`PRAGMA quick_check`) is an error. A database larger than [`QUICK_CHECK_UP_TO`] is
    /// checked by `check-db` and `health` only (the check reads every page: seconds a
    /// gigabyte); a damaged page it reads still fails the command.
    pub async fn open_existing_store(&self) -> anyhow::Result<crate::store::Store> {
        self.open_checked(QUICK_CHECK_UP_TO).await
    }

    /// [`Ctx::open_existing_store`], the whole file checked whatever its size (`health`).
    pub async fn open_existing_store_checked(&self) -> anyhow::Result<crate::store::Store> {
        self.open_checked(u64::MAX).await
    }

    async fn open_checked(&self, check_up_to: u64) -> anyhow::Result<crate::store::Store> {
        self.require_db()?;
        let store = crate::store::Store::open_read_only(&self.db).await?;
        let size = std::fs::metadata(&self.db).map_or(0, |m| m.len());
        // A damaged file fails the command (naming the file), never reads as a part.
        if size <= check_up_to {
            store.quick_check().await?;
        } else {
            tracing::debug!(
                size,
                "database too large to check at every read: see check-db"
            );
        }
        Ok(store)
    }

    /// Opens the existing database for writing (a command that stores something).
    pub async fn open_store_for_writing(&self) -> anyhow::Result<crate::store::Store> {
        self.require_db()?;
        Ok(crate::store::Store::open(&self.db).await?)
    }

    fn require_db(&self) -> anyhow::Result<()> {
        if !self.db.exists() {
            anyhow::bail!(
                "no database at {} (run `gkwatch crawl` first, or pass --db)",
                self.db.display()
            );
        }
        Ok(())
    }

    pub fn load_catalog(&self) -> Result<crate::catalog::Catalog, ConfigError> {
        crate::config::load_catalog(self.catalog.as_deref())
    }

    /// The targets and profiles in force.
    pub fn load_config(
        &self,
        opts: &crate::config::LoadOptions,
    ) -> anyhow::Result<crate::config::Config> {
        if !self.targets.exists() && self.args.targets.is_none() && self.settings.targets.is_none()
        {
            anyhow::bail!(
                "no targets at {}: pass --targets DIR (or FILE), or set `targets` in the settings \
                 file (the package's is /etc/gkwatch/gkwatch.toml)",
                self.targets.display()
            );
        }
        Ok(crate::config::load(
            &self.targets,
            self.selectors.as_deref(),
            opts,
        )?)
    }
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    // Commands that need no configuration work even where a settings file is broken (today
    // is then taken in the default time zone).
    let fallback_today = || {
        let tz = crate::config::load_settings(cli.global.config.as_deref())
            .map_or_else(|_| Settings::default().timezone, |s| s.timezone);
        today_in(tz)
    };
    match &cli.command {
        Command::ParseDate(a) => return check::parse_dates(a, fallback_today()),
        Command::Calendar(a) => {
            let calendar = crate::config::load_settings(cli.global.config.as_deref())
                .and_then(|s| crate::config::load_calendar(s.calendar_file.as_deref()))
                .unwrap_or_else(|e| {
                    tracing::warn!("using the shipped calendar only: {e}");
                    Calendar::china().clone()
                });
            return catalog::calendar(a, &calendar);
        }
        _ => {}
    }
    let ctx = Ctx::new(cli.global)?;
    let g = &ctx;
    let result = dispatch(g, &cli.command).await;
    result.map_err(|e| with_database(e, &g.db))
}

/// A bare SQL error that reached the edge, given the database's path and what to do (so
/// every command's storage failure names the file once).
fn with_database(e: anyhow::Error, db: &std::path::Path) -> anyhow::Error {
    use crate::store::StoreError;
    if !matches!(e.downcast_ref::<StoreError>(), Some(StoreError::Sql(_))) {
        return e;
    }
    match e.downcast::<StoreError>() {
        Ok(store) => store.at(db, "reading or writing it").into(),
        Err(e) => e,
    }
}

async fn dispatch(g: &Ctx, command: &Command) -> anyhow::Result<Exit> {
    match command {
        Command::Demo(a) => demo::run(g, a).await,
        Command::Crawl(a) => crawl::crawl(g, a).await,
        Command::Scan(a) => crawl::scan(g, a).await,
        Command::Check(a) => check::check(g, a).await,
        Command::Discover(a) => check::discover_profile(g, a).await,
        Command::Onboard(a) => onboard::onboard(g, a).await,
        Command::Items(a) => items::items(g, a).await,
        Command::Columns(a) => items::columns(g, a).await,
        Command::ParseDate(_) | Command::Calendar(_) => Ok(Exit::Ok),
        Command::Tasks(a) => catalog::tasks(g, a).await,
        Command::Classify(a) => catalog::classify_titles(g, a).await,
        Command::Evaluate(a) => findings::evaluate(g, a).await,
        Command::Findings(a) => findings::findings(g, a).await,
        Command::Explain(a) => findings::explain(g, a).await,
        Command::Waive(a) => findings::waive(g, a).await,
        Command::Departments(a) => catalog::departments(g, a).await,
        Command::Daemon => daemon::run(g).await,
        Command::CheckConfig => daemon::check_config(g).await,
        Command::Status(a) => status::status(g, a).await,
        Command::Report(a) => report::report(g, a).await,
        Command::Outbox(a) => report::outbox(g, a).await,
        Command::Health(a) => status::health(g, a).await,
        Command::Backup(a) => database::backup(g, a).await,
        Command::CheckDb(a) => database::check_db(g, a).await,
        Command::Profiles(a) => paths::profiles(g, a),
        Command::Paths(a) => paths::paths(g, a),
        Command::ExampleUnit => {
            print!("{}", crate::daemon::SYSTEMD_UNIT);
            Ok(Exit::Ok)
        }
        Command::GenMan(a) => packaging::gen_man(&a.dir),
        Command::GenCompletions(a) => packaging::gen_completions(&a.dir),
        Command::ExampleConfig => {
            print!("{}", crate::config::EXAMPLE_SETTINGS);
            Ok(Exit::Ok)
        }
    }
}
