//! Command-line arguments (clap types only; validated values, no logic).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lint FluxCD hub-and-spoke GitOps repositories: Kyverno-equivalent tenancy
/// and security rules in Rego, with exact file:line:col findings.
#[derive(Debug, Parser)]
#[command(
    name = "hubspoke-lint",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A subcommand; without one, lint.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Lint options (when no subcommand is given).
    #[command(flatten)]
    pub lint: LintArgs,
}

/// Subcommands.
// Parsed once per process: the size of the `baseline` variant (it holds every lint flag) is harmless.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule with its id, severity, scope and title.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Print the repository model: objects, Flux graph, clusters.
    Graph(GraphArgs),
    /// Print what each cluster receives, rendered as Flux would (kustomize and post-build, offline).
    Render(RenderArgs),
    /// Record current findings (`write`) or report only findings not recorded (`check`).
    Baseline(BaselineArgs),
    /// Run a policy directory's Rego unit tests and fixture expectations, and its Kyverno
    /// CLI tests (kyverno-test.yaml).
    Test(TestArgs),
    /// Write a commented starter .hubspoke-lint.yaml.
    Init(InitArgs),
    /// Serve the Language Server Protocol over stdin and stdout (for editors).
    Lsp,
    /// Print a shell completion script to standard output.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output.
    Man,
}

/// `hubspoke-lint completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `hubspoke-lint [PATH ...]`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint (default: the current directory). `-` alone reads one
    /// file from standard input (a file named `-` is `./-`): document rules and schema
    /// validation run on it; repository rules need a directory and do not.
    pub paths: Vec<PathBuf>,
    /// The path findings on standard input (`-`) carry (default `<stdin>`): per-path
    /// settings apply as if the file were there, and the configuration is looked for
    /// from its directory when it exists, else from the working directory.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Human output: only the summary, and nothing at all when there is no finding.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Output format, optionally to a file: human, json, sarif, github, junit, markdown, or FORMAT=PATH.
    /// Repeatable; formats without a path go to standard output.
    #[arg(long = "format", short = 'f', value_name = "FORMAT[=PATH]")]
    pub formats: Vec<String>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Configuration file (default: .hubspoke-lint.yaml in the first path, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A directory of extra Rego policies (repeatable; extends the config's list).
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// A Kyverno policy file or directory to run besides the repository's own policies
    /// (repeatable; extends the config's kyverno.policies); its policies apply to every object.
    #[arg(long = "kyverno-policy", value_name = "PATH")]
    pub kyverno_policies: Vec<PathBuf>,
    /// Do not read or run the repository's Kyverno policies (ClusterPolicy, Policy).
    #[arg(long)]
    pub no_kyverno: bool,
    /// Run only this rule (repeatable); input problems such as parse errors are always reported.
    #[arg(long = "rule", value_name = "ID")]
    pub only_rules: Vec<String>,
    /// Lint only files matching this glob (repeatable; replaces the default **/*.yaml, **/*.yml).
    #[arg(long = "include", value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and directories matching this glob (repeatable; extends the config's list).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this many bytes, with a diagnostic (default 10 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Stop reading a file after this many YAML documents, with a diagnostic (default 10000).
    #[arg(long, value_name = "N")]
    pub max_documents: Option<usize>,
    /// Stop reading a file nested deeper than this, with a diagnostic (default 128).
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// Stop reading a file whose aliases expand to more nodes than this (YAML bombs; default 100000).
    #[arg(long, value_name = "N")]
    pub max_alias_nodes: Option<usize>,
    /// Stop a rule that runs longer than this on one document, with a policy-error (default 5000).
    #[arg(long, value_name = "MS")]
    pub rule_timeout_ms: Option<u64>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Evaluate the whole repository but report only findings in files changed since
    /// this git revision (committed, uncommitted or untracked).
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Ignore every suppression (comments, annotations, config) and show everything.
    #[arg(long)]
    pub no_suppress: bool,
    /// SARIF automationDetails.id (the code-scanning category).
    #[arg(long, value_name = "ID")]
    pub sarif_category: Option<String>,
    /// Schema validation: report fields the schema does not define (schema/unknown-field).
    #[arg(long)]
    pub strict: bool,
    /// Schema validation: the Kubernetes version whose embedded schemas to use (default: the newest shipped).
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
    /// Schema validation: how to report objects with no known schema.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub unknown_schema: Option<UnknownSchemaLevel>,
    /// Turn schema validation off.
    #[arg(long)]
    pub no_schema: bool,
    /// Judge every file as written: do not render what each cluster receives (kustomize and Flux).
    #[arg(long)]
    pub no_render: bool,
    /// Print counts, the time of each stage and peak memory to standard error.
    #[arg(long)]
    pub stats: bool,
    /// Print the slowest rules (cumulative time over all documents) to standard error.
    #[arg(long)]
    pub timings: bool,
    /// Only discover and parse (the timing floor): report input problems such as parse errors, run no rule.
    #[arg(long)]
    pub parse_only: bool,
}

/// How objects with no known schema are reported (schema/unknown-kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownSchemaLevel {
    /// Not reported.
    Off,
    /// A note.
    Note,
    /// A warning.
    Warning,
}

