//! A real SMTP server for tests: `python3 -m aiosmtpd` on 127.0.0.1, delivering into a
//! Maildir that the tests read back through Python's `email` parser, so what is checked is
//! what a mail client would decode (RFC 2047 subjects, RFC 2231 file names, base64 bodies).
//!
//! Modes: plain, STARTTLS and implicit TLS, the TLS ones with a certificate for `localhost`
//! and 127.0.0.1 signed by a CA made here with rcgen ([`SmtpServer::ca_pem`]). AUTH and
//! scripted refusals of recipients need a few lines of Python around aiosmtpd's own command
//! line ([`WRAPPER_PY`]), written to the server's temporary directory at run time.
//!
//! Without aiosmtpd, [`SmtpServer::start`] returns `Ok(None)` and says so on the terminal,
//! unless `GKWATCH_REQUIRE_SERVERS=1` (as in CI), which makes it panic instead.
//!
//! `tests/integration/smtp.rs` proves the harness and `gkwatch::report::mail` together.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gkwatch::report::mail::{Security, SmtpConfig};

use super::pki::TestCa;

/// How the test server protects its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No TLS at all.
    Plain,
    /// Plain connection that must be upgraded with STARTTLS before MAIL FROM
    /// (aiosmtpd's `require_starttls`).
    StartTls,
    /// TLS from the first byte (SMTPS).
    ImplicitTls,
}

/// Extras beyond plain delivery; any of them runs aiosmtpd through [`WRAPPER_PY`].
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Require AUTH (PLAIN or LOGIN) with this user and password before MAIL FROM. Over
    /// STARTTLS the server offers AUTH only after the upgrade, as real servers do.
    pub auth: Option<(String, String)>,
    /// Refuse recipients at [`REJECTED_DOMAIN`] with 550 and at [`DEFERRED_DOMAIN`] with
    /// 451, to check how errors are classified.
    pub scripted_refusals: bool,
}

/// Recipients here get `550 5.1.1` from a server started with `scripted_refusals`.
pub const REJECTED_DOMAIN: &str = "reject.invalid";
/// Recipients here get `451 4.3.0` from a server started with `scripted_refusals`.
pub const DEFERRED_DOMAIN: &str = "later.invalid";

/// One message as it arrived, decoded by Python's `email` package.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedMail {
    /// `Subject`, decoded.
    pub subject: String,
    /// `From`, decoded (display name and address).
    pub from: String,
    /// `To`, decoded.
    pub to: String,
    /// Envelope recipients (aiosmtpd's `X-RcptTo`), comma-separated.
    pub rcpt_to: String,
    /// Envelope sender (aiosmtpd's `X-MailFrom`).
    pub mail_from: String,
    /// `Message-ID`.
    pub message_id: String,
    /// Every part in walk order as `type/subtype`, with `; charset=…` where one is given,
    /// e.g. `["multipart/mixed", "multipart/alternative", "text/plain; charset=utf-8", …]`.
    pub structure: Vec<String>,
    /// The body `text/plain` part, decoded to text (line ends as sent: CRLF).
    pub text: Option<String>,
    /// The body `text/html` part, decoded to text.
    pub html: Option<String>,
    /// Parts with `Content-Disposition: attachment`.
    pub attachments: Vec<ReceivedAttachment>,
}

/// An attachment as it arrived.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedAttachment {
    /// File name, decoded (RFC 2231 or RFC 2047).
    pub filename: Option<String>,
    /// `type/subtype`.
    pub content_type: String,
    /// The `charset` parameter, if any.
    pub charset: Option<String>,
    /// Contents after undoing the transfer encoding.
    pub data: Vec<u8>,
}

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    /// Port on 127.0.0.1.
    pub port: u16,
    /// Where delivered messages land (Maildir: `new/`, `cur/`, `tmp/`).
    pub maildir: PathBuf,
    /// The test CA that signed the server certificate, in TLS modes.
    pub ca_pem: Option<PathBuf>,
    /// The mode it was started in.
    pub mode: Mode,
    child: Option<Child>,
    log: PathBuf,
    /// How it was started, to start it again on the same port and Maildir.
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

/// aiosmtpd's command line plus what it has no option for: an authenticator for AUTH, and
/// a Mailbox handler that refuses recipients on reserved test domains. Passing the handler
/// as `-c __main__.ScriptedMailbox` works because aiosmtpd imports the class by module
/// path, and `__main__` is this script.
const WRAPPER_PY: &str = r#"
import functools, os, sys
import aiosmtpd.main
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class ScriptedMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain == "reject.invalid":
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if domain == "later.invalid":
            return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"


USER = os.environ.get("GKWATCH_TEST_SMTP_USER")
if USER is not None:
    PASSWORD = os.environ["GKWATCH_TEST_SMTP_PASSWORD"]

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        # handled=False lets aiosmtpd answer a failure with the usual 535.
        return AuthResult(success=ok, handled=False)

    # aiosmtpd.main builds its SMTP factory from this module global at run time.
    aiosmtpd.main.SMTP = functools.partial(
        SMTP,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=os.environ.get("GKWATCH_TEST_SMTP_AUTH_REQUIRE_TLS") == "1",
    )

