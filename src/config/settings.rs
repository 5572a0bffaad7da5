//! The settings file (`gkwatch.toml`): where things are, when to crawl and report, how
//! politely to crawl, how to send mail and to whom. The annotated example is
//! `src/deploy/gkwatch.example.toml` (`gkwatch example-config` prints it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;

use super::error::{ConfigError, Problems, parse_toml};
use super::schedule::CronSchedule;
use super::targets::Targets;

/// The settings file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    district: Option<String>,
    #[serde(default)]
    lang: Language,
    calendar_file: Option<PathBuf>,
    database: Option<PathBuf>,
    targets: Option<PathBuf>,
    selectors: Option<PathBuf>,
    catalog: Option<PathBuf>,
    timezone: Option<String>,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    crawl: CrawlSettings,
    #[serde(default)]
    privacy: PrivacySettings,
    smtp: Option<RawSmtp>,
    #[serde(default)]
    recipients: Recipients,
    metrics: Option<RawMetrics>,
}

/// `[metrics]`: where the daemon serves its Prometheus text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: String,
}

/// The daemon's metrics endpoint (`[metrics] listen = "127.0.0.1:9187"`): plain HTTP,
/// `GET /metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    pub listen: std::net::SocketAddr,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSchedule {
    crawl: String,
    /// The crawl that falls on this schedule reads every page (items inserted deep in a list
    /// are only seen that way); empty string: never.
    full_crawl: String,
    report: String,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            crawl: "30 2 * * *".into(),
            full_crawl: "30 2 * * 0".into(),
            report: "0 8 * * 1".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default = "default_security")]
    security: String,
    #[serde(default)]
    user: Option<String>,
    /// Refused: a password never lives in a tracked file.
    #[serde(default)]
    password: Option<toml::Value>,
    #[serde(default)]
    password_env: Option<String>,
    #[serde(default)]
    password_file: Option<PathBuf>,
    #[serde(default)]
    password_credential: Option<String>,
    from: String,
    #[serde(default)]
    ca_file: Option<PathBuf>,
    #[serde(default = "default_smtp_timeout")]
    timeout_secs: u64,
}

fn default_security() -> String {
    "starttls".into()
}
fn default_smtp_timeout() -> u64 {
    30
}

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// The mail server, with the password's source (resolved when mail is sent).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// A systemd credential (`LoadCredential=NAME:…`), read from `$CREDENTIALS_DIRECTORY/NAME`.
    pub password_credential: Option<String>,
    pub from: String,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    /// The settings file, for messages.
    file: PathBuf,
}

impl SmtpSettings {
    /// The password, from (in this order) a systemd credential, an environment variable or the
    /// file its `VAR_FILE` variable names, or a file; `None` when no user is set.
    pub fn password(&self) -> Result<Option<String>, ConfigError> {
        self.password_from(|name| std::env::var_os(name))
    }

    /// [`SmtpSettings::password`] reading the environment through `env`.
    pub fn password_from(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Option<String>, ConfigError> {
        let problem = |key: &str, message: String| {
            ConfigError::Invalid(vec![super::Problem {
                file: self.file.clone(),
                line: None,
                key: key.into(),
                message,
            }])
        };
        let read = |path: &Path, key: &str| {
            std::fs::read_to_string(path)
                .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_string()))
                .map_err(|e| problem(key, format!("cannot read {}: {e}", path.display())))
        };
        if self.user.is_none() {
            return Ok(None);
        }
        if let Some(name) = &self.password_credential {
            let Some(dir) = env("CREDENTIALS_DIRECTORY") else {
                return Err(problem(
                    "smtp.password_credential",
                    format!(
                        "$CREDENTIALS_DIRECTORY is not set: run under systemd with LoadCredential={name}:/path/to/file"
                    ),
                ));
            };
            return read(&Path::new(&dir).join(name), "smtp.password_credential");
        }
        if let Some(var) = &self.password_env {
            if let Some(v) = env(var).and_then(|v| v.into_string().ok())
                && !v.is_empty()
            {
                return Ok(Some(v));
            }
            if let Some(path) = env(&format!("{var}_FILE")) {
                return read(Path::new(&path), "smtp.password_env");
            }
            return Err(problem(
                "smtp.password_env",
                format!("neither the environment variable {var} nor {var}_FILE is set"),
            ));
        }
        if let Some(path) = &self.password_file {
            return read(path, "smtp.password_file");
        }
        Err(problem(
            "smtp.user",
            "a user is set but none of password_credential, password_env or password_file says where its password is"
                .into(),
        ))
    }
}