/// `hubspoke-lint rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// text (a table), json (full metadata) or markdown (docs/rules.md).
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Extra policy directories whose rules to list too.
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

/// `hubspoke-lint explain ID`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id (e.g. PSS001) or title (e.g. privileged-container).
    pub rule: String,
    /// Extra policy directories to look in.
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

/// `hubspoke-lint baseline write|check [PATH ...]`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// write: record every current finding in .hubspoke-lint-baseline.json at the root;
    /// check: report findings not in it (exit 1 when there are any).
    #[arg(value_enum)]
    pub action: BaselineAction,
    /// Lint options, as for a normal run.
    #[command(flatten)]
    pub lint: LintArgs,
}

/// A baseline action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineAction {
    /// Record current findings.
    Write,
    /// Report findings not in the baseline.
    Check,
}

/// `hubspoke-lint init [DIR]`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write .hubspoke-lint.yaml into (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Print the starter config instead of writing it.
    #[arg(long)]
    pub stdout: bool,
}

/// `hubspoke-lint test [DIR]`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy directory: Rego rules and tests, Kyverno policies with kyverno-test.yaml, or
    /// both (default: policies).
    pub dir: Option<PathBuf>,
    /// List every test and fixture that passed too (default: failures and the counts).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// `hubspoke-lint graph [PATH]`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The repository root (default: the current directory).
    pub path: Option<PathBuf>,
    /// json (the model repository rules see) or dot (Graphviz: clusters, Kustomizations,
    /// HelmReleases and the sources, dependencies and values they reference).
    #[arg(long, short = 'f', value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
}

/// `hubspoke-lint render [PATH]`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The repository root (default: the current directory).
    pub path: Option<PathBuf>,
    /// Only this cluster (default: every cluster, by name).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Only the objects this Flux Kustomization applies (NAMESPACE/NAME), and the problems
    /// of rendering it.
    #[arg(long, value_name = "NS/NAME")]
    pub kustomization: Option<String>,
    /// yaml (a stream of documents) or json (an array of {cluster, kustomization, object}).
    #[arg(long, short = 'f', value_enum, default_value_t = RenderFormat::Yaml)]
    pub format: RenderFormat,
    /// Add where each object starts (`# file:line:col`, or `origin` in JSON).
    #[arg(long)]
    pub origins: bool,
    /// Exit 1 when a render problem (printed on standard error) is at or above this
    /// severity (default: `fail-on` of the configuration, else error).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Colours for the problems on standard error.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// A render format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// A YAML stream, one document per object.
    Yaml,
    /// A JSON array.
    Json,
}

/// A graph format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// The model as JSON.
    Json,
    /// Graphviz DOT.
    Dot,
}

/// Failing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
    /// Never fail because of findings.
    Never,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// A listing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// JSON for tools.
    Json,
    /// Markdown documentation of every rule (docs/rules.md).
    Markdown,
}
