//! The `fabric` binary: `fabric check`, `fabric report`, `fabric build` and `fabric explain`. Exit codes: 0 clean or warnings only, 1 errors in the spec, 2 usage or
//! I/O errors.

use clap::{Parser, Subcommand, ValueEnum};
use fabric_core::diagnostic::{Code, Severity, codes};
use miette::{IntoDiagnostic, miette};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fabric",
    version,
    about = "Check AI data-center specs written in Fabric and emit what builds and runs them",
    after_help = "Examples:\n  fabric check examples/campus.fabric\n  fabric report examples/campus.fabric\n  fabric check --format json specs/*.fabric\n  fabric explain E0302\n\nColours are off when output is not a terminal or NO_COLOR is set."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and check specs; each FILE is the entry file of one spec.
    #[command(
        after_help = "Examples:\n  fabric check examples/campus.fabric\n  fabric check --format sarif site.fabric > fabric.sarif\n  fabric check examples/campus.fabric --fail b1_b2 --fail 'campus.b1.h1.r[1]'\n\nExit status: 0 clean (or warnings only), 1 errors in a spec, 2 usage or I/O error."
    )]
    Check {
        /// Entry files of the specs to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format for diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Also check a failure scenario in which PATH fails (repeatable; the paths fail
        /// together): an instance, a campus link, or a generated rack or switch by its
        /// canonical name. Its diagnostics name scenario `--fail`.
        #[arg(long, value_name = "PATH")]
        fail: Vec<String>,
    },
    /// Check a spec and print its budgets: power per site, building, hall, row and limited
    /// rack; each fabric's switches, cables and optics (with the pluggable equivalent);
    /// latencies; services.
    #[command(
        after_help = "Examples:\n  fabric report examples/campus.fabric\n  fabric report --format json examples/campus.fabric > report.json\n\nExit status: 0 clean (or warnings only), 1 errors in the spec (the report is still printed), 2 usage or I/O error."
    )]
    Report {
        /// Entry file of the spec.
        file: PathBuf,
        /// `human` tables, `json` exactly as report.json, or `html` exactly as report.html.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// Check a spec and write its artifacts into OUT: report.json and report.html, the cabling
    /// plan (NetBox CSVs, bill of materials, plan.json), the Kubernetes manifests and the
    /// simulator inputs (scenario.json, ASTRA-sim networks and workloads, ns-3 topology).
    #[command(
        after_help = "Examples:\n  fabric build examples/campus.fabric -o out\n  fabric build site.fabric -o out --emit cabling,k8s\n\nNothing is written when the spec has errors. The tree is written beside OUT and\nswapped in only when complete, so a failed or interrupted build leaves OUT as it was.\nOUT may be missing, empty or an earlier build's output; other folders need --force.\n\nExit status: 0 built (warnings allowed), 1 errors in the spec, 2 usage or I/O error."
    )]
    Build {
        /// Entry file of the spec.
        file: PathBuf,
        /// Output folder.
        #[arg(short, long, value_name = "OUT")]
        out: PathBuf,
        /// Parts to emit, comma-separated (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        emit: Vec<EmitPart>,
        /// Replace OUT even if it is a folder no build wrote.
        #[arg(long)]
        force: bool,
        /// The most NPUs an ASTRA-sim workload simulates; a larger training job is
        /// simulated on fewer data-parallel ranks (W0805).
        #[arg(long, value_name = "N", default_value_t = fabric_core::sim_workloads::DEFAULT_MAX_NPUS, value_parser = clap::value_parser!(u32).range(1..))]
        astra_max_npus: u32,
    },
    /// Compare what two specs build: instances, racks, switches and cables added or removed,
    /// power at every level, each service's and training job's figures, Kubernetes objects.
    #[command(
        after_help = "Examples:\n  fabric diff main.fabric proposed.fabric\n  fabric diff --format json old/site.fabric new/site.fabric\n\nNothing is written to disk. A spec with errors is reported and not compared.\n\nExit status: 0 nothing differs, 1 something differs, 2 usage or I/O error or a spec with errors."
    )]
    Diff {
        /// Entry file of the old spec.
        old: PathBuf,
        /// Entry file of the new spec.
        new: PathBuf,
        /// `human` summary, or `json` (format fabric-diff/1).
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
    },
    /// Format specs in the one canonical layout, in place; with --check, only report the
    /// files that are not formatted, with a diff.
    #[command(
        after_help = "Examples:\n  fabric fmt site.fabric racks.fabric\n  fabric fmt --check examples/*.fabric\n  fabric fmt - < site.fabric\n\nOnly whitespace changes: comments stay, tokens never change. A file with syntax\nerrors is left as it is. `-` reads standard input and writes the result to standard output.\n\nExit status: 0 formatted (or already formatted), 1 a file needs formatting (--check)\nor has syntax errors, 2 usage or I/O error."
    )]
    Fmt {
        /// Files to format, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write nothing; print a diff for each file that is not formatted and exit 1.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output (for editors).
    #[command(
        after_help = "Editors start it themselves: see editors/ for VS Code, Neovim, Helix and Emacs.\nIt logs to the editor (window/logMessage), never to standard output."
    )]
    Lsp,
    /// Print the long explanation of a diagnostic code.
    #[command(after_help = "Examples:\n  fabric explain E0302\n  fabric explain --list")]
    Explain {
        /// The code, such as E0302.
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its title.
        #[arg(long)]
        list: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Source snippets with labels, for people.
    Human,
    /// One JSON object per diagnostic, in a JSON array, on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout, for code-scanning tools.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum EmitPart {
    /// cabling/: NetBox CSVs, bom.csv and plan.json.
    Cabling,
    /// k8s/: Node labels, Kueue queues, LeaderWorkerSets, a kustomization.
    K8s,
    /// sim/: scenario.json and its JSON Schema, ASTRA-sim and ns-3 inputs.
    Sim,
}

