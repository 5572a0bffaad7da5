//! Tests of `ssrf`.

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
