//! Sending a rendered report by email over SMTP.
//!
//! The report goes out as one MIME message: `multipart/mixed` holding a
//! `multipart/alternative` (plain text, then HTML) and the findings as a `text/csv`
//! attachment, everything in UTF-8. Headers with Chinese text (subject, display names,
//! the attachment's file name) are encoded by lettre (RFC 2047 and RFC 2231).
//!
//! Errors say whether retrying later may help ([`MailError::is_transient`]), so a caller
//! can tell "the relay is down, try again next hour" from "the settings are wrong".

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lettre::address::AddressError;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::transport::smtp;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, AsyncSmtpTransportBuilder};
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// How to reach the mail server (from the settings file; the password never comes from TOML).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Host name of the server; with TLS it is also the name the certificate must carry.
    pub host: String,
    /// Usually 587 for STARTTLS, 465 for implicit TLS, 25 for a local relay.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// Log-in name; AUTH is used only when this is set.
    pub user: Option<String>,
    /// Resolved by the caller from an environment variable or a file.
    pub password: Option<String>,
    /// `"政务公开办 <gkb@example.gov.cn>"` or a bare address.
    pub from: String,
    /// Extra CA certificate (PEM file) to trust, e.g. a local relay's self-signed CA;
    /// system roots are always trusted too.
    pub ca_file: Option<PathBuf>,
    /// Limit for connecting. Sending one message, connecting included, is cut off after
    /// twice this, since lettre bounds only the connect itself and a server that stops
    /// answering mid-dialogue would otherwise hold a send forever.
    pub timeout: Duration,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; sending is refused when the server does not
    /// offer it, so a stripped STARTTLS never leads to mail (and a password) in clear.
    Starttls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or a trusted local network.
    None,
}

/// A message ready to send.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingMail<'a> {
    /// One address or a comma-separated list, each bare or as `名字 <addr>`.
    pub to: &'a str,
    /// Subject line; any Unicode.
    pub subject: &'a str,
    /// The HTML rendering of the report.
    pub html: &'a str,
    /// The plain-text rendering, for clients that do not show HTML.
    pub text: &'a str,
    /// File name of the CSV attachment, e.g. `政务公开周报-2026-11-23.csv`.
    pub attachment_name: &'a str,
    /// Contents of the CSV attachment.
    pub csv: &'a str,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a message could not be built or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient address that does not parse.
    #[error("invalid mail address {address:?} in {field}: {source}")]
    Address {
        /// Which field held it: `from` or `to`.
        field: &'static str,
        /// The text as given.
        address: String,
        /// What lettre objected to.
        source: AddressError,
    },
    /// The message could not be assembled (headers or parts).
    #[error("cannot build the mail message: {source}")]
    Build {
        /// What went wrong.
        source: BoxError,
    },
    /// The extra CA certificate could not be read or is not PEM.
    #[error("cannot use the CA certificate file {}: {reason}", path.display())]
    CaFile {
        /// The file named in the settings.
        path: PathBuf,
        /// Why it is unusable.
        reason: String,
    },
    /// A user is configured but no password was resolved.
    #[error("SMTP user {user:?} is set but no password was given")]
    MissingPassword {
        /// The configured user.
        user: String,
    },
    /// TLS could not be set up or was refused: certificate not trusted or for another name,
    /// the server does not offer STARTTLS, or it does not speak TLS on that port.
    #[error("TLS with the mail server {server} failed: {source}")]
    Tls {
        /// `host:port`.
        server: String,
        /// lettre's error, with the TLS library's message.
        source: smtp::Error,
    },
    /// The server could not be reached or the connection broke (refused, timed out, reset).
    #[error("cannot reach the mail server {server}: {source}")]
    Connect {
        /// `host:port`.
        server: String,
        /// lettre's error, with the operating system's message.
        source: smtp::Error,
    },
    /// The server stopped answering: the whole exchange for one message took longer than
    /// allowed ([`SmtpConfig::timeout`]).
    #[error("the mail server {server} did not finish within {after:?}")]
    Timeout {
        /// `host:port`.
        server: String,
        /// The limit that ran out.
        after: Duration,
    },
    /// The server answered but did not accept the message (or the log-in); the error
    /// carries the server's reply code and text.
    #[error("the mail server {server} did not accept the message: {source}")]
    Send {
        /// `host:port`.
        server: String,
        /// lettre's error, with the server's reply.
        source: smtp::Error,
    },
}

