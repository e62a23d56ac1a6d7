//! `gridtiles healthcheck`: one HTTP/1.1 `GET` of `/api/health` over a plain TCP socket,
//! exit 0 on `200`. For container HEALTHCHECKs in an image without curl.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cli::HealthcheckArgs;
use crate::settings::Config;

/// Probes `args.url`, or `/api/health` on the port of `server.listen` (file from
/// `args.config`, environment from `vars`) on the loopback interface.
pub async fn healthcheck(
    args: &HealthcheckArgs,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<()> {
    let url = match &args.url {
        Some(url) => url.clone(),
        None => {
            let config = Config::load(args.config.as_deref(), vars)?.config;
            local_health_url(&config.server.listen)?
        }
    };
    let timeout = Duration::from_secs(args.timeout_s.max(1));
    let status = tokio::time::timeout(timeout, get_status(&url))
        .await
        .map_err(|_| anyhow!("{url}: no answer within {} s", timeout.as_secs()))??;
    if status != 200 {
        bail!("{url} answered {status}");
    }
    Ok(())
}

/// `http://HOST:PORT/api/health` for a listen address, with a wildcard host replaced by the
/// loopback address.
pub fn local_health_url(listen: &str) -> Result<String> {
    let (host, port) = listen
        .rsplit_once(':')
        .with_context(|| format!("server.listen {listen:?} is not host:port"))?;
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        h => h,
    };
    Ok(format!("http://{host}:{port}/api/health"))
}

/// The status code of `GET url` (`http://` only).
async fn get_status(url: &str) -> Result<u16> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("{url}: only http:// URLs can be checked"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let mut stream = TcpStream::connect(&addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: gridtiles-healthcheck\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 8192 {
            bail!("{url}: connection closed before a status line");
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("{url}: not an HTTP response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_url_from_listen() {
        assert_eq!(
            local_health_url("0.0.0.0:8080").unwrap(),
            "http://127.0.0.1:8080/api/health"
        );
        assert_eq!(
            local_health_url("[::]:9000").unwrap(),
            "http://[::1]:9000/api/health"
        );
        assert_eq!(
            local_health_url("10.1.2.3:80").unwrap(),
            "http://10.1.2.3:80/api/health"
        );
        assert!(local_health_url("nonsense").is_err());
    }
}
