//! Which peers may tell the server its public host and scheme.
//!
//! `X-Forwarded-Host` / `X-Forwarded-Proto` are honoured only when the connection comes from
//! an address in `server.trusted_proxies` (CIDR blocks or single addresses); by default the
//! list is empty and the headers are ignored, so no client can point TileJSON, style or OGC
//! links at another host. The peer address is the `ConnectInfo<SocketAddr>` the server loop
//! puts on every request; a request without one (in-process calls) is never trusted.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use ipnet::IpNet;

/// The proxies whose forwarded headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `["10.0.0.0/8", "127.0.0.1", "::1/128"]`; an entry without a prefix length is
    /// one address.
    pub fn parse(list: &[String]) -> Result<TrustedProxies, String> {
        crate::settings::server::parse_trusted_proxies(list).map(TrustedProxies)
    }

    /// Whether `addr` is one of the proxies (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// Whether the request with `extensions` came straight from a trusted proxy.
    pub fn trusts(&self, extensions: &Extensions) -> bool {
        !self.0.is_empty()
            && extensions
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(peer)| self.contains(peer.ip()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_addresses_and_mapped_ipv4() {
        let p = TrustedProxies::parse(&["10.1.0.0/16".into(), "127.0.0.1".into()]).unwrap();
        assert!(p.contains("10.1.200.3".parse().unwrap()));
        assert!(!p.contains("10.2.0.1".parse().unwrap()));
        assert!(p.contains("127.0.0.1".parse().unwrap()));
        assert!(!p.contains("127.0.0.2".parse().unwrap()));
        assert!(p.contains("::ffff:10.1.0.9".parse().unwrap()));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
        let mut ext = Extensions::new();
        assert!(!p.trusts(&ext), "no peer address: not trusted");
        ext.insert(ConnectInfo(SocketAddr::from(([10, 1, 0, 1], 9))));
        assert!(p.trusts(&ext));
        assert!(!TrustedProxies::default().trusts(&ext));
    }
}