/// Who receives the weekly report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    /// The disclosure office: the whole report.
    #[serde(default)]
    pub office: Vec<String>,
    /// Per department (as named in the targets): its own section.
    #[serde(default)]
    pub departments: BTreeMap<String, Vec<String>>,
}

/// When the daemon works.
#[derive(Debug, Clone)]
pub struct Schedules {
    pub crawl: CronSchedule,
    pub full_crawl: Option<CronSchedule>,
    pub report: CronSchedule,
}

/// The district the shipped targets and task list are for, used when the settings name none.
pub const DEFAULT_DISTRICT: &str = "洮北区";

/// The district gkwatch watches, as reports and staff tables name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct District {
    name: String,
}

impl District {
    pub fn new(name: &str) -> District {
        District {
            name: name.trim().to_string(),
        }
    }

    /// `洮北区`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `洮北区政务公开周报`.
    pub fn report_title(&self) -> String {
        format!("{}政务公开周报", self.name)
    }

    /// `洮北区政务公开办`: the disclosure office that receives the report.
    pub fn office(&self) -> String {
        format!("{}政务公开办", self.name)
    }
}

impl Default for District {
    fn default() -> District {
        District::new(DEFAULT_DISTRICT)
    }
}

/// The language of the staff commands' tables (`lang = "zh"` or `"en"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Zh,
    En,
}

/// The settings, compiled.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The district watched (`district = "洮北区"`): the report's title and the office named
    /// in it and in the staff commands' headings.
    pub district: District,
    /// The staff commands' language; `--lang` wins.
    pub lang: Language,
    /// Holidays of years the shipped calendar lacks (`calendar_file`; `None`: the default
    /// [`DEFAULT_CALENDAR_FILE`] when present).
    pub calendar_file: Option<PathBuf>,
    /// Paths given by the file (relative ones resolved against its directory).
    pub database: Option<PathBuf>,
    pub targets: Option<PathBuf>,
    pub selectors: Option<PathBuf>,
    pub catalog: Option<PathBuf>,
    pub timezone: Tz,
    pub schedule: Schedules,
    pub crawl: CrawlSettings,
    /// `[privacy]`: the scan of every new item's page for personal data.
    pub privacy: PrivacySettings,
    pub smtp: Option<SmtpSettings>,
    pub recipients: Recipients,
    /// `None`: no metrics endpoint.
    pub metrics: Option<MetricsSettings>,
    /// The file read, if any.
    pub file: Option<PathBuf>,
}

impl Settings {
    /// The settings checked against the targets they serve, as a whole: every
    /// `recipients.departments` entry must name a department of the targets (by its name or an
    /// alias), else its recipients would get a report with nothing in it — an all-clear for a
    /// department the report does not know. In the settings returned, the entries are keyed by
    /// the departments' names (addresses given under a name and an alias of one department are
    /// merged). Checked where both are loaded: the daemon's start, `report --send-now`,
    /// `check-config`.
    pub fn for_targets(&self, targets: &Targets) -> Result<Settings, ConfigError> {
        let file = self
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from("gkwatch.toml"));
        let mut p = Problems::new(&file);
        let mut departments: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, addrs) in &self.recipients.departments {
            let Some(dept) = targets.department(name) else {
                p.push(
                    format!("recipients.departments.{name}"),
                    unknown_department(name, targets),
                );
                continue;
            };
            let to = departments.entry(dept.name.clone()).or_default();
            for a in addrs {
                if !to.contains(a) {
                    to.push(a.clone());
                }
            }
        }
        if !p.list.is_empty() {
            return Err(ConfigError::Invalid(p.list));
        }
        let mut settings = self.clone();
        settings.recipients.departments = departments;
        Ok(settings)
    }
}

