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
//! The tests at the end prove the harness and `gkwatch::report::mail` together.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// PEM texts of a fresh test CA and a server certificate it signed.
struct TestPki {
    ca: String,
    cert: String,
    key: String,
}

fn make_pki() -> Result<TestPki, rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gkwatch test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    // rcgen turns "127.0.0.1" into an IP address SAN, so both ways of naming the
    // server verify.
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = leaf.signed_by(&key, &ca)?;
    Ok(TestPki {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
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
            let pki = make_pki().map_err(std::io::Error::other)?;
            let ca = dir.path().join("ca.pem");
            let cert = dir.path().join("server.pem");
            let key = dir.path().join("server.key");
            std::fs::write(&ca, pki.ca)?;
            std::fs::write(&cert, pki.cert)?;
            std::fs::write(&key, pki.key)?;
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

/// The harness and `gkwatch::report::mail` against a real server.
mod tests {
    use std::time::Duration;

    use gkwatch::report::mail::{MailError, Mailer, OutgoingMail, Security, SmtpConfig};

    use super::{DEFERRED_DOMAIN, Mode, REJECTED_DOMAIN, ServerOptions, SmtpServer};

    const WAIT: Duration = Duration::from_secs(10);
    const SUBJECT: &str = "政务公开周报（2026-11-23）：3 个部门逾期";
    const FILENAME: &str = "政务公开周报-2026-11-23.csv";
    // A quoted field with a comma and a newline, so that CSV quoting survives transit.
    const CSV: &str =
        "部门,栏目,逾期天数\n区教育局,财政预决算,12\n区卫健委,\"重点领域,医疗\n卫生\",3\n";
    const HTML: &str = "<h1>政务公开周报</h1>\n<p>区教育局：<b>财政预决算</b>逾期 12 天</p>\n";
    const TEXT: &str = "政务公开周报\n区教育局：财政预决算逾期 12 天\n";

    fn report_mail(to: &str) -> OutgoingMail<'_> {
        OutgoingMail {
            to,
            subject: SUBJECT,
            html: HTML,
            text: TEXT,
            attachment_name: FILENAME,
            csv: CSV,
        }
    }

    /// Settings for `server`: TLS modes go by the name on the certificate, and trust the
    /// test CA.
    fn config_for(server: &SmtpServer, security: Security) -> SmtpConfig {
        SmtpConfig {
            host: if server.mode == Mode::Plain {
                "127.0.0.1".to_owned()
            } else {
                "localhost".to_owned()
            },
            port: server.port,
            security,
            user: None,
            password: None,
            from: "政务公开办 <gkb@example.gov.cn>".to_owned(),
            ca_file: server.ca_pem.clone(),
            timeout: WAIT,
        }
    }

    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    #[tokio::test]
    async fn plain_delivery_decodes_every_part() {
        let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
            return;
        };
        let mailer = Mailer::new(&config_for(&server, Security::None)).expect("mailer");
        mailer
            .send(&report_mail("王主任 <wang@example.gov.cn>"))
            .await
            .expect("sent");

        let mails = server.wait_for(1, WAIT);
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert_eq!(mail.subject, SUBJECT);
        assert_eq!(mail.from, "政务公开办 <gkb@example.gov.cn>");
        assert_eq!(mail.to, "王主任 <wang@example.gov.cn>");
        assert_eq!(mail.mail_from, "gkb@example.gov.cn");
        assert_eq!(mail.rcpt_to, "wang@example.gov.cn");
        assert!(mail.message_id.ends_with("@example.gov.cn>"), "{mail:?}");
        assert_eq!(
            mail.structure,
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain; charset=utf-8",
                "text/html; charset=utf-8",
                "text/csv; charset=utf-8",
            ]
        );
        assert_eq!(mail.text.as_deref(), Some(crlf(TEXT).as_str()));
        assert_eq!(mail.html.as_deref(), Some(crlf(HTML).as_str()));
        assert_eq!(mail.attachments.len(), 1);
        let csv = &mail.attachments[0];
        assert_eq!(csv.filename.as_deref(), Some(FILENAME));
        assert_eq!(csv.content_type, "text/csv");
        assert_eq!(csv.charset.as_deref(), Some("utf-8"));
        // CSV goes out with CRLF line ends (RFC 4180), the quoted newline included.
        assert_eq!(String::from_utf8_lossy(&csv.data), crlf(CSV));
        mailer.close().await;
    }

    #[tokio::test]
    async fn one_mailer_sends_a_batch_to_several_recipients() {
        let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
            return;
        };
        let mailer = Mailer::new(&config_for(&server, Security::None)).expect("mailer");
        for to in [
            "a@example.gov.cn",
            "b@example.gov.cn, 陈科长 <c@example.gov.cn>",
            "d@example.gov.cn",
        ] {
            mailer.send(&report_mail(to)).await.expect("sent");
        }
        let mails = server.wait_for(3, WAIT);
        assert_eq!(mails.len(), 3);
        let mut recipients: Vec<&str> = mails.iter().map(|m| m.rcpt_to.as_str()).collect();
        recipients.sort_unstable();
        assert_eq!(
            recipients,
            [
                "a@example.gov.cn",
                "b@example.gov.cn, c@example.gov.cn",
                "d@example.gov.cn"
            ]
        );
        assert!(
            mails
                .iter()
                .any(|m| m.to.contains("陈科长 <c@example.gov.cn>"))
        );
    }

    #[tokio::test]
    async fn starttls_with_the_test_ca_delivers() {
        // The server refuses MAIL FROM before STARTTLS, so delivery proves the upgrade.
        let Some(server) = SmtpServer::start(Mode::StartTls).expect("start aiosmtpd") else {
            return;
        };
        let mailer = Mailer::new(&config_for(&server, Security::Starttls)).expect("mailer");
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("sent over STARTTLS");
        let mails = server.wait_for(1, WAIT);
        assert_eq!(mails[0].subject, SUBJECT);
        assert_eq!(mails[0].attachments[0].filename.as_deref(), Some(FILENAME));
    }

    #[tokio::test]
    async fn implicit_tls_with_the_test_ca_delivers() {
        let Some(server) = SmtpServer::start(Mode::ImplicitTls).expect("start aiosmtpd") else {
            return;
        };
        let mailer = Mailer::new(&config_for(&server, Security::Tls)).expect("mailer");
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("sent over implicit TLS");
        let mails = server.wait_for(1, WAIT);
        assert_eq!(mails[0].subject, SUBJECT);
    }

    #[tokio::test]
    async fn tls_required_never_falls_back_to_clear_text() {
        let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
            return;
        };
        // A server without STARTTLS (or one whose offer was stripped on the way).
        let mailer = Mailer::new(&SmtpConfig {
            host: "localhost".to_owned(),
            ..config_for(&server, Security::Starttls)
        })
        .expect("mailer");
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("must refuse to send in clear");
        assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
        assert!(!err.is_transient(), "{err}");
        assert!(err.to_string().contains("STARTTLS"), "{err}");

        // Implicit TLS against a plain port: a handshake failure, not a hang.
        let mailer = Mailer::new(&SmtpConfig {
            host: "localhost".to_owned(),
            ..config_for(&server, Security::Tls)
        })
        .expect("mailer");
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("no TLS there");
        assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
        assert!(!err.is_transient(), "{err}");
        assert_eq!(server.count(), 0);
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_a_permanent_tls_error() {
        // Only the system roots: the test CA is unknown to them. Retrying cannot fix this,
        // the settings (ca_file) must change, so it is not transient.
        for (mode, security) in [
            (Mode::StartTls, Security::Starttls),
            (Mode::ImplicitTls, Security::Tls),
        ] {
            let Some(server) = SmtpServer::start(mode).expect("start aiosmtpd") else {
                return;
            };
            let mailer = Mailer::new(&SmtpConfig {
                ca_file: None,
                ..config_for(&server, security)
            })
            .expect("mailer");
            let err = mailer
                .send(&report_mail("wang@example.gov.cn"))
                .await
                .expect_err("certificate not trusted");
            assert!(matches!(err, MailError::Tls { .. }), "{mode:?}: {err:?}");
            assert!(!err.is_transient(), "{mode:?}: {err}");
            assert!(err.affects_every_message(), "{mode:?}: {err}");
            assert!(err.to_string().contains("certificate"), "{mode:?}: {err}");
            assert_eq!(server.count(), 0);
        }
    }

    #[tokio::test]
    async fn auth_over_starttls() {
        let options = ServerOptions {
            auth: Some(("gkb".to_owned(), "口令-s3cret".to_owned())),
            ..ServerOptions::default()
        };
        let Some(server) =
            SmtpServer::start_with(Mode::StartTls, &options).expect("start aiosmtpd")
        else {
            return;
        };
        let with_login = |password: &str| SmtpConfig {
            user: Some("gkb".to_owned()),
            password: Some(password.to_owned()),
            ..config_for(&server, Security::Starttls)
        };

        let mailer = Mailer::new(&with_login("口令-s3cret")).expect("mailer");
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("sent after AUTH");
        assert_eq!(server.wait_for(1, WAIT).len(), 1);

        let mailer = Mailer::new(&with_login("wrong")).expect("mailer");
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("bad password");
        assert!(matches!(err, MailError::Send { .. }), "{err:?}");
        assert_eq!(err.smtp_code(), Some(535), "{err}");
        assert!(!err.is_transient(), "{err}");
        assert!(err.affects_every_message(), "{err}");

        // Without credentials the server insists on AUTH.
        let mailer = Mailer::new(&config_for(&server, Security::Starttls)).expect("mailer");
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("AUTH required");
        assert_eq!(err.smtp_code(), Some(530), "{err}");
        assert!(!err.is_transient(), "{err}");
        assert_eq!(server.count(), 1);
    }

    #[tokio::test]
    async fn refused_recipients_are_classified_by_reply_code() {
        let options = ServerOptions {
            scripted_refusals: true,
            ..ServerOptions::default()
        };
        let Some(server) = SmtpServer::start_with(Mode::Plain, &options).expect("start aiosmtpd")
        else {
            return;
        };
        let mailer = Mailer::new(&config_for(&server, Security::None)).expect("mailer");

        let rejected = format!("nobody@{REJECTED_DOMAIN}");
        let err = mailer.send(&report_mail(&rejected)).await.expect_err("550");
        assert_eq!(err.smtp_code(), Some(550), "{err}");
        assert!(!err.is_transient(), "{err}");
        assert!(!err.affects_every_message(), "only this recipient: {err}");
        // The server's own words reach the operator.
        assert!(err.to_string().contains("mailbox unavailable"), "{err}");

        let deferred = format!("busy@{DEFERRED_DOMAIN}");
        let err = mailer.send(&report_mail(&deferred)).await.expect_err("451");
        assert_eq!(err.smtp_code(), Some(451), "{err}");
        assert!(err.is_transient(), "{err}");
        assert!(!err.affects_every_message(), "{err}");

        // Refusals close the connection; the mailer still delivers afterwards.
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("sent");
        assert_eq!(server.wait_for(1, WAIT)[0].rcpt_to, "wang@example.gov.cn");
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_a_transient_error() {
        let Some(mut server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
            return;
        };
        let config = config_for(&server, Security::None);
        let mailer = Mailer::new(&config).expect("mailer");
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("sent while up");
        server.stop();

        // Both the mailer holding a (now dead) pooled connection and a fresh one.
        for mailer in [mailer, Mailer::new(&config).expect("mailer")] {
            let err = mailer
                .send(&report_mail("wang@example.gov.cn"))
                .await
                .expect_err("server is down");
            assert!(matches!(err, MailError::Connect { .. }), "{err:?}");
            assert!(err.is_transient(), "{err}");
            assert!(err.affects_every_message(), "{err}");
            assert!(err.to_string().contains(&server.address()), "{err}");
        }
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out_transiently() {
        // Needs no aiosmtpd: a socket that accepts and then says nothing.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let mailer = Mailer::new(&SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port,
            security: Security::None,
            user: None,
            password: None,
            from: "gkb@example.gov.cn".to_owned(),
            ca_file: None,
            timeout: Duration::from_millis(500),
        })
        .expect("mailer");
        let started = std::time::Instant::now();
        let err = tokio::time::timeout(
            Duration::from_secs(20),
            mailer.send(&report_mail("wang@example.gov.cn")),
        )
        .await
        .expect("the configured timeout applies")
        .expect_err("no greeting");
        assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
        assert!(err.is_transient(), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
        drop(listener);
    }

    /// A scripted server on loopback: the first connection goes silent after the message
    /// body, later ones accept. Returns the port and a count of connections.
    async fn silent_after_data_once() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let nth = counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 scripted ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-scripted\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                while let Ok(Some(body)) = lines.next_line().await {
                                    if body == "." {
                                        break;
                                    }
                                }
                                if nth == 0 {
                                    // Never answer, but keep the connection open.
                                    std::future::pending::<()>().await;
                                }
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"250 OK\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        (port, connections)
    }

    #[tokio::test]
    async fn a_connection_left_mid_dialogue_is_not_reused() {
        // Needs no aiosmtpd. Without discarding the pool after the time-out, the second
        // send would reuse the first connection, whose server never answers again.
        let (port, connections) = silent_after_data_once().await;
        let mailer = Mailer::new(&SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port,
            security: Security::None,
            user: None,
            password: None,
            from: "gkb@example.gov.cn".to_owned(),
            ca_file: None,
            timeout: Duration::from_millis(500),
        })
        .expect("mailer");
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("no reply to the message");
        assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
        // Let lettre's background task put the abandoned connection back into its pool,
        // as it would while a caller records the failure.
        tokio::time::sleep(Duration::from_millis(100)).await;
        mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect("a fresh connection delivers");
        assert_eq!(
            connections.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "the second message went over a new connection"
        );
    }
}