aiosmtpd.main.main(sys.argv[1:])
"#;

/// Reads a Maildir's `new/` with Python's `email` package (policy.default decodes headers
/// and bodies) and prints a JSON list of [`ReceivedMail`].
const PARSE_PY: &str = r#"
import email, json, os, sys
from email import policy

new = os.path.join(sys.argv[1], "new")
out = []
for name in sorted(os.listdir(new)):
    if name.startswith("."):
        continue
    with open(os.path.join(new, name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=policy.default)

    def body(kind):
        part = msg.get_body(preferencelist=(kind,))
        return None if part is None else part.get_content()

    def describe(part):
        charset = part.get_param("charset")
        ct = part.get_content_type()
        return ct if charset is None else "%s; charset=%s" % (ct, charset)

    out.append({
        "subject": str(msg["subject"] or ""),
        "from": str(msg["from"] or ""),
        "to": str(msg["to"] or ""),
        "rcpt_to": str(msg["X-RcptTo"] or ""),
        "mail_from": str(msg["X-MailFrom"] or ""),
        "message_id": str(msg["message-id"] or ""),
        "structure": [describe(p) for p in msg.walk()],
        "text": body("plain"),
        "html": body("html"),
        "attachments": [
            {
                "filename": a.get_filename(),
                "content_type": a.get_content_type(),
                "charset": a.get_param("charset"),
                "data": list(a.get_payload(decode=True) or b""),
            }
            for a in msg.iter_attachments()
        ],
    })
json.dump(out, sys.stdout, ensure_ascii=False)
"#;

/// Whether `python3` can import aiosmtpd; asked once per test run.
fn aiosmtpd_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

fn servers_required() -> bool {
    std::env::var("GKWATCH_REQUIRE_SERVERS").is_ok_and(|v| v == "1")
}

/// A port that was free a moment ago. Another process could take it before aiosmtpd
/// binds; [`SmtpServer::start_with`] retries on "address in use".
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

impl SmtpServer {
    /// Starts `python3 -m aiosmtpd` on 127.0.0.1:<free port> with the Mailbox handler
    /// writing to a fresh Maildir; in TLS modes with a certificate for `localhost` and
    /// 127.0.0.1 signed by a test CA made here ([`SmtpServer::ca_pem`]).
    ///
    /// Returns `Ok(None)`, after saying so on the terminal, when aiosmtpd is not installed,
    /// unless `GKWATCH_REQUIRE_SERVERS=1`: then it panics.
    pub fn start(mode: Mode) -> std::io::Result<Option<SmtpServer>> {
        Self::start_with(mode, &ServerOptions::default())
    }

    /// [`SmtpServer::start`] with AUTH or scripted refusals.
    pub fn start_with(mode: Mode, options: &ServerOptions) -> std::io::Result<Option<SmtpServer>> {
        if !aiosmtpd_installed() {
            let test = std::thread::current()
                .name()
                .unwrap_or("an SMTP test")
                .to_owned();
            if servers_required() {
                panic!(
                    "{test}: aiosmtpd is not installed for python3 and GKWATCH_REQUIRE_SERVERS=1 \
                     forbids skipping; install it with `python3 -m pip install aiosmtpd`"
                );
            }
            crate::report!("SKIPPED: {test}: needs aiosmtpd (`python3 -m pip install aiosmtpd`)");
            return Ok(None);
        }

        let dir = tempfile::tempdir()?;
        let maildir = dir.path().join("Maildir");
        let log = dir.path().join("aiosmtpd.log");

        let mut tls_args: Vec<String> = Vec::new();
        let mut ca_pem = None;
        if mode != Mode::Plain {
            // Both ways of naming the server verify: `localhost` and 127.0.0.1.
            let test_ca = TestCa::new().map_err(std::io::Error::other)?;
            let leaf = test_ca
                .leaf(&["localhost", "127.0.0.1"], false)
                .map_err(std::io::Error::other)?;
            let ca = dir.path().join("ca.pem");
            let cert = dir.path().join("server.pem");
            let key = dir.path().join("server.key");
            std::fs::write(&ca, &test_ca.pem)?;
            std::fs::write(&cert, &leaf.cert_pem)?;
            std::fs::write(&key, &leaf.key_pem)?;
            let (cert_flag, key_flag) = match mode {
                Mode::StartTls => ("--tlscert", "--tlskey"),
                _ => ("--smtpscert", "--smtpskey"),
            };
            tls_args = vec![
                cert_flag.to_owned(),
                path_arg(&cert),
                key_flag.to_owned(),
                path_arg(&key),
            ];
            ca_pem = Some(ca);
        }

        let wrapped = options.auth.is_some() || options.scripted_refusals;
        let wrapper = dir.path().join("smtpd_wrapper.py");
        if wrapped {
            std::fs::write(&wrapper, WRAPPER_PY)?;
        }

        let mut last_failure = String::new();
        for _attempt in 0..3 {
            let port = free_port()?;
            // One file for both streams, so that their lines interleave as written.
            let log_file = File::create(&log)?;
            let mut args: Vec<String> = Vec::new();
            if wrapped {
                args.push(path_arg(&wrapper));
            } else {
                args.extend(["-m".to_owned(), "aiosmtpd".to_owned()]);
            }
            // -n: as root aiosmtpd would otherwise switch to `nobody`, who cannot write the
            // Maildir in our temporary directory.
            args.extend([
                "-n".to_owned(),
                "-l".to_owned(),
                format!("127.0.0.1:{port}"),
            ]);
            args.extend(tls_args.iter().cloned());
            args.extend([
                "-c".to_owned(),
                if options.scripted_refusals {
                    "__main__.ScriptedMailbox"
                } else {
                    "aiosmtpd.handlers.Mailbox"
                }
                .to_owned(),
                path_arg(&maildir),
            ]);
            let mut env = vec![("PYTHONUNBUFFERED".to_owned(), "1".to_owned())];
            if let Some((user, password)) = &options.auth {
                // Over STARTTLS, offer AUTH only once encrypted, like real servers;
                // aiosmtpd does not see implicit TLS as TLS for this check.
                env.extend([
                    ("GKWATCH_TEST_SMTP_USER".to_owned(), user.clone()),
                    ("GKWATCH_TEST_SMTP_PASSWORD".to_owned(), password.clone()),
                    (
                        "GKWATCH_TEST_SMTP_AUTH_REQUIRE_TLS".to_owned(),
                        if mode == Mode::StartTls { "1" } else { "0" }.to_owned(),
                    ),
                ]);
            }
            let mut command = launch("python3", &args, &env, &log_file)?;
            let mut child = command.spawn()?;
            match wait_until_listening(&mut child, port, &log, Duration::from_secs(10)) {
                Ok(()) => {
                    return Ok(Some(SmtpServer {
                        port,
                        maildir,
                        ca_pem,
                        mode,
                        child: Some(child),
                        log,
                        program: "python3".to_owned(),
                        args,
                        env,
                        _dir: dir,
                    }));
                }
                Err(failure) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_failure = failure;
                    // Only a lost race for the port is worth another try.
                    if !last_failure
                        .to_ascii_lowercase()
                        .contains("address already in use")
                    {
                        break;
                    }
                }
            }
        }
        Err(std::io::Error::other(format!(
            "aiosmtpd did not start: {last_failure}"
        )))
    }

    fn log_text(&self) -> String {
        read_log(&self.log)
    }

    /// What a client needs to send through this server with `security`: TLS modes go by the
    /// name on the certificate and trust the test CA.
    pub fn config(&self, security: Security) -> SmtpConfig {
        SmtpConfig {
            host: if self.mode == Mode::Plain {
                "127.0.0.1".to_owned()
            } else {
                "localhost".to_owned()
            },
            port: self.port,
            security,
            user: None,
            password: None,
            from: "政务公开办 <gkb@example.gov.cn>".to_owned(),
            ca_file: self.ca_pem.clone(),
            timeout: Duration::from_secs(10),
        }
    }

    /// The client security that fits the server's mode.
    pub fn security(&self) -> Security {
        match self.mode {
            Mode::Plain => Security::None,
            Mode::StartTls => Security::Starttls,
            Mode::ImplicitTls => Security::Tls,
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// How many messages have been delivered so far.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Waits (polling, up to `timeout`) until `n` messages are in the Maildir, and returns
    /// all of them, decoded, in file-name order (roughly arrival order). Panics on timeout
    /// with the server's log, since a test cannot go on without its mail.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        while self.count() < n {
            assert!(
                Instant::now() < deadline,
                "expected {n} message(s) in {} within {timeout:?}, found {}; server log:\n{}",
                self.maildir.display(),
                self.count(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = Command::new("python3")
            .args(["-c", PARSE_PY])
            .arg(&self.maildir)
            .stdin(Stdio::null())
            .output()
            .expect("run python3 to parse the Maildir");
        assert!(
            output.status.success(),
            "parsing the Maildir failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("parser output is JSON")
    }

    /// Starts the server again after [`SmtpServer::stop`], on the same port and Maildir
    /// ("SMTP back").
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.stop();
        let log_file = File::options().append(true).create(true).open(&self.log)?;
        let mut child = launch(&self.program, &self.args, &self.env, &log_file)?.spawn()?;
        wait_until_listening(&mut child, self.port, &self.log, Duration::from_secs(10))
            .map_err(std::io::Error::other)?;
        self.child = Some(child);
        Ok(())
    }

    /// Kills the server (to simulate "SMTP down"). Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server's command, its output to `log`.
fn launch(
    program: &str,
    args: &[String],
    env: &[(String, String)],
    log: &File,
) -> std::io::Result<Command> {
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?);
    Ok(command)
}

/// Polls until the port accepts connections, the process dies, or `limit` passes.
fn wait_until_listening(
    child: &mut Child,
    port: u16,
    log: &Path,
    limit: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("aiosmtpd exited with {status}: {}", read_log(log)));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "port {port} not listening after {limit:?}: {}",
                read_log(log)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