/// Why `name` is refused as a recipient department, with the likely one meant.
fn unknown_department(name: &str, targets: &Targets) -> String {
    let files: Vec<String> = targets
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let mut why = format!(
        "{name:?} is neither the name nor an alias of a department in the targets ({}): its recipients would get a report with nothing in it",
        if files.is_empty() {
            "none loaded".to_string()
        } else {
            files.join(", ")
        }
    );
    let known = targets
        .departments
        .iter()
        .flat_map(|d| std::iter::once(&d.name).chain(&d.aliases));
    let closest = known
        .map(|k| (edit_distance(name, k), k))
        // One slip in a short name (区财政 for 区财政局), two in a long one.
        .filter(|(d, _)| *d <= (name.chars().count() / 4).max(1))
        .min_by_key(|(d, _)| *d);
    match closest {
        Some((_, k)) => why.push_str(&format!("; did you mean {k:?}?")),
        None => {
            let names: Vec<&str> = targets
                .departments
                .iter()
                .map(|d| d.name.as_str())
                .collect();
            why.push_str(&format!("; departments: {}", names.join("、")));
        }
    }
    why
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diag = above;
        }
    }
    row[b.len()]
}

impl Default for Settings {
    fn default() -> Self {
        // Built-in values, covered by a test: not input that can be wrong at run time.
        compile(RawSettings::default(), None).expect("the built-in default settings compile")
    }
}

/// Crawl politeness and limits. Defaults suit a government site on the public internet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlSettings {
    /// Who to contact about the crawler (an email address or URL); sent in the User-Agent.
    pub contact: Option<String>,
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per server (host names resolving to one address are one server).
    pub per_host: usize,
    /// Minimum time between the starts of two requests to one server.
    pub min_delay_ms: u64,
    pub connect_timeout_secs: u64,
    /// Whole request, body included: a server trickling bytes cannot hold a crawl forever.
    pub timeout_secs: u64,
    /// Longest silence while reading a response.
    pub read_timeout_secs: u64,
    /// Retries after the first attempt (timeouts, connection errors, 5xx, 429).
    pub retries: u32,
    /// First retry delay; doubled each time, with jitter.
    pub backoff_ms: u64,
    /// Longest wait honoured from a `Retry-After` header.
    pub max_retry_after_secs: u64,
    pub max_body_bytes: u64,
    /// Deepest element nesting a page may have: a deeper one is not parsed
    /// (`extraction_failed`, too complex), as building its tree costs time in proportion to
    /// elements × depth.
    pub max_page_depth: usize,
    /// Most elements a page may have (same rule).
    pub max_page_elements: usize,
    pub max_redirects: usize,
    /// Obey robots.txt unless a department or column says otherwise.
    pub respect_robots: bool,
    /// Detail pages read per column and run (for items whose list shows no date).
    pub detail_pages_per_column: usize,
    /// Days the page log (every request, with status, timing and error) is kept; 0: forever.
    pub page_log_days: u32,
    /// A proxy for servers that reach the internet only through one (政务外网): `http://`,
    /// `https://`, `socks5://` or `socks5h://`. Used by every column but those allowed to reach
    /// private addresses (an intranet site is reached directly).
    pub proxy: Option<url::Url>,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        CrawlSettings {
            contact: None,
            concurrency: 16,
            per_host: 2,
            min_delay_ms: 500,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            read_timeout_secs: 15,
            retries: 3,
            backoff_ms: 1000,
            max_retry_after_secs: 120,
            max_body_bytes: 8 * 1024 * 1024,
            max_page_depth: 512,
            max_page_elements: 200_000,
            max_redirects: 5,
            respect_robots: true,
            detail_pages_per_column: 100,
            page_log_days: 365,
            proxy: None,
        }
    }
}

