//! The `LISTEN` connection and the notifications the gridtiles triggers send.
//!
//! Payload (JSON, always under PostgreSQL's 8000-byte limit: keys go in chunks of at most
//! 200, and a statement touching more than 5000 rows sends one "everything" notice):
//! `{"s": schema, "t": table, "c": key column, "k": ["key", …]}` or
//! `{"s": schema, "t": table, "c": key column, "all": true}`.

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::source::postgres::{describe, quote_ident, PgError};

/// What the listener connection reports.
#[derive(Debug)]
pub enum ListenEvent {
    /// A notification on the channel (raw payload).
    Notice(String),
    /// The connection is gone (why).
    Closed(String),
}

/// A parsed notification.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Notice {
    #[serde(rename = "s")]
    pub schema: String,
    #[serde(rename = "t")]
    pub table: String,
    /// The key column the trigger sends.
    #[serde(rename = "c", default)]
    pub column: String,
    /// Keys of the changed rows (as text).
    #[serde(rename = "k", default)]
    pub keys: Vec<String>,
    /// Too many rows changed to list: everything in the table may have changed.
    #[serde(default)]
    pub all: bool,
}

impl Notice {
    /// Parses a payload; `None` if it is not a gridtiles notice.
    pub fn parse(payload: &str) -> Option<Notice> {
        serde_json::from_str(payload).ok()
    }
}

/// A live `LISTEN` connection: keep the client alive, read events from `events`.
pub struct Listener {
    /// Dropping it closes the connection.
    pub client: tokio_postgres::Client,
    pub events: mpsc::UnboundedReceiver<ListenEvent>,
}

/// Opens a dedicated connection and listens on `channel`. Its application name is the
/// configured one with `-listener` appended (so operators can tell it apart).
pub async fn listen(
    pg: &tokio_postgres::Config,
    channel: &str,
    target: &str,
) -> Result<Listener, PgError> {
    let mut pg = pg.clone();
    let name = format!(
        "{}-listener",
        pg.get_application_name().unwrap_or("gridtiles")
    );
    pg.application_name(&name);
    let (client, mut conn) = pg.connect(NoTls).await.map_err(|e| PgError::Connect {
        target: target.to_owned(),
        reason: describe(&e),
    })?;
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(msg) = messages.next().await {
            match msg {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx
                        .send(ListenEvent::Notice(n.payload().to_owned()))
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(ListenEvent::Closed(describe(&e)));
                    return;
                }
            }
        }
        let _ = tx.send(ListenEvent::Closed("connection closed".to_owned()));
    });
    client
        .batch_execute(&format!("LISTEN {}", quote_ident(channel)))
        .await
        .map_err(|e| PgError::db("LISTEN", &e))?;
    Ok(Listener { client, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_payloads() {
        let n = Notice::parse(r#"{"s":"grid","t":"poles","c":"id","k":["1","22"]}"#).unwrap();
        assert_eq!(n.column, "id");
        assert_eq!(
            (n.schema.as_str(), n.table.as_str(), n.all),
            ("grid", "poles", false)
        );
        assert_eq!(n.keys, ["1", "22"]);
        let n = Notice::parse(r#"{"s":"grid","t":"poles","all":true}"#).unwrap();
        assert!(n.all && n.keys.is_empty());
        assert!(Notice::parse("hello").is_none());
    }
}
