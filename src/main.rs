//! The `rollpin` binary: parse flags, call the library, map the result to an exit code.
//! On any error nothing reaches stdout (Argo CD would apply partial output).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use rollpin::argocd::CmpEnv;
use rollpin::cli::{Cli, Command, SloCommand};
use rollpin::kustomize::fs::{DiskFs, FileSystem, OverlayFs};
use rollpin::slo::provider::error_chain;

/// Prints an error the way every command does and returns the failure code.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Health(args) => health(&args),
        Command::ArgocdCm(args) => match rollpin::argocd::cm::run(&args.config()) {
            Ok(yaml) => {
                let mut out = std::io::stdout().lock();
                match out.write_all(yaml.as_bytes()).and_then(|_| out.flush()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        fail(format!("writing stdout: {e}"))
                    }
                    _ => ExitCode::SUCCESS,
                }
            }
            Err(e) => fail(error_chain(&e)),
        },
        Command::Render(args) => render(&args),
        Command::Verify(args) => verify(&args),
        Command::Crds => print_stdout(&rollpin::release::crds::crds_yaml(), ExitCode::SUCCESS),
        Command::Version(args) => print_stdout(&args.text(), ExitCode::SUCCESS),
        Command::Completion(args) => print_stdout(&args.script(), ExitCode::SUCCESS),
        #[cfg(feature = "controller")]
        Command::Controller(args) => controller(&args),
        #[cfg(feature = "controller")]
        Command::Rollback(args) => cluster::rollback(&args),
        #[cfg(feature = "controller")]
        Command::History(args) => cluster::history(&args),
        #[cfg(feature = "controller")]
        Command::Resume(args) => cluster::resume(&args),
        Command::Slo(args) => match args.command {
            SloCommand::Check(check) => match rollpin::slo::check::run(&check.config(now())) {
                Ok(o) => print_stdout(&o.stdout, ExitCode::from(o.exit_code)),
                Err(e) => fail(error_chain(&e)),
            },
        },
    }
}

/// Writes `text` to stdout (a closed pipe is not an error) and returns `code`.
fn print_stdout(text: &str, code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            fail(format!("writing stdout: {e}"))
        }
        _ => code,
    }
}