impl CrawlSettings {
    pub fn min_delay(&self) -> Duration {
        Duration::from_millis(self.min_delay_ms)
    }
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
    pub fn read_timeout(&self) -> Duration {
        Duration::from_secs(self.read_timeout_secs)
    }
    pub fn backoff(&self) -> Duration {
        Duration::from_millis(self.backoff_ms)
    }
    pub fn max_retry_after(&self) -> Duration {
        Duration::from_secs(self.max_retry_after_secs)
    }

    /// Settings for crawling our own simulated site: no delays, many in flight.
    pub fn unthrottled() -> CrawlSettings {
        CrawlSettings {
            concurrency: 32,
            per_host: 16,
            min_delay_ms: 0,
            backoff_ms: 50,
            ..CrawlSettings::default()
        }
    }

    fn validate(&self, p: &mut Problems) {
        if let Some(proxy) = &self.proxy
            && !matches!(proxy.scheme(), "http" | "https" | "socks5" | "socks5h")
        {
            p.push(
                "crawl.proxy",
                format!("{proxy} is not an http://, https://, socks5:// or socks5h:// proxy URL"),
            );
        }
        let positive = [
            ("crawl.concurrency", self.concurrency as u64),
            ("crawl.per_host", self.per_host as u64),
            ("crawl.connect_timeout_secs", self.connect_timeout_secs),
            ("crawl.timeout_secs", self.timeout_secs),
            ("crawl.read_timeout_secs", self.read_timeout_secs),
            ("crawl.max_body_bytes", self.max_body_bytes),
            ("crawl.max_page_depth", self.max_page_depth as u64),
            ("crawl.max_page_elements", self.max_page_elements as u64),
        ];
        for (key, value) in positive {
            if value == 0 {
                p.push(key, "must be greater than 0");
            }
        }
        if let Some(c) = &self.contact
            && (c.trim().is_empty() || c.chars().any(|ch| ch.is_control()))
        {
            p.push(
                "crawl.contact",
                "must be a non-empty email address or URL on one line",
            );
        }
    }
}

/// `[privacy]`: every new item's page read after the lists and scanned for personal numbers
/// (身份证, bank cards, personal mobiles).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySettings {
    /// Item pages read and scanned per crawl run, across all columns (the rest wait for the
    /// next run; `gkwatch scan` has its own `--max-pages`). 0: no scan.
    pub pages_per_run: usize,
    /// Official numbers never reported (a unit's published contact mobiles, hotlines), in any
    /// punctuation.
    pub allowed_numbers: Vec<String>,
    /// Attachments (sheets, documents, PDFs) linked from a page downloaded and scanned, at
    /// most this many a page (the rest recorded as not scanned). 0: none.
    pub attachments_per_page: usize,
    /// Largest attachment downloaded, in MiB (a larger one is recorded as not scanned).
    pub max_attachment_mib: u64,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            pages_per_run: 500,
            allowed_numbers: Vec::new(),
            attachments_per_page: 10,
            max_attachment_mib: 20,
        }
    }
}

impl PrivacySettings {
    /// [`PrivacySettings::max_attachment_mib`] in bytes.
    pub fn max_attachment_bytes(&self) -> u64 {
        self.max_attachment_mib.saturating_mul(1024 * 1024)
    }
}

/// The office's holidays file, read when present and no `calendar_file` is set.
pub const DEFAULT_CALENDAR_FILE: &str = "/etc/gkwatch/holidays.txt";

