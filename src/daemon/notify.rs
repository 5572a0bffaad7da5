//! systemd's notification protocol (`sd_notify(3)`): one datagram per state change to the
//! Unix socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace):
//! `READY=1` after start-up, `STATUS=…` for `systemctl status`, `RELOADING=1` / `READY=1`
//! around a reload, `STOPPING=1`, and `WATCHDOG=1` at half of `WATCHDOG_USEC`.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Arc;
use std::time::Duration;

/// The notification socket could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("NOTIFY_SOCKET={socket:?}: {reason}")]
    Socket { socket: String, reason: String },
    #[error("WATCHDOG_USEC={0:?} is not a positive number of microseconds")]
    Watchdog(String),
}

/// A connection to systemd's notification socket.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, when the watchdog is ours.
    watchdog: Option<Duration>,
}

impl Notifier {
    /// The notifier systemd asked for through the environment, if any: `NOTIFY_SOCKET`,
    /// `WATCHDOG_USEC` and `WATCHDOG_PID` (a watchdog meant for another process is ignored).
    pub fn from_env() -> Result<Option<Notifier>, NotifyError> {
        let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
            return Ok(None);
        };
        let socket = socket.to_string_lossy().into_owned();
        let ours = std::env::var("WATCHDOG_PID")
            .map_or(true, |pid| pid.trim() == std::process::id().to_string());
        let watchdog = match std::env::var("WATCHDOG_USEC") {
            Ok(usec) if ours => Some(usec),
            _ => None,
        };
        Notifier::connect(&socket, watchdog.as_deref()).map(Some)
    }

    /// A notifier for `socket` (a path or `@abstract`), with the watchdog of `watchdog_usec`.
    pub fn connect(socket: &str, watchdog_usec: Option<&str>) -> Result<Notifier, NotifyError> {
        let fail = |reason: String| NotifyError::Socket {
            socket: socket.to_string(),
            reason,
        };
        let addr = if let Some(name) = socket.strip_prefix('@') {
            abstract_addr(name).map_err(|e| fail(format!("not an abstract socket name: {e}")))?
        } else if socket.starts_with('/') {
            SocketAddr::from_pathname(socket)
                .map_err(|e| fail(format!("not a socket path: {e}")))?
        } else {
            return Err(fail(
                "neither an absolute path nor an @abstract name".to_string(),
            ));
        };
        let watchdog = match watchdog_usec {
            None => None,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(usec) if usec > 0 => Some(Duration::from_micros(usec) / 2),
                _ => return Err(NotifyError::Watchdog(text.to_string())),
            },
        };
        let socket = UnixDatagram::unbound()
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .map_err(|e| fail(format!("cannot create a datagram socket: {e}")))?;
        Ok(Notifier {
            socket,
            addr,
            watchdog,
        })
    }

    /// Sends `state` (lines of `KEY=value`); a failure is logged, never fatal.
    pub fn send(&self, state: &str) {
        if let Err(e) = self.socket.send_to_addr(state.as_bytes(), &self.addr) {
            tracing::warn!(error = %e, state, "cannot notify systemd");
        }
    }

    /// `STATUS=line` (one line: newlines become spaces).
    pub fn status(&self, line: &str) {
        self.send(&format!("STATUS={}", line.replace('\n', " ")));
    }

    /// How often the watchdog wants `WATCHDOG=1`, if it is on.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// A task sending `WATCHDOG=1` at [`Notifier::watchdog_interval`] until the guard is
    /// dropped; `None` when the watchdog is off. It ticks while a crawl runs too: the
    /// daemon's runtime is alive as long as it ticks.
    pub fn spawn_watchdog(self: &Arc<Self>) -> Option<WatchdogGuard> {
        let every = self.watchdog?;
        let me = Arc::clone(self);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                me.send("WATCHDOG=1");
            }
        });
        Some(WatchdogGuard(task))
    }
}

/// Stops the watchdog task when dropped.
#[derive(Debug)]
pub struct WatchdogGuard(tokio::task::JoinHandle<()>);

impl Drop for WatchdogGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &str) -> std::io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name.as_bytes())
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_name: &str) -> std::io::Result<SocketAddr> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract sockets exist only on Linux",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv(socket: &UnixDatagram) -> String {
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).expect("recv");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn sends_to_a_socket_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify");
        let rx = UnixDatagram::bind(&path).expect("bind");
        let n = Notifier::connect(path.to_str().expect("utf-8"), Some("3000000")).expect("connect");
        assert_eq!(n.watchdog_interval(), Some(Duration::from_millis(1500)));
        n.send("READY=1");
        n.status("next crawl at 02:30\nlast: none");
        assert_eq!(recv(&rx), "READY=1");
        assert_eq!(recv(&rx), "STATUS=next crawl at 02:30 last: none");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sends_to_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("gkwatch-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let rx = UnixDatagram::bind_addr(&addr).expect("bind");
        let n = Notifier::connect(&format!("@{name}"), None).expect("connect");
        assert_eq!(n.watchdog_interval(), None);
        n.send("WATCHDOG=1");
        assert_eq!(recv(&rx), "WATCHDOG=1");
    }

    #[test]
    fn refuses_what_is_no_socket_or_no_interval() {
        let e = Notifier::connect("relative/path", None).expect_err("relative");
        assert!(e.to_string().contains("relative/path"), "{e}");
        let e = Notifier::connect("/run/x", Some("soon")).expect_err("usec");
        assert!(e.to_string().contains("WATCHDOG_USEC=\"soon\""), "{e}");
    }
}