/// `rollpin render`: build, check the expected render digest, apply the image pins and the
/// digest policy, append the release record, write.
fn render(args: &rollpin::cli::RenderArgs) -> ExitCode {
    let cmp = match CmpEnv::from_os_vars(std::env::vars_os()) {
        Ok(env) => env,
        Err(e) => return fail(e),
    };
    let params = cmp.check_known_parameters().and_then(|()| {
        Ok((
            cmp.reorder()?,
            cmp.release_record()?,
            cmp.require_digests()?,
            cmp.expect_render_digest()?,
            cmp.pin_images()?,
            cmp.expect_objects()?,
            cmp.kustomize_options()?,
        ))
    });
    let (reorder, record_param, digests_param, expect_param, pins_param, objects_param, kopts) =
        match params {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
    let guard = args
        .release
        .expect_render_digest(expect_param)
        .and_then(|expect| Ok((expect, args.release.pin_images(pins_param)?)));
    let (expect, pins) = match guard {
        Ok(g) => g,
        Err(e) => return fail(e),
    };
    let cfg = match args.config(cmp.source_path.as_deref(), reorder) {
        Ok(cfg) => cfg,
        Err(e) => return fail(e),
    };
    for w in &cfg.warnings {
        eprintln!("Warning: {w}");
    }
    // Argo CD's kustomize options edit the app's kustomization, in memory only.
    let edited = rollpin::argocd::kustomize_options::edited_kustomization(
        &kopts,
        &DiskFs,
        &cfg.dir,
        &cfg.options,
    );
    let overlay = match edited {
        Ok(Some((path, text))) => Some(OverlayFs::new(&DiskFs, path, text)),
        Ok(None) => None,
        Err(e) => return fail(e),
    };
    let fs: &dyn FileSystem = match &overlay {
        Some(o) => o,
        None => &DiskFs,
    };
    let mut rendered = match rollpin::render::render(fs, &cfg.dir, &cfg.options) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // The guard's line is the only thing on stderr: Argo CD shows it in ComparisonError.
    if let Some(expect) = &expect
        && let Err(mismatch) = {
            let objects: Vec<&serde_json::Value> =
                rendered.resources.iter().map(|r| &r.obj).collect();
            let expected_objects = args
                .release
                .expect_objects
                .as_ref()
                .or(objects_param.as_ref());
            expect.check(&rendered.yaml, &objects, expected_objects)
        }
    {
        eprintln!("rollpin: {mismatch}");
        return ExitCode::FAILURE;
    }
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    let wants_record = args.release.release_record || record_param;
    let mut pinned = None;
    if !pins.is_empty() {
        let (unpinned_yaml, applied) = pins.pin_render(&mut rendered);
        if let Err(e) = applied {
            return fail(e);
        }
        // The record keeps the pins and the digest the guard compares (before them); the
        // guard, when there is one, has just taken that digest.
        if wants_record {
            let unpinned = expect.as_ref().map_or_else(
                || rollpin::release::record::render_digest(&unpinned_yaml),
                |e| e.as_str().to_string(),
            );
            pinned = Some((unpinned, pins.to_map()));
        }
    }
    let objects: Vec<&serde_json::Value> = rendered.resources.iter().map(|r| &r.obj).collect();
    if args.release.require_digests || digests_param {
        let policy = rollpin::release::policy::require_digests(objects.iter().copied());
        if let Err(e) = policy {
            return fail(e);
        }
    }
    let mut yaml = rendered.yaml.as_str();
    let with_record;
    let mut record_object = None;
    if wants_record {
        let mut input = args.release.record_input(&cmp, &cfg.options.reorder);
        input.pinned = pinned;
        let record = rollpin::release::record::record(&input, &objects, yaml).and_then(|r| {
            let doc = rollpin::release::record::write_record(&r)?;
            Ok((r, doc))
        });
        match record {
            Ok((object, doc)) => {
                let mut s = String::with_capacity(yaml.len() + doc.len() + 4);
                s.push_str(yaml);
                if !s.is_empty() {
                    s.push_str("---\n");
                }
                s.push_str(&doc);
                with_record = s;
                yaml = &with_record;
                record_object = Some(object);
            }
            Err(e) => return fail(e),
        }
    }
    let as_json;
    if cfg.format == rollpin::cli::RenderOutput::Json {
        as_json = rollpin::render::json_list(&objects, record_object.as_ref());
        yaml = &as_json;
    }
    let written = match &cfg.output {
        Some(path) => std::fs::write(path, yaml.as_bytes())
            .map_err(|e| format!("writing {}: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(yaml.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("writing stdout: {e}")),
            }
        }
    };
    // The process ends here: skip freeing the object trees (a measurable share of a large
    // render's time).
    std::mem::forget(objects);
    std::mem::forget(rendered);
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `rollpin verify`: compare a record with a re-render and/or live objects.
fn verify(args: &rollpin::cli::VerifyArgs) -> ExitCode {
    let cfg = args.config(now());
    match rollpin::release::command::run(&cfg, &DiskFs, &mut std::io::stdin()) {
        Ok(o) => print_stdout(&o.stdout, ExitCode::from(o.exit_code)),
        Err(e) => fail(e),
    }
}

/// The clock, read only here (for `rollpin health`, `rollpin verify -o status` and
/// `rollpin slo check`; never by a render), to whole seconds.
fn now() -> rollpin::health::Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rollpin::health::Timestamp::new(since_epoch.as_secs() as i64, 0)
        .unwrap_or(rollpin::health::Timestamp::UNIX_EPOCH)
}

/// `rollpin health`: assess, then print the whole report at once (nothing on error).
fn health(args: &rollpin::cli::HealthArgs) -> ExitCode {
    let outcome = match rollpin::health::command::run(&args.config(), now(), &mut std::io::stdin())
    {
        Ok(o) => o,
        Err(e) => return fail(error_chain(&e)),
    };
    let mut out = std::io::stdout().lock();
    match out
        .write_all(outcome.stdout.as_bytes())
        .and_then(|_| out.flush())
    {
        Ok(()) => ExitCode::from(outcome.exit_code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(outcome.exit_code),
        Err(e) => fail(format!("writing stdout: {e}")),
    }
}

/// The build allocates many small maps; mimalloc serves them faster than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A tokio runtime for a command that talks to the cluster.
#[cfg(feature = "controller")]
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

/// `rollpin controller`.
#[cfg(feature = "controller")]
fn controller(args: &rollpin::cli::ControllerArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runtime.block_on(rollpin::controller::shell::run::run(args.config())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `rollpin rollback`, `history` and `resume`: connect as kubectl does, run, map the
/// result to the exit code (0 ok, 1 error, 2 usage, 3 the rollback failed).
#[cfg(feature = "controller")]
mod cluster {
    use std::future::Future;
    use std::io::IsTerminal;
    use std::process::ExitCode;

    use rollpin::controller::cli::{CliError, Format, Session, Streams, rollback};

    use super::runtime;

    fn finish(result: Result<u8, CliError>) -> ExitCode {
        match result {
            Ok(code) => ExitCode::from(code),
            Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(e.exit_code())
            }
        }
    }

    fn run<F, Fut>(cluster: &rollpin::cli::ClusterArgs, command: F) -> ExitCode
    where
        F: FnOnce(Session) -> Fut,
        Fut: Future<Output = Result<u8, CliError>>,
    {
        let runtime = match runtime() {
            Ok(r) => r,
            Err(code) => return code,
        };
        finish(runtime.block_on(async {
            let session = Session::connect(&cluster.target()).await?;
            command(session).await
        }))
    }

    pub fn rollback(args: &rollpin::cli::RollbackArgs) -> ExitCode {
        let opts = args.options(std::io::stdout().is_terminal());
        run(&args.cluster, |session| async move {
            let mut out = std::io::stdout();
            let (mut progress, terminal): (Box<dyn std::io::Write>, bool) = match opts.format {
                Format::Json => (Box::new(std::io::stderr()), std::io::stderr().is_terminal()),
                _ => (Box::new(std::io::stdout()), std::io::stdout().is_terminal()),
            };
            let mut streams = Streams {
                out: &mut out,
                progress: &mut progress,
                terminal,
            };
            rollback::run(&session, &opts, &mut streams).await
        })
    }

    pub fn history(args: &rollpin::cli::HistoryArgs) -> ExitCode {
        let format = args.format();
        run(&args.cluster, |session| async move {
            rollpin::controller::cli::history::run(
                &session,
                &args.app,
                format,
                &mut std::io::stdout(),
            )
            .await
        })
    }

    pub fn resume(args: &rollpin::cli::ResumeArgs) -> ExitCode {
        run(&args.cluster, |session| async move {
            rollpin::controller::cli::resume::run(
                &session,
                &args.app,
                args.timeout,
                &mut std::io::stdout(),
            )
            .await
        })
    }
}
