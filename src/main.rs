//! The `rollpin` binary: parse flags, call the library, map the result to an exit code.
//! On any error nothing reaches stdout (Argo CD would apply partial output).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use rollpin::argocd::CmpEnv;
use rollpin::cli::{Cli, Command, SloCommand, VerifyOutput};
use rollpin::kustomize::fs::DiskFs;
use rollpin::release::command::ReportFormat;

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
        Command::Parameters(args) => {
            let dir = args.dir.unwrap_or_else(|| ".".into());
            let json = rollpin::argocd::parameters::announcement_json(&dir);
            println!("{json}");
            ExitCode::SUCCESS
        }
        Command::Render(args) => render(&args),
        Command::Verify(args) => verify(&args),
        Command::Crds => print_stdout(&rollpin::release::crds::crds_yaml(), ExitCode::SUCCESS),
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

/// `rollpin render`: build, apply the digest policy, append the release record, write.
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
        ))
    });
    let (reorder, record_param, digests_param) = match params {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let cfg = args.config(cmp.source_path.as_deref(), reorder);
    let rendered = match rollpin::render::render(&DiskFs, &cfg.dir, &cfg.options) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    for w in &rendered.warnings {
        eprintln!("{w}");
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
    if args.release.release_record || record_param {
        let input = args.release.record_input(&cmp, &cfg.options.reorder);
        let record = rollpin::release::record::record(&input, &objects, yaml)
            .and_then(|r| rollpin::release::record::write_record(&r));
        match record {
            Ok(doc) => {
                let mut s = String::with_capacity(yaml.len() + doc.len() + 4);
                s.push_str(yaml);
                if !s.is_empty() {
                    s.push_str("---\n");
                }
                s.push_str(&doc);
                with_record = s;
                yaml = &with_record;
            }
            Err(e) => return fail(e),
        }
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
    let dir = match (&args.dir, &args.live) {
        (Some(d), _) => Some(d.clone()),
        (None, None) => Some(".".into()),
        (None, Some(_)) => None,
    };
    let repo_root = args
        .root
        .clone()
        .or_else(|| rollpin::cli::enclosing_git_root(dir.as_deref()?));
    let cfg = rollpin::release::command::VerifyConfig {
        record: args.record.clone(),
        name: args.name.clone(),
        dir,
        live: args.live.clone(),
        allow_unpinned: args.allow_unpinned,
        revision: args.revision.clone(),
        format: match args.output {
            VerifyOutput::Text => ReportFormat::Text,
            VerifyOutput::Json => ReportFormat::Json,
            VerifyOutput::Status => ReportFormat::Status(now()),
        },
        repo_root,
        limits: args.limits.limits(),
    };
    match rollpin::release::command::run(&cfg, &DiskFs) {
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

/// An error and its causes, joined with ": ".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// The build allocates many small maps; mimalloc serves them faster than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