impl MailError {
    /// Whether retrying later may help (connection refused, timeouts, 4xx replies) vs
    /// permanent (5xx rejections of the recipient, invalid address, bad CA file).
    ///
    /// TLS failures count as permanent: an untrusted or mismatched certificate, or a server
    /// that does not offer STARTTLS, stays so until someone changes the settings, and
    /// retrying would only hide that from the operator.
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Address { .. }
            | MailError::Build { .. }
            | MailError::CaFile { .. }
            | MailError::MissingPassword { .. }
            | MailError::Tls { .. } => false,
            MailError::Connect { .. } | MailError::Timeout { .. } => true,
            // A garbled or cut-off reply (`is_response`) almost always means the connection
            // dropped mid-dialogue, which a later attempt may well not meet.
            MailError::Send { source, .. } => {
                source.is_transient() || source.is_response() || source.is_timeout()
            }
        }
    }

    /// Whether the failure lies with the server or the settings rather than this message,
    /// so that the rest of a batch would fail the same way and may as well wait: server
    /// unreachable or hung, TLS refused, log-in refused (530, 534, 535, 454), or the server
    /// closing down (421).
    pub fn affects_every_message(&self) -> bool {
        match self {
            MailError::Address { .. } | MailError::Build { .. } => false,
            MailError::CaFile { .. }
            | MailError::MissingPassword { .. }
            | MailError::Tls { .. }
            | MailError::Connect { .. }
            | MailError::Timeout { .. } => true,
            MailError::Send { source, .. } => {
                // lettre's own refusals (no AUTH mechanism in common) and replies that
                // cannot be read say nothing about one message either.
                source.is_client()
                    || source.is_response()
                    || matches!(self.smtp_code(), Some(421 | 454 | 530 | 534 | 535))
            }
        }
    }

    /// The SMTP reply code when the server rejected something (e.g. 550, 451, 535).
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            MailError::Send { source, .. } => source.status().map(|code| {
                // `Code` displays as its three digits.
                code.to_string().parse().unwrap_or_default()
            }),
            _ => None,
        }
    }
}

