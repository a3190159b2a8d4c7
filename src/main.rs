//! The `clinic-chat` binary: logging, the command line, then the chosen command.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};
use clinic_chat::answer::{Question, Severity};
use clinic_chat::config::{Cli, Command, Config, LogFormat};
use clinic_chat::http::{self, AppState};
use clinic_chat::index::{self, BuildReport};
use clinic_chat::record::ConversationId;

/// jemalloc rather than glibc's malloc: answers are built on blocking threads and freed on the
/// runtime's workers, and glibc locks the other thread's arena for each such free. Under
/// chat load it took about 6 µs less server CPU per request (51 -> 45 µs, from /proc);
/// mimalloc saved as much but held over 60 MB resident while idle.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    // The matches as well as the settings: `check` shows where each value came from.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).map_err(|err| err.exit())?;
    start_logging(cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        Command::Index => reindex(&cli.config),
        Command::Ask {
            question,
            json,
            explain,
            after,
        } => ask(&cli.config, &question, json, explain, &after),
        Command::Check => check(&matches, &cli.config),
        Command::Backup { to } => backup(&cli.config, &to),
        Command::Restore { from } => restore(&cli.config, &from),
    }
}

/// Prints the settings in effect and every finding; an error (non-zero exit) when `serve`
/// would refuse to start, or under `--strict` when anything is warned.
fn check(matches: &clap::ArgMatches, config: &Config) -> anyhow::Result<()> {
    let report = clinic_chat::check::Report::new(matches, config);
    // An error writing (a closed pipe) ends the command with the reason, not a panic.
    write!(std::io::stdout().lock(), "{report}")?;
    if report.passes(config.strict) {
        return Ok(());
    }
    match report.findings.iter().any(|f| f.refuses) {
        true => anyhow::bail!("serve would refuse to start with these settings"),
        false => anyhow::bail!(
            "{} warnings, and --strict (CLINIC_CHAT_STRICT) allows none",
            report.findings.len()
        ),
    }
}

/// Logs to stderr at `RUST_LOG`'s levels (info by default), as text or one JSON object a line.
fn start_logging(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only for a person at a terminal, not in a log file or journal.
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // The request's span (method, route, kind) on each line, not the spans above it.
        LogFormat::Json => logs.json().with_span_list(false).init(),
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    config.check_staff_access()?;
    // A webhook or SMTP setting that cannot be used stops the service now, not at the first
    // call-back request.
    config.callback_channels()?;
    clinic_chat::store::Store::refuse_newer(&config.data)?;
    raise_open_files_limit();
    let (answerer, report) = clinic_chat::load(&config)?;
    if let Some(report) = report {
        tracing::info!("{}", describe(&report));
    }
    // Over the contact details in effect, whatever filled them: these are what urgent replies
    // send a patient to.
    config.check_going_live(&answerer.settings().contact)?;
    // Answers are short CPU work: as many blocking threads as cores keep every core busy.
    // Under chat load on 2 cores, 2 of them served 8% more answers a second than 4 did, with
    // less CPU each (fewer threads to wake and switch between); tokio's default of hundreds
    // would only add memory. Two at least, so a reindex never holds up every answer.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        tracing::info!(
            ready_ms = started.elapsed().as_millis() as u64,
            "serving http://{}",
            listener.local_addr()?
        );
        let state = AppState::new(answerer, config);
        http::run(listener, state, http::shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Every connection is an open file, and the server keeps its connections a margin below the
/// soft limit: raise it to the hard limit, which needs no privilege (1,024 is a common soft
/// limit, far below the hard one).
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open files limit"),
        Err(err) => tracing::warn!("could not raise the open files limit: {err}"),
    }
}

fn reindex(config: &Config) -> anyhow::Result<()> {
    let (_, report) = index::build(&config.corpus, &config.index)?;
    println!("{}", describe(&report));
    Ok(())
}

fn ask(
    config: &Config,
    question: &str,
    json: bool,
    explain: bool,
    after: &[String],
) -> anyhow::Result<()> {
    let (answerer, _) = clinic_chat::load(config)?;
    let conversation = ConversationId::fresh();
    for earlier in after {
        answerer.answer(&Question::parse(earlier)?, Some(conversation.clone()));
    }
    if explain {
        eprintln!("{}", answerer.explain(question, Some(&conversation)));
    }
    let question = Question::parse(question)?;
    let reply = answerer.answer(&question, Some(conversation));
    if json {
        println!("{}", serde_json::to_string_pretty(&reply)?);
        return Ok(());
    }
    if let Some(severity) = reply.severity {
        // The action first, as the widget shows it: who to call, then the advice.
        let label = match severity {
            Severity::Emergency => "URGENT (emergency): call the emergency number now",
            _ => "URGENT (same day): call the clinic now",
        };
        println!("{label}\n");
    }
    println!("{}\n", reply.answer);
    if reply.severity.is_some() {
        let clinic = reply
            .contact
            .as_ref()
            .map(|c| (c.name.as_str(), c.phone.as_str()));
        if let Some(number) = &reply.emergency_phone {
            println!("Emergency: {number}");
        }
        if let Some((name, phone)) = clinic {
            println!("{name}: {phone}");
        }
        return Ok(());
    }
    for source in &reply.sources {
        println!(
            "Source: {}, {}\n  {}",
            source.title, source.section, source.url
        );
    }
    if !reply.suggestions.is_empty() {
        println!("\nYou could also ask:");
        for suggestion in &reply.suggestions {
            println!("  - {suggestion}");
        }
    }
    Ok(())
}

fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    let copied = clinic_chat::store::backup(&config.data, to)?;
    println!(
        "backed up {} (schema version {}, {} kB) to {}",
        copied.counts,
        copied.version,
        copied.bytes.div_ceil(1000),
        to.display()
    );
    Ok(())
}

fn restore(config: &Config, from: &std::path::Path) -> anyhow::Result<()> {
    let restored = clinic_chat::store::restore(from, &config.data)?;
    let migrated = match restored.version {
        v if v < clinic_chat::store::SCHEMA_VERSION => {
            format!(", brought up to {}", clinic_chat::store::SCHEMA_VERSION)
        }
        _ => String::new(),
    };
    println!(
        "restored {} from {} (schema version {}{migrated}) into {}",
        restored.counts,
        from.display(),
        restored.version,
        restored.path.display()
    );
    match restored.replaced {
        Some(before) => println!("it replaced a database of {before}"),
        None => println!("there was no readable database there before"),
    }
    Ok(())
}

fn describe(report: &BuildReport) -> String {
    format!(
        "indexed {} articles, {} sections, {} passages in {:.0?}{}",
        report.articles,
        report.sections,
        report.passages,
        report.elapsed,
        match report.skipped_files {
            0 => String::new(),
            n => format!(" ({n} files skipped)"),
        }
    )
}