impl EmitPart {
    fn part(self) -> fabric_emit::Part {
        match self {
            EmitPart::Cabling => fabric_emit::Part::Cabling,
            EmitPart::K8s => fabric_emit::Part::K8s,
            EmitPart::Sim => fabric_emit::Part::Sim,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ReportFormat {
    /// Tables for people, diagnostics on stderr.
    Human,
    /// The report.json object on stdout.
    Json,
    /// report.html on stdout: the drawings and charts, self-contained.
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    /// A summary for people.
    Human,
    /// One fabric-diff/1 object.
    Json,
}

fn color_wanted(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    let color = color_wanted(&std::io::stderr());
    miette::set_hook(Box::new(move |_| {
        let theme = if color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
        Box::new(miette::GraphicalReportHandler::new_themed(theme))
    }))
    .ok();
    let cli = Cli::parse();
    match run(cli, color) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, color: bool) -> miette::Result<ExitCode> {
    match cli.command {
        Command::Check { files, format, fail } => check(&files, format, &fail, color),
        Command::Report { file, format } => report(&file, format, color),
        Command::Diff { old, new, format } => diff(&old, &new, format, color),
        Command::Build { file, out, emit, force, astra_max_npus } => {
            let mut parts: Vec<fabric_emit::Part> = emit.iter().map(|e| e.part()).collect();
            if parts.is_empty() {
                parts = fabric_emit::Part::ALL.to_vec();
            }
            parts.sort();
            parts.dedup();
            let emit = fabric_emit::Options { astra_max_npus };
            build(&file, fabric_cli::build::BuildOptions { out, parts, force, emit }, color)
        }
        Command::Fmt { files, check } => fmt(&files, check, color),
        Command::Lsp => {
            fabric_lsp::run().map_err(|e| miette!(code = "fabric::lsp", "the language server could not start: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { list: true, .. } => {
            let mut out = std::io::stdout().lock();
            for code in codes::ALL {
                writeln!(out, "{code}  {}", codes::title(*code)).into_diagnostic()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: Some(code), .. } => {
            let Some(found) = Code::lookup(&code) else {
                return Err(miette!(
                    code = "fabric::unknown_code",
                    help = "`fabric explain --list` lists every code",
                    "no diagnostic code `{code}`"
                ));
            };
            print!("{}", found.explanation());
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: None, .. } => Err(miette!("name a code, or pass --list")),
    }
}

fn check(files: &[PathBuf], format: Format, fail: &[String], color: bool) -> miette::Result<ExitCode> {
    let mut any_errors = false;
    let mut json = Vec::new();
    let mut sarif_logs = Vec::new();
    for path in files {
        if path.is_dir() {
            return Err(miette!(
                code = "fabric::is_directory",
                help = "name the spec's entry file, for example `fabric check site/main.fabric`",
                "`{}` is a directory",
                path.display()
            ));
        }
        let mut checked = fabric_cli::check_file(path).map_err(|e| {
            miette!(code = "fabric::read", help = "check the path and its permissions", "cannot read `{}`: {e}", path.display())
        })?;
        let mut scenario = None;
        if !fail.is_empty() {
            match checked.fail(fail, color) {
                Ok(outcome) => scenario = outcome,
                Err(fabric_cli::FailError::NotAPath(message)) => {
                    return Err(miette!(
                        code = "fabric::fail",
                        help = "write a path as in a spec: `campus.b1.h1.r[1]`, `b1_b2`, `campus.**.scaleout_leaf`",
                        "{message}"
                    ));
                }
                Err(fabric_cli::FailError::NoMatch(rendered)) => {
                    eprint!("{rendered}");
                    return Err(miette!(
                        code = "fabric::fail",
                        help = "name an instance, a campus link, or a generated switch or rack as the cabling plan prints it",
                        "a `--fail` path matches nothing in `{}`",
                        path.display()
                    ));
                }
            }
        }
        any_errors |= checked.has_errors();
        match format {
            Format::Human => {
                let mut err = std::io::stderr().lock();
                write!(err, "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, color)).into_diagnostic()?;
                let errors = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
                let warnings = checked.diagnostics.len() - errors;
                if errors > 0 {
                    writeln!(err, "error: `{}` has {} and {}", path.display(), plural(errors, "error"), plural(warnings, "warning"))
                        .into_diagnostic()?;
                } else {
                    let mut out = std::io::stdout().lock();
                    let extra = if warnings > 0 { format!(" ({})", plural(warnings, "warning")) } else { String::new() };
                    writeln!(out, "ok: {}: {}{extra}", path.display(), fabric_cli::summary(&checked)).into_diagnostic()?;
                }
                if !fail.is_empty() && scenario.is_none() {
                    writeln!(err, "note: the `--fail` scenario did not run: it re-runs the budget checks, which wait for the errors above")
                        .into_diagnostic()?;
                }
                if let Some(o) = &scenario {
                    let lost = fabric_core::units::group_thousands(u128::from(o.gpus_lost));
                    let verdict = if o.holds() { "the spec holds" } else { "the spec does not hold" };
                    writeln!(err, "scenario `--fail` ({}): {lost} GPUs out of service; {verdict}", o.failed.join(", "))
                        .into_diagnostic()?;
                }
            }
            Format::Json => json.extend(checked.diagnostics.iter().map(|d| fabric_cli::to_json(&checked.db, d))),
            Format::Sarif => sarif_logs.push(fabric_cli::to_sarif(&checked.db, &checked.diagnostics)),
        }
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&json).into_diagnostic()?),
        Format::Sarif => {
            // One log per spec would not be one SARIF document; merge the runs' results.
            let mut merged: Option<serde_json::Value> = None;
            for log in sarif_logs {
                let value: serde_json::Value = serde_json::from_str(&log).into_diagnostic()?;
                match &mut merged {
                    None => merged = Some(value),
                    Some(m) => {
                        if let (Some(runs), Some(more)) = (m["runs"].as_array_mut(), value["runs"].as_array()) {
                            runs.extend(more.iter().cloned());
                        }
                    }
                }
            }
            println!("{}", serde_json::to_string_pretty(&merged.unwrap_or_default()).into_diagnostic()?);
        }
        Format::Human => {}
    }
    Ok(if any_errors { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn report(path: &std::path::Path, format: ReportFormat, color: bool) -> miette::Result<ExitCode> {
    if path.is_dir() {
        return Err(miette!(code = "fabric::is_directory", help = "name the spec's entry file", "`{}` is a directory", path.display()));
    }
    let checked = fabric_cli::check_file(path).map_err(|e| {
        miette!(code = "fabric::read", help = "check the path and its permissions", "cannot read `{}`: {e}", path.display())
    })?;
    let report = fabric_emit::report::build(&checked.db, checked.project);
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).into_diagnostic()?),
        ReportFormat::Html => {
            write!(std::io::stderr().lock(), "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, color)).into_diagnostic()?;
            print!("{}", fabric_emit::html::build(&checked.db, checked.project));
        }
        ReportFormat::Human => {
            write!(std::io::stderr().lock(), "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, color)).into_diagnostic()?;
            print!("{}", fabric_cli::report_table(&report));
        }
    }
    Ok(if checked.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn diff(old: &std::path::Path, new: &std::path::Path, format: DiffFormat, color: bool) -> miette::Result<ExitCode> {
    let load = |path: &std::path::Path| -> miette::Result<fabric_cli::Checked> {
        if path.is_dir() {
            return Err(miette!(code = "fabric::is_directory", help = "name the spec's entry file", "`{}` is a directory", path.display()));
        }
        fabric_cli::check_file(path).map_err(|e| {
            miette!(code = "fabric::read", help = "check the path and its permissions", "cannot read `{}`: {e}", path.display())
        })
    };
    let (a, b) = (load(old)?, load(new)?);
    for (checked, path) in [(&a, old), (&b, new)] {
        if checked.has_errors() {
            write!(std::io::stderr().lock(), "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, color)).into_diagnostic()?;
            return Err(miette!(
                code = "fabric::diff_errors",
                help = "fix the spec's errors first: only specs that check can be compared",
                "`{}` has errors",
                path.display()
            ));
        }
    }
    let d = fabric_cli::diff::diff(&a, &b);
    match format {
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d).into_diagnostic()?),
        DiffFormat::Human => print!("{}", fabric_cli::diff::human(&d)),
    }
    Ok(if d.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn build(path: &std::path::Path, options: fabric_cli::build::BuildOptions, color: bool) -> miette::Result<ExitCode> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if path.is_dir() {
        return Err(miette!(code = "fabric::is_directory", help = "name the spec's entry file", "`{}` is a directory", path.display()));
    }
    // A progress bar on a terminal, shown only once the build has taken a second.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("checking");
    if std::io::stderr().is_terminal() {
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(std::time::Duration::from_millis(120));
            }
        });
    }
    let mut checked = fabric_cli::check_file(path).map_err(|e| {
        miette!(code = "fabric::read", help = "check the path and its permissions", "cannot read `{}`: {e}", path.display())
    })?;
    // A build that cannot fit the process's address space would be aborted by the
    // allocator halfway: refuse it before it starts.
    if !checked.has_errors()
        && let Some((needed, limit)) = fabric_cli::build::memory_problem(&checked)
    {
        bar.finish_and_clear();
        let gb = |b: u64| format!("{:.1} GB", b as f64 / 1e9);
        return Err(miette!(
            code = "fabric::memory",
            help = "raise the limit (`ulimit -v`), or build fewer parts with --emit",
            "building `{}` takes about {} of memory ({} of address space), and this process may use {}; nothing was written",
            path.display(),
            gb(needed),
            gb(needed * fabric_cli::build::ADDRESS_SPACE_FACTOR),
            gb(limit)
        ));
    }
    // What an export cannot hold (W0804) is said when that export is built.
    if options.parts.contains(&fabric_emit::Part::Sim) {
        let export = fabric_core::pipeline::sim_graph(&checked.db, checked.project).diagnostics.clone();
        checked.diagnostics.extend(export);
        if !checked.has_errors() {
            let workloads = fabric_emit::sim_workload_diagnostics(&checked.db, checked.project, &options.emit);
            checked.diagnostics.extend(workloads);
        }
    }
    let rendered = fabric_cli::render_human(&checked.db, &checked.diagnostics, color);
    if checked.has_errors() {
        bar.finish_and_clear();
        let mut err = std::io::stderr().lock();
        write!(err, "{rendered}").into_diagnostic()?;
        let errors = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        writeln!(err, "error: `{}` has {}; nothing was written", path.display(), plural(errors, "error")).into_diagnostic()?;
        return Ok(ExitCode::from(1));
    }
    bar.set_length(fabric_emit::artifacts_with(&checked.db, checked.project, &options.parts, &options.emit).len() as u64 + 1);
    let outcome = fabric_cli::build::build(&checked, path, &options, &|artifact| {
        bar.set_message(if artifact.is_empty() { "moving into place".to_string() } else { format!("writing {artifact}") });
        bar.inc(1);
        Ok(())
    });
    bar.finish_and_clear();
    write!(std::io::stderr().lock(), "{rendered}").into_diagnostic()?;
    let written = outcome.map_err(|e| match e {
        fabric_cli::build::BuildError::Refused { message, help } => miette!(code = "fabric::output", help = help, "{message}"),
        fabric_cli::build::BuildError::Io { context, error } => {
            miette!(code = "fabric::write", help = "the output folder was left as it was", "{context}: {error}")
        }
    })?;
    let bytes: u64 = written.iter().map(|w| w.bytes).sum();
    println!(
        "ok: {}: wrote {} files ({}) into {}: {}",
        path.display(),
        written.len(),
        human_bytes(bytes),
        options.out.display(),
        fabric_cli::summary(&checked)
    );
    Ok(ExitCode::SUCCESS)
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

fn fmt(files: &[PathBuf], check: bool, color: bool) -> miette::Result<ExitCode> {
    let mut failed = false;
    let mut unformatted = 0usize;
    for path in files {
        let stdin = path.as_os_str() == "-";
        let text = if stdin {
            fabric_core::load::read_limited(std::io::stdin()).into_diagnostic()?
        } else {
            fabric_core::load::read_file(path).map_err(|e| {
                miette!(code = "fabric::read", help = "check the path and its permissions", "cannot read `{}`: {e}", path.display())
            })?
        };
        let formatted = match fabric_core::fmt::format(&text) {
            Ok(f) => f,
            Err(_) => {
                failed = true;
                let (db, syntax) = fabric_cli::syntax_diagnostics(path, text);
                eprint!("{}", fabric_cli::render_human(&db, &syntax, color));
                eprintln!("error: `{}` has syntax errors; it was not formatted", path.display());
                continue;
            }
        };
        if stdin && !check {
            print!("{formatted}");
            continue;
        }
        if formatted == text {
            continue;
        }
        if check {
            unformatted += 1;
            let shown = path.display().to_string();
            // Myers' diff is quadratic where every line differs (100,000 reformatted
            // blocks): past a deadline it settles for a coarser but still exact diff.
            let diff = similar::TextDiff::configure().timeout(std::time::Duration::from_millis(500)).diff_lines(&text, &formatted);
            print!("{}", diff.unified_diff().context_radius(2).header(&shown, &format!("{shown} (formatted)")));
            continue;
        }
        write_in_place(path, &formatted).map_err(|e| {
            miette!(code = "fabric::write", help = "check the folder's permissions", "cannot write `{}`: {e}", path.display())
        })?;
        eprintln!("formatted {}", path.display());
    }
    if unformatted > 0 {
        eprintln!(
            "error: {} not formatted; run `fabric fmt` on {}",
            plural(unformatted, "file"),
            if unformatted == 1 { "it" } else { "them" }
        );
    }
    Ok(if failed || unformatted > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Replaces `path` with `text` atomically: a temporary file beside it, renamed over it.
fn write_in_place(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.fabric-fmt-{}", std::process::id()));
    let permissions = std::fs::metadata(path)?.permissions();
    let result =
        std::fs::write(&tmp, text).and_then(|()| std::fs::set_permissions(&tmp, permissions)).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
