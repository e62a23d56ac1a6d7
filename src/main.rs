//! The `gridtiles` binary: parses the command line, builds the runtime and hands over to
//! [`gridtiles::app`].

use std::process::ExitCode;

use clap::Parser;
use gridtiles::cli::{Cli, LogFormat};

fn main() -> ExitCode {
    gridtiles::app::alloc::tune();
    let cli = Cli::parse();
    // Tile renders run on the blocking pool and are CPU-bound: more threads than a few per
    // core only add per-thread scratch memory and allocator arenas, not throughput.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads((4 * cores).max(8))
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gridtiles: error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(gridtiles::app::run(cli)) {
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
