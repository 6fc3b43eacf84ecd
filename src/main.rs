//! The `rollpin` binary: parse flags, call the library, map the result to an exit code.
//! On any error nothing reaches stdout (Argo CD would apply partial output).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use rollpin::cli::{Cli, Command};
use rollpin::kustomize::fs::DiskFs;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Render(args) => {
            let source_path = std::env::var("ARGOCD_APP_SOURCE_PATH").ok();
            let cfg = args.config(source_path.as_deref());
            let rendered = match rollpin::render::render(&DiskFs, &cfg.dir, &cfg.options) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            for w in &rendered.warnings {
                eprintln!("{w}");
            }
            let written = match &cfg.output {
                Some(path) => std::fs::write(path, rendered.yaml.as_bytes())
                    .map_err(|e| format!("writing {}: {e}", path.display())),
                None => {
                    let mut out = std::io::stdout().lock();
                    match out
                        .write_all(rendered.yaml.as_bytes())
                        .and_then(|_| out.flush())
                    {
                        Ok(()) => Ok(()),
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                        Err(e) => Err(format!("writing stdout: {e}")),
                    }
                }
            };
            // The process ends here: skip freeing the object trees (a measurable share of
            // a large render's time).
            std::mem::forget(rendered);
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
