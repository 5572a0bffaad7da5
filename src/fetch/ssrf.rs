//! SSRF protection: a watched URL, or any redirect hop, must not lead the crawler to an address
//! that is not on the public internet (loopback, private networks, link-local and the cloud
//! metadata address, CGNAT, multicast, documentation ranges, …) unless the column says
//! `allow_private = true`.
//!
//! The check runs on what the crawler actually connects to:
//! - host names are checked on their *resolved* addresses, by `GuardedResolver`, which the
//!   guarded HTTP clients use for every connection — so a name that resolves to a public address
//!   for the check and to 127.0.0.1 for the connection (DNS rebinding) cannot slip through;
//! - IP literals never reach a resolver, so `Guard::check_url` checks them before the request
//!   is sent and on every redirect hop (see `redirect_policy`).
//!
//! Rules of [`non_public_range`] (an address is refused when it falls in any of these):
//!
//! | IPv4 | | IPv6 | |
//! |---|---|---|---|
//! | 0.0.0.0/8 | "this network", incl. unspecified | `::` | unspecified |
//! | 10/8, 172.16/12, 192.168/16 | private | `::1` | loopback |
//! | 100.64/10 | CGNAT (incl. Alibaba Cloud metadata 100.100.100.200) | `::ffff:0:0/96` | IPv4-mapped: judged by the embedded IPv4 |
//! | 127/8 | loopback | `::/96` | IPv4-compatible (deprecated): always refused |
//! | 169.254/16 | link-local (169.254.169.254: cloud metadata) | `64:ff9b::/96` | NAT64: judged by the embedded IPv4 |
//! | 192.0.0/24 | IETF protocol assignments | `64:ff9b:1::/48` | local-use NAT64 |
//! | 192.0.2/24, 198.51.100/24, 203.0.113/24 | documentation | `100::/64` | discard-only |
//! | 192.88.99/24 | 6to4 relay anycast (deprecated) | `2001::/23` | IETF protocol assignments (Teredo, benchmarking, ORCHID) |
//! | 198.18/15 | benchmarking | `2001:db8::/32`, `3fff::/20` | documentation |
//! | 224/4 | multicast | `2002::/16` | 6to4 (embeds an IPv4 that may be private) |
//! | 240/4 | reserved | `fc00::/7` | unique local (incl. AWS metadata fd00:ec2::254) |
//! | 255.255.255.255 | broadcast | `fe80::/10`, `fec0::/10` | link-local, site-local (deprecated) |
//! | | | `ff00::/8` | multicast |
//!
//! NAT64 (`64:ff9b::/96`): a host behind a NAT64 gateway reaches IPv4 sites through it, so a
//! public embedded address (`64:ff9b::808:808`) is allowed and a private one
//! (`64:ff9b::7f00:1`, `64:ff9b::a9fe:a9fe`) is refused — the gateway would carry the request
//! to that private IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// The hint every refusal ends with: where an operator lifts it.
const HINT: &str = "set allow_private = true for this column";

/// Why a request was refused before or while connecting. Carried through reqwest's error
/// chain (from the resolver and the redirect policy) and found again by `classify`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// An IP literal in the URL (or a redirect hop) that is not public.
    #[error("private address {ip} ({range}) refused ({HINT})")]
    Literal { ip: IpAddr, range: &'static str },
    /// A host name that resolves only to non-public addresses.
    #[error("{host} resolves to private address {ip} ({range}): refused ({HINT})")]
    Resolved {
        host: String,
        ip: IpAddr,
        range: &'static str,
    },
    /// A redirect to something other than http or https.
    #[error("redirect to a {scheme}: URL refused (only http and https are followed)")]
    Scheme { scheme: String },
}

impl Refusal {
    /// Marks the refusal as happening at a redirect hop, for the operator's message.
    pub(crate) fn at_hop(self, hop: &Url) -> RedirectRefusal {
        RedirectRefusal {
            hop: hop.clone(),
            refusal: self,
        }
    }
}

/// A refusal at a redirect hop: which hop, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("redirect to {hop}: {refusal}")]
pub struct RedirectRefusal {
    pub hop: Url,
    pub refusal: Refusal,
}

/// The name of the non-public range `ip` falls in, or `None` for a public address.
pub fn non_public_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => v6_range(v6),
    }
}

/// Whether `ip` is on the public internet (see the module's table for what is not).
pub fn is_public(ip: IpAddr) -> bool {
    non_public_range(ip).is_none()
}

/// `addr` lies in `net/len` (IPv4).
fn in_v4(addr: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(addr) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// `addr` lies in `net/len` (IPv6).
fn in_v6(addr: Ipv6Addr, net: [u16; 8], len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(addr) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

fn v4_range(ip: Ipv4Addr) -> Option<&'static str> {
    // Most specific first, so 169.254.169.254 is named for what it is.
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([169, 254, 169, 254], 32, "cloud metadata"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([0, 0, 0, 0], 32, "unspecified"),
        ([0, 0, 0, 0], 8, "this network"),
        ([10, 0, 0, 0], 8, "private"),
        ([100, 64, 0, 0], 10, "CGNAT"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([172, 16, 0, 0], 12, "private"),
        ([192, 0, 0, 0], 24, "IETF protocol assignments"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast"),
        ([192, 168, 0, 0], 16, "private"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    RANGES
        .iter()
        .find(|(net, len, _)| in_v4(ip, *net, *len))
        .map(|(_, _, name)| *name)
}

fn v6_range(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Forms that carry an IPv4 address: the connection goes to that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_range(v4).map(|_| "IPv4-mapped private address");
    }
    if in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        let [.., a, b, c, d] = ip.octets();
        return v4_range(Ipv4Addr::new(a, b, c, d)).map(|_| "NAT64 of a private address");
    }
    const RANGES: &[([u16; 8], u32, &str)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible"),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "local-use NAT64"),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            "IETF protocol assignments",
        ),
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4"),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local"),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local"),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
    ];
    RANGES
        .iter()
        .find(|(net, len, _)| in_v6(ip, *net, *len))
        .map(|(_, _, name)| *name)
}

/// Decides whether a URL's IP literal may be requested.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// Test-only: socket addresses treated as public (a loopback test server standing in for a
    /// public site). Matched on address and port, and only for IP literals: the resolver never
    /// sees the port, so it does not consult this list.
    public_test_addrs: Arc<[SocketAddr]>,
}