/// Sends report mails through one SMTP server.
///
/// One connection per batch is fine; the transport is built once and lettre's pool reuses
/// its connection between messages.
pub struct Mailer {
    builder: AsyncSmtpTransportBuilder,
    /// Built on first use: lettre's pool spawns a Tokio task when it is created, so building
    /// it in [`Mailer::new`] would make `new` panic outside a runtime. Dropped after a
    /// timeout so that a connection left mid-dialogue is never reused.
    transport: Mutex<Option<AsyncSmtpTransport<Tokio1Executor>>>,
    /// Bound on one whole [`Mailer::send`].
    limit: Duration,
    from: Mailbox,
    server: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The builder holds the credentials: show only what identifies the server.
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the settings (sender address, CA file, credentials) and prepares the transport.
    /// Nothing is sent and no connection is made yet.
    pub fn new(config: &SmtpConfig) -> Result<Mailer, MailError> {
        let from = parse_mailbox("from", &config.from)?;
        let server = format!("{}:{}", config.host, config.port);

        let tls = match config.security {
            Security::None => Tls::None,
            Security::Starttls => Tls::Required(tls_parameters(config, &server)?),
            Security::Tls => Tls::Wrapper(tls_parameters(config, &server)?),
        };

        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));

        if let Some(user) = &config.user {
            let password = config
                .password
                .clone()
                .ok_or_else(|| MailError::MissingPassword { user: user.clone() })?;
            if config.security == Security::None && !is_loopback(&config.host) {
                tracing::warn!(
                    server = %server,
                    "SMTP password will be sent unencrypted (security = \"none\")"
                );
            }
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }

        Ok(Mailer {
            builder,
            transport: Mutex::new(None),
            limit: config.timeout.saturating_mul(2),
            from,
            server,
        })
    }

    /// Sends one message; Ok only after the server accepted it (250 to DATA).
    pub async fn send(&self, mail: &OutgoingMail<'_>) -> Result<(), MailError> {
        let message = message_from(self.from.clone(), mail)?;
        let transport = self
            .pooled()
            .get_or_insert_with(|| self.builder.clone().build())
            .clone();
        // If this exchange is cut short (our time limit, or the caller dropping this
        // future), lettre puts the connection back into its pool in the middle of a
        // command, and its late replies would be read as answers to the next message's
        // commands. The guard then throws the pool away so the next send starts afresh.
        let mut guard = DiscardUnlessFinished {
            mailer: self,
            finished: false,
        };
        let outcome = tokio::time::timeout(self.limit, transport.send(message)).await;
        drop(transport);
        let Ok(result) = outcome else {
            return Err(MailError::Timeout {
                server: self.server.clone(),
                after: self.limit,
            });
        };
        guard.finished = true;
        match result {
            Ok(response) => {
                tracing::debug!(
                    server = %self.server,
                    code = %response.code(),
                    reply = %response.message().collect::<Vec<_>>().join(" "),
                    "mail accepted"
                );
                Ok(())
            }
            Err(err) => Err(classify(&self.server, err)),
        }
    }

    /// Closes the pooled connection (QUIT) at the end of a batch instead of leaving it to
    /// the pool's idle timeout.
    pub async fn close(self) {
        let transport = self.pooled().take();
        if let Some(transport) = transport {
            transport.shutdown().await;
        }
    }

    /// Drops the transport and its pooled connections; the next send builds a new one.
    fn discard_transport(&self) {
        let transport = self.pooled().take();
        forget_outside_runtime(transport);
    }

    /// The lock is held only to clone or replace the transport, never across an await, so
    /// a poisoned lock still holds a usable value.
    fn pooled(&self) -> std::sync::MutexGuard<'_, Option<AsyncSmtpTransport<Tokio1Executor>>> {
        self.transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Mailer {
    fn drop(&mut self) {
        let transport = self
            .transport
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        forget_outside_runtime(transport);
    }
}

/// Throws the mailer's pool away unless the exchange it watches ran to its end.
struct DiscardUnlessFinished<'a> {
    mailer: &'a Mailer,
    finished: bool,
}

impl Drop for DiscardUnlessFinished<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.mailer.discard_transport();
        }
    }
}

/// Drops a transport, except outside a Tokio runtime: lettre's pool spawns a task when
/// dropped, which panics there (e.g. a Mailer dropped after `block_on` returned). The
/// process is then usually ending anyway, so leaking the idle connection is the lesser evil.
fn forget_outside_runtime(transport: Option<AsyncSmtpTransport<Tokio1Executor>>) {
    if let Some(transport) = transport
        && tokio::runtime::Handle::try_current().is_err()
    {
        std::mem::forget(transport);
    }
}

/// The MIME message (multipart/mixed: multipart/alternative text+html, then the CSV
/// attachment as text/csv; charset utf-8), exposed for tests.
pub fn build_message(from: &str, mail: &OutgoingMail<'_>) -> Result<Message, MailError> {
    message_from(parse_mailbox("from", from)?, mail)
}

