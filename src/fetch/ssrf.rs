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
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn range(s: &str) -> Option<&'static str> {
        non_public_range(ip(s))
    }

    #[test]
    fn every_non_public_ipv4_range_is_refused() {
        let cases = [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("100.64.0.1", "CGNAT"),
            ("100.100.100.200", "CGNAT"),
            ("100.127.255.255", "CGNAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.0.1", "link-local"),
            ("169.254.169.254", "cloud metadata"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("192.168.0.1", "private"),
            ("192.168.255.255", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.254", "reserved"),
            ("255.255.255.255", "broadcast"),
        ];
        for (addr, want) in cases {
            assert_eq!(range(addr), Some(want), "{addr}");
        }
    }

    #[test]
    fn range_edges_and_public_ipv4_are_allowed() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "202.96.128.86",
            "61.135.169.121",
        ] {
            assert_eq!(range(addr), None, "{addr}");
        }
    }

    #[test]
    fn every_non_public_ipv6_range_is_refused() {
        let cases = [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "IPv4-mapped private address"),
            ("::ffff:a9fe:a9fe", "IPv4-mapped private address"),
            ("::ffff:10.1.2.3", "IPv4-mapped private address"),
            ("::ffff:0.0.0.0", "IPv4-mapped private address"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("64:ff9b::7f00:1", "NAT64 of a private address"),
            ("64:ff9b::a9fe:a9fe", "NAT64 of a private address"),
            ("64:ff9b::c0a8:101", "NAT64 of a private address"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("2001::1", "IETF protocol assignments"),
            ("2001:2::1", "IETF protocol assignments"),
            ("2001:1ff:ffff::1", "IETF protocol assignments"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2002:7f00:1::1", "6to4"),
            ("fc00::1", "unique local"),
            ("fd00:ec2::254", "unique local"),
            ("fdff:ffff::1", "unique local"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::1", "multicast"),
        ];
        for (addr, want) in cases {
            assert_eq!(range(addr), Some(want), "{addr}");
        }
    }

    #[test]
    fn public_ipv6_and_public_embedded_ipv4_are_allowed() {
        for addr in [
            "2001:4860::8888",
            "2001:4860:4860::8888",
            "2400:3200::1",
            "240e:1::1",
            "2001:200::1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "fbff:ffff::1",
            "fe7f::1",
        ] {
            assert_eq!(range(addr), None, "{addr}");
        }
    }

    #[test]
    fn the_std_predicates_agree_where_they_exist() {
        // Anything std calls loopback, private, link-local, multicast, unspecified,
        // broadcast or documentation is refused here too.
        let samples = [
            "127.0.0.1",
            "10.9.8.7",
            "172.20.1.1",
            "192.168.1.1",
            "169.254.1.1",
            "224.1.1.1",
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.3",
            "198.51.100.3",
            "203.0.113.3",
        ];
        for s in samples {
            let IpAddr::V4(v4) = ip(s) else {
                unreachable!("IPv4 samples")
            };
            assert!(
                v4.is_loopback()
                    || v4.is_private()
                    || v4.is_link_local()
                    || v4.is_multicast()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_documentation()
            );
            assert!(!is_public(IpAddr::V4(v4)), "{s}");
        }
        for s in ["::1", "::", "fe80::2", "fc00::2", "ff05::2"] {
            assert!(!is_public(ip(s)), "{s}");
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn literals_are_checked_and_names_left_to_the_resolver() {
        let guard = Guard::default();
        assert_eq!(
            guard.check_url(&url("http://127.0.0.1:8080/x")),
            Err(Refusal::Literal {
                ip: ip("127.0.0.1"),
                range: "loopback"
            })
        );
        assert!(guard.check_url(&url("http://[::1]/")).is_err());
        assert!(guard.check_url(&url("http://[::ffff:127.0.0.1]/")).is_err());
        assert!(guard.check_url(&url("http://[::ffff:a9fe:a9fe]/")).is_err());
        assert!(
            guard
                .check_url(&url("http://169.254.169.254/latest/meta-data/"))
                .is_err()
        );
        assert!(guard.check_url(&url("http://100.64.0.1/")).is_err());
        assert!(guard.check_url(&url("http://10.1.2.3/")).is_err());
        // The URL parser normalizes other spellings of 127.0.0.1 to the literal.
        assert!(guard.check_url(&url("http://2130706433/")).is_err());
        assert!(guard.check_url(&url("http://0x7f.1/")).is_err());
        assert!(guard.check_url(&url("http://8.8.8.8/")).is_ok());
        assert!(guard.check_url(&url("http://[2001:4860::8888]/")).is_ok());
        assert!(guard.check_url(&url("http://localhost/")).is_ok());
        assert!(guard.check_url(&url("https://www.gov.cn/")).is_ok());
        let message = guard
            .check_url(&url("http://127.0.0.1/"))
            .expect_err("refused")
            .to_string();
        assert_eq!(
            message,
            "private address 127.0.0.1 (loopback) refused (set allow_private = true for this column)"
        );
    }

    #[test]
    fn test_addresses_are_public_only_on_their_port() {
        let guard = Guard::new(Arc::from(vec![SocketAddr::from(([127, 0, 0, 1], 8080))]));
        assert!(guard.check_url(&url("http://127.0.0.1:8080/")).is_ok());
        assert!(guard.check_url(&url("http://127.0.0.1/")).is_err());
        assert!(guard.check_url(&url("http://127.0.0.1:8081/")).is_err());
    }

    #[test]
    fn redirect_hops_are_limited_schemed_and_guarded() {
        let guard = Guard::default();
        let public = url("http://www.gov.cn/next");
        assert_eq!(check_hop(&public, 1, 5, Some(&guard)), Ok(()));
        assert_eq!(check_hop(&public, 5, 5, Some(&guard)), Ok(()));
        assert_eq!(
            check_hop(&public, 6, 5, Some(&guard)),
            Err(HopError::TooMany)
        );
        let local = url("http://127.0.0.1/");
        let Err(HopError::Refused(r)) = check_hop(&local, 1, 5, Some(&guard)) else {
            panic!("a loopback hop is refused");
        };
        assert_eq!(r.hop, local);
        assert!(
            r.to_string()
                .starts_with("redirect to http://127.0.0.1/: private address")
        );
        let metadata = url("http://169.254.169.254/latest/meta-data/");
        let Err(HopError::Refused(r)) = check_hop(&metadata, 1, 5, Some(&guard)) else {
            panic!("the metadata hop is refused");
        };
        assert!(
            r.to_string().contains("169.254.169.254 (cloud metadata)"),
            "{r}"
        );
        // An allow-private client follows local hops, never a non-http one.
        assert_eq!(check_hop(&local, 1, 5, None), Ok(()));
        let Err(HopError::Refused(r)) = check_hop(&url("file:///etc/passwd"), 1, 5, None) else {
            panic!("a file: hop is refused");
        };
        assert!(matches!(r.refusal, Refusal::Scheme { .. }), "{r}");
        assert!(check_hop(&url("ftp://www.gov.cn/"), 1, 5, Some(&guard)).is_err());
    }

    fn sock(s: &str) -> SocketAddr {
        SocketAddr::new(ip(s), 0)
    }

    #[test]
    fn the_resolver_keeps_public_addresses_and_refuses_private_only_names() {
        let only_local = vec![sock("127.0.0.1"), sock("::1")];
        let Err(ResolveError::Refused(r)) = filter_resolved("localhost", only_local.clone(), true)
        else {
            panic!("a name resolving to loopback only is refused");
        };
        assert_eq!(
            r.to_string(),
            "localhost resolves to private address 127.0.0.1 (loopback): refused (set allow_private = true for this column)"
        );
        assert_eq!(
            filter_resolved("localhost", only_local.clone(), false).expect("allowed"),
            only_local
        );
        let mixed = vec![sock("10.0.0.5"), sock("8.8.8.8"), sock("fd00::1")];
        assert_eq!(
            filter_resolved("mixed.gov.cn", mixed, true).expect("public part"),
            vec![sock("8.8.8.8")]
        );
        assert!(matches!(
            filter_resolved("nothing.gov.cn", Vec::new(), true),
            Err(ResolveError::Dns(_))
        ));
    }
}