impl Guard {
    pub(crate) fn new(public_test_addrs: Arc<[SocketAddr]>) -> Guard {
        Guard { public_test_addrs }
    }

    /// Refuses `url` when its host is a non-public IP literal. Host names pass here: the
    /// resolver checks what they resolve to.
    pub(crate) fn check_url(&self, url: &Url) -> Result<(), Refusal> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(Host::Domain(_)) | None => return Ok(()),
        };
        let Some(range) = non_public_range(ip) else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(0);
        if self.public_test_addrs.contains(&SocketAddr::new(ip, port)) {
            return Ok(());
        }
        Err(Refusal::Literal { ip, range })
    }
}

/// The redirect policy of every client: at most `max` redirects, only to http(s), and — for
/// guarded clients — never to a non-public IP literal (host names are left to the resolver).
pub(crate) fn redirect_policy(max: usize, guard: Option<Guard>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        match check_hop(attempt.url(), attempt.previous().len(), max, guard.as_ref()) {
            Ok(()) => attempt.follow(),
            Err(HopError::TooMany) => attempt.error(TooManyRedirects),
            Err(HopError::Refused(r)) => attempt.error(*r),
        }
    })
}

/// Why a redirect hop is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HopError {
    TooMany,
    /// Boxed: a URL is large, and this travels in a `Result`.
    Refused(Box<RedirectRefusal>),
}

/// The redirect policy's decision for one hop, as a plain function (unit-tested).
/// `previous` counts the URLs already requested, the first one included (reqwest's
/// convention, which `Policy::limited` follows too).
pub(crate) fn check_hop(
    next: &Url,
    previous: usize,
    max: usize,
    guard: Option<&Guard>,
) -> Result<(), HopError> {
    if previous > max {
        return Err(HopError::TooMany);
    }
    if !matches!(next.scheme(), "http" | "https") {
        let refusal = Refusal::Scheme {
            scheme: next.scheme().to_string(),
        };
        return Err(HopError::Refused(Box::new(refusal.at_hop(next))));
    }
    if let Some(guard) = guard {
        guard
            .check_url(next)
            .map_err(|r| HopError::Refused(Box::new(r.at_hop(next))))?;
    }
    Ok(())
}

/// The redirect limit was reached (our own type: reqwest's is private).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too many redirects")]
pub(crate) struct TooManyRedirects;

/// A name that could not be resolved.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {message}")]
pub(crate) struct DnsError {
    pub(crate) host: String,
    pub(crate) message: String,
}

/// The resolver of every client: the system's (`getaddrinfo`, as reqwest's default), with
/// typed errors so a DNS failure is told apart from a refused connection, and — when
/// `guarded` — only public addresses handed to the connector.
///
/// A name with both public and non-public addresses connects to the public ones only; a
/// name with only non-public ones is refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub(crate) guarded: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guarded = self.guarded;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| {
                    Box::new(DnsError {
                        host: host.clone(),
                        message: e.to_string(),
                    }) as Box<dyn std::error::Error + Send + Sync>
                })?;
            let all: Vec<SocketAddr> = found.collect();
            filter_resolved(&host, all, guarded)
                .map(|addrs| Box::new(addrs.into_iter()) as Addrs)
                .map_err(ResolveError::boxed)
        })
    }
}

/// What the resolver hands on: every address, or (guarded) only the public ones.
fn filter_resolved(
    host: &str,
    all: Vec<SocketAddr>,
    guarded: bool,
) -> Result<Vec<SocketAddr>, ResolveError> {
    if all.is_empty() {
        return Err(ResolveError::Dns(DnsError {
            host: host.to_string(),
            message: "no address".into(),
        }));
    }
    if !guarded {
        return Ok(all);
    }
    let first_private = all
        .iter()
        .find_map(|a| non_public_range(a.ip()).map(|range| (a.ip(), range)));
    let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
    match (public.is_empty(), first_private) {
        (true, Some((ip, range))) => Err(ResolveError::Refused(Refusal::Resolved {
            host: host.to_string(),
            ip,
            range,
        })),
        _ => {
            if let Some((ip, range)) = first_private {
                tracing::debug!(host, %ip, range, "skipping a non-public address of a public host");
            }
            Ok(public)
        }
    }
}

/// A resolver failure: the name does not resolve, or only to refused addresses.
#[derive(Debug, thiserror::Error)]
enum ResolveError {
    #[error(transparent)]
    Dns(DnsError),
    #[error(transparent)]
    Refused(Refusal),
}

impl ResolveError {
    /// Boxes the inner error itself, so `classify` can downcast to [`DnsError`] or
    /// [`Refusal`] without knowing this wrapper.
    fn boxed(self) -> Box<dyn std::error::Error + Send + Sync> {
        match self {
            ResolveError::Dns(d) => Box::new(d),
            ResolveError::Refused(r) => Box::new(r),
        }
    }
}

#[cfg(test)]
mod tests;