fn message_from(from: Mailbox, mail: &OutgoingMail<'_>) -> Result<Message, MailError> {
    let to: Mailboxes = mail.to.parse().map_err(|source| MailError::Address {
        field: "to",
        address: mail.to.to_owned(),
        source,
    })?;
    if to.iter().next().is_none() {
        return Err(MailError::Address {
            field: "to",
            address: mail.to.to_owned(),
            source: AddressError::MissingParts,
        });
    }

    let csv_type = ContentType::parse("text/csv; charset=utf-8")
        .map_err(|err| MailError::Build { source: err.into() })?;
    let attachment = Attachment::new(mail.attachment_name.to_owned()).body(
        // lettre turns line ends into CRLF, which is also what RFC 4180 asks of CSV.
        mail.csv.to_owned(),
        csv_type,
    );

    let body = MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(mail.text.to_owned()))
                .singlepart(SinglePart::html(mail.html.to_owned())),
        )
        .singlepart(attachment);

    // A Message-ID on the sender's own domain: some relays and spam filters penalise mail
    // without one, and lettre's default would name this machine's host instead.
    let message_id = format!(
        "<{:016x}{:016x}@{}>",
        fastrand::u64(..),
        fastrand::u64(..),
        from.email.domain()
    );
    let mut builder = Message::builder()
        .from(from)
        .subject(mail.subject)
        .message_id(Some(message_id));
    for mailbox in to {
        builder = builder.to(mailbox);
    }
    builder
        .multipart(body)
        .map_err(|err| MailError::Build { source: err.into() })
}

fn parse_mailbox(field: &'static str, text: &str) -> Result<Mailbox, MailError> {
    text.trim().parse().map_err(|source| MailError::Address {
        field,
        address: text.to_owned(),
        source,
    })
}

/// System roots plus the configured CA, checked against `host`.
fn tls_parameters(config: &SmtpConfig, server: &str) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        builder = builder.add_root_certificate(read_ca_file(path)?);
    }
    builder.build().map_err(|source| MailError::Tls {
        server: server.to_owned(),
        source,
    })
}

fn read_ca_file(path: &Path) -> Result<Certificate, MailError> {
    let ca_error = |reason: String| MailError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|err| ca_error(err.to_string()))?;
    // lettre accepts a file without any certificate in it, which would silently trust
    // nothing extra: a CA file that is not PEM is a settings mistake worth reporting.
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(ca_error("no PEM certificate in it".to_owned()));
    }
    Certificate::from_pem(&pem).map_err(|err| ca_error(err.to_string()))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sorts lettre's error into ours by what retrying can change.
fn classify(server: &str, err: smtp::Error) -> MailError {
    let server = server.to_owned();
    if err.is_tls() {
        return MailError::Tls {
            server,
            source: err,
        };
    }
    if err.is_transient() || err.is_permanent() || err.is_response() {
        return MailError::Send {
            server,
            source: err,
        };
    }
    if err.is_client() {
        // lettre's own refusals: "STARTTLS is not supported on this server" with
        // `Tls::Required`, or no AUTH mechanism in common. The message is lettre's only
        // signal for the STARTTLS case.
        if err.to_string().contains("STARTTLS") {
            return MailError::Tls {
                server,
                source: err,
            };
        }
        return MailError::Send {
            server,
            source: err,
        };
    }
    if err.is_transport_shutdown() {
        return MailError::Send {
            server,
            source: err,
        };
    }
    // Left: connection and network errors. lettre reports a failed TLS handshake as a
    // connection error; rustls surfaces through tokio-rustls as `InvalidData`, which plain
    // socket errors (refused, reset, timed out) never are.
    if io_kind(&err) == Some(io::ErrorKind::InvalidData) {
        return MailError::Tls {
            server,
            source: err,
        };
    }
    MailError::Connect {
        server,
        source: err,
    }
}

/// The kind of the first `io::Error` in the error's source chain.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut source = err.source();
    while let Some(err) = source {
        if let Some(io_err) = err.downcast_ref::<io::Error>() {
            return Some(io_err.kind());
        }
        source = err.source();
    }
    None
}

#[cfg(test)]
mod tests;
