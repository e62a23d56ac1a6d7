//! The `gridtiles` binary: parses the command line and hands over to [`gridtiles::app`].

use std::process::ExitCode;

use clap::Parser;
use gridtiles::cli::{Cli, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match gridtiles::app::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match gridtiles::app::log_format() {
                Some(LogFormat::Json) => tracing::error!("{err:#}"),
                _ => eprintln!("gridtiles: error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}
