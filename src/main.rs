//! The `gridtiles` binary: parses the command line and hands over to [`gridtiles::app`].

use std::process::ExitCode;

use clap::Parser;
use gridtiles::cli::{Cli, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.log_format;
    gridtiles::app::init_logging(format);
    match gridtiles::app::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match format {
                LogFormat::Json => tracing::error!("{err:#}"),
                LogFormat::Human => eprintln!("gridtiles: error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}