/// Where the settings are looked for when no file is named: the working directory's
/// `gkwatch.toml` (a checkout, a try-out), then the installed `/etc/gkwatch/gkwatch.toml`.
pub const SETTINGS_SEARCH: [&str; 2] = ["gkwatch.toml", "/etc/gkwatch/gkwatch.toml"];

/// The first of [`SETTINGS_SEARCH`] that exists.
pub fn settings_file() -> Option<PathBuf> {
    SETTINGS_SEARCH
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Loads the settings file: `path` if given (it must exist), else the first of
/// [`SETTINGS_SEARCH`] present, else the defaults.
pub fn load_settings(path: Option<&Path>) -> Result<Settings, ConfigError> {
    let found;
    let path = match path {
        Some(p) => p,
        None => match settings_file() {
            Some(p) => {
                found = p;
                found.as_path()
            }
            None => return Ok(Settings::default()),
        },
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let raw: RawSettings = parse_toml(path, &text)?;
    compile(raw, Some(path))
}

/// Schedules that parse but cannot work: a line no time matches any more (30 February, a
/// year gone by), and a full crawl at a time that is no crawl's (the daemon runs the full
/// crawl only as one of the crawls, so it would never run).
fn check_schedules(
    p: &mut Problems,
    tz: Tz,
    crawl: Option<&CronSchedule>,
    report: Option<&CronSchedule>,
    full_crawl: Option<&CronSchedule>,
) {
    let now = Utc::now();
    let mut fires = |key: &str, schedule: Option<&CronSchedule>| match schedule {
        Some(s) if s.next_after(now, tz).is_none() => {
            p.push(
                key,
                format!(
                    "{:?} never fires: no time from now on matches it (a day that does not exist, such as 30 February, or a year gone by)",
                    s.source()
                ),
            );
            false
        }
        Some(_) => true,
        None => false,
    };
    let crawl_fires = fires("schedule.crawl", crawl);
    fires("schedule.report", report);
    let full_fires = fires("schedule.full_crawl", full_crawl);
    let (Some(crawl), Some(full), true, true) = (crawl, full_crawl, crawl_fires, full_fires) else {
        return;
    };
    if let Some(t) = full.first_time_not_in(crawl, now, tz) {
        let hint = match full.at_time_of(crawl, now, tz) {
            Some(aligned) => format!("; at the crawl's time it would be {:?}", aligned.source()),
            None => String::new(),
        };
        p.push(
            "schedule.full_crawl",
            format!(
                "{:?} fires at {} ({tz}), which is no time of schedule.crawl ({:?}): a full crawl is one of the crawls, so it would never run{hint}",
                full.source(),
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                crawl.source()
            ),
        );
    }
}

fn compile(raw: RawSettings, file: Option<&Path>) -> Result<Settings, ConfigError> {
    let file_path = file.map(Path::to_path_buf).unwrap_or_default();
    let mut p = Problems::new(&file_path);
    raw.crawl.validate(&mut p);
    let base = file
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let resolve =
        |path: Option<PathBuf>| path.map(|x| if x.is_absolute() { x } else { base.join(x) });
    let timezone = match raw
        .timezone
        .as_deref()
        .unwrap_or("Asia/Shanghai")
        .parse::<Tz>()
    {
        Ok(tz) => Some(tz),
        Err(_) => {
            p.push(
                "timezone",
                format!(
                    "{:?} is not an IANA time zone (e.g. Asia/Shanghai)",
                    raw.timezone.unwrap_or_default()
                ),
            );
            None
        }
    };
    let mut cron = |key: &str, line: &str| match CronSchedule::parse(line) {
        Ok(s) => Some(s),
        Err(e) => {
            p.push(key, e);
            None
        }
    };
    let crawl = cron("schedule.crawl", &raw.schedule.crawl);
    let report = cron("schedule.report", &raw.schedule.report);
    let full_crawl = match raw.schedule.full_crawl.trim() {
        "" => Some(None),
        line => cron("schedule.full_crawl", line).map(Some),
    };
    check_schedules(
        &mut p,
        timezone.unwrap_or(chrono_tz::UTC),
        crawl.as_ref(),
        report.as_ref(),
        full_crawl.as_ref().and_then(Option::as_ref),
    );
    let smtp = raw.smtp.map(|s| {
        if s.password.is_some() {
            p.push(
                "smtp.password",
                "passwords are never read from the settings file: use password_credential (a systemd credential), password_env (an environment variable, or VAR_FILE naming a file) or password_file",
            );
        }
        let sources = [
            s.password_env.is_some(),
            s.password_file.is_some(),
            s.password_credential.is_some(),
        ];
        if sources.iter().filter(|x| **x).count() > 1 {
            p.push(
                "smtp.password_env",
                "set one of password_credential, password_env or password_file",
            );
        }
        let security = match s.security.as_str() {
            "starttls" => SmtpSecurity::Starttls,
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            other => {
                p.push(
                    "smtp.security",
                    format!("{other:?} is not starttls, tls or none"),
                );
                SmtpSecurity::Starttls
            }
        };
        if !s.from.contains('@') {
            p.push("smtp.from", format!("{:?} is not an email address", s.from));
        }
        SmtpSettings {
            host: s.host,
            port: s.port.unwrap_or(match security {
                SmtpSecurity::Starttls => 587,
                SmtpSecurity::Tls => 465,
                SmtpSecurity::None => 25,
            }),
            security,
            user: s.user,
            password_env: s.password_env,
            password_file: resolve(s.password_file),
            password_credential: s.password_credential,
            from: s.from,
            ca_file: resolve(s.ca_file),
            timeout: Duration::from_secs(s.timeout_secs),
            file: file_path.clone(),
        }
    });
    let district = match raw.district.as_deref().map(str::trim) {
        None => District::default(),
        Some("") => {
            p.push("district", "is empty: name the district (e.g. 洮北区)");
            District::default()
        }
        Some(name) => District::new(name),
    };
    for (i, addr) in raw.recipients.office.iter().enumerate() {
        if !addr.contains('@') {
            p.push(
                format!("recipients.office[{i}]"),
                format!("{addr:?} is not an email address"),
            );
        }
    }
    for (dept, addrs) in &raw.recipients.departments {
        for (i, addr) in addrs.iter().enumerate() {
            if !addr.contains('@') {
                p.push(
                    format!("recipients.departments.{dept}[{i}]"),
                    format!("{addr:?} is not an email address"),
                );
            }
        }
    }
    let metrics = raw.metrics.and_then(|m| match m.listen.trim().parse() {
        Ok(listen) => Some(MetricsSettings { listen }),
        Err(_) => {
            p.push(
                "metrics.listen",
                format!(
                    "{:?} is not an IP address and port (e.g. \"127.0.0.1:9187\")",
                    m.listen
                ),
            );
            None
        }
    });
    if !p.list.is_empty() {
        return Err(ConfigError::Invalid(p.list));
    }
    match (timezone, crawl, report, full_crawl) {
        (Some(timezone), Some(crawl), Some(report), Some(full_crawl)) => Ok(Settings {
            district,
            lang: raw.lang,
            calendar_file: resolve(raw.calendar_file),
            database: resolve(raw.database),
            targets: resolve(raw.targets),
            selectors: resolve(raw.selectors),
            catalog: resolve(raw.catalog),
            timezone,
            schedule: Schedules {
                crawl,
                full_crawl,
                report,
            },
            crawl: raw.crawl,
            privacy: raw.privacy,
            smtp,
            recipients: raw.recipients,
            metrics,
            file: file.map(Path::to_path_buf),
        }),
        // Every None above pushed a problem.
        _ => Err(ConfigError::Invalid(p.list)),
    }
}
