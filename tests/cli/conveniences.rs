//! What users expect of a command-line tool: standard input, completions and a man
//! page, "did you mean", `--quiet`, no green run that linted nothing, per-rule counts,
//! one rule count everywhere, outputs that do not overwrite each other, hidden
//! findings that are counted, and a baseline that does not call unparsed files fixed.

use std::path::Path;
use std::process::Output;

use crate::support::{code, f, findings, hubspoke, json, run, stdout};

/// A Pod sharing the host's PID namespace (PSS003 on line 6), nothing else wrong for
/// the rules these tests run.
const HOST_PID_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostPID: true\n  containers:\n    - name: app\n      image: nginx:1.27\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Run in `dir` with `input` on standard input.
fn run_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    hubspoke(Some(dir))
        .args(args)
        .write_stdin(input)
        .output()
        .expect("binary runs")
}

/// The number before `label` in `text` (`"118 rules enabled"`).
fn number_before(text: &str, label: &str) -> usize {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {text}"));
    let digits: String = text[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number before `{label}` in {text}"))
}

#[test]
fn dash_lints_standard_input_under_its_stdin_filename() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["-", "--format", "json", "--rule", "PSS003"];
    let output = run_stdin(dir.path(), &args, HOST_PID_POD);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(findings(&report), vec![f("PSS003", "<stdin>", 6)]);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["findings"][0]["column"], 12);

    let named = [
        "-",
        "--stdin-filename",
        "./apps/web.yaml",
        "--format",
        "json",
    ];
    let output = run_stdin(
        dir.path(),
        &[&named[..], &["--rule", "PSS003"]].concat(),
        HOST_PID_POD,
    );
    assert_eq!(
        findings(&json(&output)),
        vec![f("PSS003", "apps/web.yaml", 6)]
    );
}

#[test]
fn standard_input_runs_document_rules_and_says_repository_rules_did_not_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run_stdin(
        dir.path(),
        &[
            "-", "--color", "never", "--rule", "PSS003", "--rule", "HUB001",
        ],
        HOST_PID_POD,
    );
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("stdin_human", stdout(&output));
    let report = json(&run_stdin(
        dir.path(),
        &[
            "-", "--format", "json", "--rule", "PSS003", "--rule", "HUB001",
        ],
        HOST_PID_POD,
    ));
    assert_eq!(report["summary"]["repository_rules_not_run"], 1);
}

#[test]
fn standard_input_uses_the_configuration_of_its_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  PSS003: {severity: note}\n",
    );
    write(
        dir.path(),
        "team/.hubspoke-lint.yaml",
        "rules:\n  PSS003: {severity: warning}\n",
    );
    let severity = |name: Option<&str>| {
        let mut args = vec!["-", "--format", "json", "--rule", "PSS003"];
        if let Some(name) = name {
            args.extend(["--stdin-filename", name]);
        }
        let report = json(&run_stdin(dir.path(), &args, HOST_PID_POD));
        report["findings"][0]["severity"]
            .as_str()
            .expect("one finding")
            .to_owned()
    };
    // The working directory's, without a name or for a directory that does not exist.
    assert_eq!(severity(None), "note");
    assert_eq!(severity(Some("nowhere/web.yaml")), "note");
    // The directory the name places the text in.
    assert_eq!(severity(Some("team/web.yaml")), "warning");
}

#[test]
fn dash_is_standard_input_and_a_file_named_dash_is_dot_slash_dash() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "-", HOST_PID_POD);
    let clean = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let args = |path: &'static str| [path, "--format", "json", "--rule", "PSS003"];
    let from_stdin = run_stdin(dir.path(), &args("-"), clean);
    assert_eq!(findings(&json(&from_stdin)), vec![]);
    assert_eq!(code(&from_stdin), 0);
    let from_file = run_stdin(dir.path(), &args("./-"), clean);
    assert_eq!(findings(&json(&from_file)), vec![f("PSS003", "-", 6)]);

    let mixed = run_stdin(dir.path(), &["-", "./-"], clean);
    assert_eq!(code(&mixed), 2);
    assert_eq!(
        stderr(&mixed),
        "error: `-` (standard input) cannot be combined with other paths; a file named `-` is `./-`\n"
    );
    let name_alone = run(Some(dir.path()), &["--stdin-filename", "a.yaml", "./-"]);
    assert_eq!(code(&name_alone), 2);
    assert_eq!(
        stderr(&name_alone),
        "error: --stdin-filename names standard input: give `-` as the path\n"
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definitions() {
    for (shell, expected) in [
        ("bash", "complete -F _hubspoke__lint "),
        ("zsh", "#compdef hubspoke-lint"),
        ("fish", "complete -c hubspoke-lint"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = run(None, &["completions", shell]);
        assert_eq!(code(&output), 0, "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(script.contains(expected), "{shell}: {script}");
        for word in ["explain", "baseline", "completions", "stdin-filename"] {
            assert!(script.contains(word), "{shell} completes no `{word}`");
        }
    }
    // bash itself parses the bash script (the other shells may not be installed).
    let bash = stdout(&run(None, &["completions", "bash"]));
    if let Ok(checked) = std::process::Command::new("bash")
        .args(["-n", "-c", &bash])
        .output()
    {
        assert!(checked.status.success(), "{}", stderr(&checked));
    }
    let unknown = run(None, &["completions", "tcsh"]);
    assert_eq!(code(&unknown), 2);

    let man = run(None, &["man"]);
    assert_eq!(code(&man), 0);
    let page = stdout(&man);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{page}");
    let title = page.lines().find(|l| l.starts_with(".TH ")).expect(".TH");
    assert!(title.starts_with(".TH hubspoke-lint 1 "), "{title}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
    ] {
        assert!(page.lines().any(|l| l == section), "no {section}");
    }
    // One page: no reference to per-subcommand pages that are not shipped.
    assert!(!page.contains("hubspoke\\-lint\\-explain(1)"), "{page}");
    let subcommands = &page[page.find(".SH SUBCOMMANDS\n").expect("SUBCOMMANDS")..];
    let subcommands = &subcommands[..subcommands.find("\n.SH VERSION").expect("VERSION")];
    assert_eq!(
        subcommands.lines().take(4).collect::<Vec<_>>(),
        [
            ".SH SUBCOMMANDS",
            ".TP",
            "\\fBhubspoke\\-lint rules [OPTIONS]\\fR",
            "List every rule with its id, severity, scope and title"
        ]
    );
    assert!(
        subcommands.contains(".TP\n\\fBhubspoke\\-lint completions <SHELL>\\fR\nPrint a shell completion script to standard output\n"),
        "{subcommands}"
    );
    assert!(
        subcommands
            .ends_with(".PP\nA subcommand's options: \\fBhubspoke\\-lint help SUBCOMMAND\\fR."),
        "{subcommands}"
    );
    // groff, where installed, reads it without a warning.
    let path = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(path.path(), &page).expect("write");
    if let Ok(checked) = std::process::Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(path.path())
        .output()
    {
        assert!(checked.status.success(), "{}", stderr(&checked));
        assert_eq!(stderr(&checked), "");
    }
    assert!(page.contains("\\-\\-stdin\\-filename"), "{page}");
}

#[test]
fn a_mistyped_subcommand_gets_a_suggestion_not_no_such_file() {
    let output = run(None, &["expalin", "PSS001"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: `expalin` is neither a file or directory nor a subcommand; did you mean `explain`?\n"
    );
    assert!(output.stdout.is_empty());
    let output = run(None, &["rulse"]);
    assert_eq!(
        stderr(&output),
        "error: `rulse` is neither a file or directory nor a subcommand; did you mean `rules`?\n"
    );
    // Nothing close: the path is missing.
    let output = run(None, &["kustomize-overlays"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: kustomize-overlays: no such file or directory\n"
    );
    // A mistyped rule id, on the command line or in the configuration.
    let output = run(None, &["explain", "PSS0001"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: no rule `PSS0001` (did you mean `PSS001`?); `hubspoke-lint rules` lists them all\n"
    );
    let output = run(None, &["fixtures/hub-spoke", "--rule", "hub01"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: --rule hub01: no rule has this id (did you mean `HUB001`?); `hubspoke-lint rules` lists them\n"
    );
    let output = run(None, &["fixtures/hub-spoke", "--rule", "zzz"]);
    assert_eq!(
        stderr(&output),
        "error: --rule zzz: no rule has this id; `hubspoke-lint rules` lists them\n"
    );
    // A mistyped flag: clap's own suggestion.
    let output = run(None, &["fixtures/hub-spoke", "--quite"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with("error: unexpected argument '--quite' found\n\n  tip: a similar argument exists: '--quiet'\n"),
        "{}",
        stderr(&output)
    );
    // A directory of that name is linted.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "expalin/pod.yaml", HOST_PID_POD);
    let output = run(
        Some(dir.path()),
        &["expalin", "--format", "json", "--rule", "PSS003"],
    );
    assert_eq!(
        findings(&json(&output)),
        vec![f("PSS003", "expalin/pod.yaml", 6)]
    );
}

#[test]
fn quiet_prints_the_summary_only_and_nothing_when_clean() {
    let broken = ["fixtures/hub-spoke-broken", "--color", "never"];
    let full = run(None, &broken);
    let quiet = run(None, &[&broken[..], &["-q"]].concat());
    assert_eq!(code(&quiet), 1);
    let full = stdout(&full);
    let summary = &full[full.rfind("\n\n").expect("a blank line before the summary") + 2..];
    assert_eq!(stdout(&quiet), summary);
    assert!(summary.starts_with("112 findings ("), "{summary}");

    let clean = run(None, &["fixtures/hub-spoke", "--quiet"]);
    assert_eq!(code(&clean), 0);
    assert_eq!(stdout(&clean), "");
    // Other formats are unchanged.
    let json_quiet = run(None, &["fixtures/hub-spoke", "-q", "--format", "json"]);
    assert_eq!(json(&json_quiet)["findings"], serde_json::json!([]));
}

#[test]
fn a_run_that_lints_no_file_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "notes.txt", "hello");
    write(dir.path(), "apps/pod.yaml", HOST_PID_POD);
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    let nothing = run(Some(dir.path()), &["empty", "--format", "json"]);
    assert_eq!(code(&nothing), 2);
    assert_eq!(
        stderr(&nothing),
        "error: no YAML files found in empty: nothing was linted (check the paths and the include globs)\n"
    );
    // The outputs are still written, with the path's finding.
    assert_eq!(findings(&json(&nothing)), vec![f("no-files", "empty", 0)]);

    let wrong_glob = run(Some(dir.path()), &[".", "--include", "*.yml"]);
    assert_eq!(code(&wrong_glob), 2);
    assert_eq!(
        stderr(&wrong_glob),
        "error: no YAML files found in .: nothing was linted (check the paths and the include globs)\n"
    );

    // Some paths with files: the empty one is a warning, the run goes on as usual.
    let some = run(
        Some(dir.path()),
        &["apps", "empty", "--format", "json", "--rule", "PSS003"],
    );
    assert_eq!(
        findings(&json(&some)),
        vec![f("PSS003", "apps/pod.yaml", 6), f("no-files", "empty", 0)]
    );
    assert_eq!(code(&some), 1);
    let warning_only = run(Some(dir.path()), &["apps", "empty", "--rule", "BP001"]);
    assert_eq!(code(&warning_only), 0, "{}", stderr(&warning_only));

    // `baseline write` records nothing for a path that holds nothing.
    let baseline = run(Some(dir.path()), &["baseline", "write", "empty"]);
    assert_eq!(code(&baseline), 2);
    assert!(!dir
        .path()
        .join("empty/.hubspoke-lint-baseline.json")
        .exists());
}

#[test]
fn baseline_write_refuses_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run_stdin(dir.path(), &["baseline", "write", "-"], HOST_PID_POD);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: baseline write records a repository's findings: give it paths, not `-` (standard input)\n"
    );
    assert!(!dir.path().join(".hubspoke-lint-baseline.json").exists());
}

#[test]
fn the_summary_counts_in_the_singular_and_ends_with_findings_per_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", HOST_PID_POD);
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml",
            "--color",
            "never",
            "--rule",
            "PSS003",
            "--no-schema",
        ],
    );
    let text = stdout(&output);
    let summary = &text[text.rfind("\n\n").expect("blank line") + 2..];
    let enabled = number_before(summary, "rules enabled");
    assert_eq!(
        summary,
        format!("1 finding (1 error, 0 warnings, 0 notes) in 1 file (1 document, 1 Kubernetes object, 0 not Kubernetes), {enabled} rules enabled.\nFindings by rule:\n  1  PSS003  host-namespace\n")
    );
}

#[test]
fn the_rule_count_is_the_same_in_the_summary_and_the_catalogue() {
    let rules = stdout(&run(None, &["rules"]));
    let known = number_before(&rules, "rules:");
    let on = number_before(&rules, "on by default");
    let off = number_before(&rules, "off by default");
    assert_eq!(on + off, known);
    let listed = rules.lines().filter(|l| l.contains("  on  ")).count();
    assert_eq!(listed, on, "{rules}");
    let json_rules = json(&run(None, &["rules", "--format", "json"]));
    assert_eq!(json_rules.as_array().map(Vec::len), Some(known));
    // A repository without configuration runs exactly the rules on by default.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", HOST_PID_POD);
    let lint = json(&run(Some(dir.path()), &[".", "--format", "json"]));
    assert_eq!(lint["summary"]["rules"], on);
    let human = stdout(&run(Some(dir.path()), &["."]));
    assert_eq!(number_before(&human, "rules enabled"), on);
    // A configuration changes the count: fixtures/hub-spoke turns schema/unknown-kind off
    // (its own Kyverno policies, which add their rules, are left out here).
    let configured = json(&run(
        None,
        &["fixtures/hub-spoke", "--no-kyverno", "--format", "json"],
    ));
    assert_eq!(configured["summary"]["rules"], on - 1);
    // The rules off by default are marked, and repository rules say where they run.
    let pss021 = rules
        .lines()
        .find(|l| l.starts_with("PSS021 "))
        .expect("PSS021");
    assert!(pss021.contains("  document    off  "), "{pss021}");
    let hub001 = rules
        .lines()
        .find(|l| l.starts_with("HUB001 "))
        .expect("HUB001");
    assert!(hub001.contains("  repository  on  "), "{hub001}");
    assert!(
        rules.contains(
            "they run only when a directory is linted, not on single files or standard input"
        ),
        "{rules}"
    );
}

#[test]
fn two_outputs_to_the_same_file_are_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", HOST_PID_POD);
    std::fs::create_dir_all(dir.path().join("out")).expect("mkdir");
    for (first, second) in [
        ("json=out.json", "sarif=out.json"),
        ("json=out.json", "sarif=./out.json"),
        ("json=out/report", "junit=out/../out/report"),
    ] {
        let output = run(Some(dir.path()), &["pod.yaml", "-f", first, "-f", second]);
        assert_eq!(code(&output), 2, "{first} {second}");
        assert_eq!(
            stderr(&output),
            format!("error: --format {first} and --format {second} write to the same file; give each output its own file\n")
        );
        assert!(!dir.path().join("out.json").exists());
        assert!(!dir.path().join("out/report").exists());
    }
    let apart = run(
        Some(dir.path()),
        &["pod.yaml", "-f", "json=a.json", "-f", "sarif=out/a.json"],
    );
    assert_eq!(code(&apart), 1, "{}", stderr(&apart));
}

fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn changed_since_counts_the_findings_it_hides() {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "old.yaml", HOST_PID_POD);
    write(dir.path(), "also-old.yaml", HOST_PID_POD);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "old"]);
    write(dir.path(), "new.yaml", HOST_PID_POD);
    let args = [
        ".",
        "--changed-since",
        "HEAD",
        "--rule",
        "PSS003",
        "--no-schema",
    ];
    let report = json(&run(
        Some(dir.path()),
        &[&args[..], &["-f", "json"]].concat(),
    ));
    assert_eq!(findings(&report), vec![f("PSS003", "new.yaml", 6)]);
    assert_eq!(report["summary"]["unchanged"], 2);
    let human = stdout(&run(
        Some(dir.path()),
        &[&args[..], &["--color", "never"]].concat(),
    ));
    let summary = human
        .lines()
        .find(|l| l.starts_with("1 finding"))
        .expect("summary");
    assert!(
        summary.contains(" Not shown: 2 in unchanged files (--changed-since). Profile: "),
        "{summary}"
    );
    // Without the flag nothing is hidden.
    let all = json(&run(
        Some(dir.path()),
        &[".", "-f", "json", "--rule", "PSS003"],
    ));
    assert_eq!(all["summary"]["unchanged"], 0);
}

#[test]
fn baseline_check_does_not_call_findings_in_an_unparsed_file_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = ["--rule", "PSS003", "--no-schema"];
    write(dir.path(), "a.yaml", HOST_PID_POD);
    write(
        dir.path(),
        "b.yaml",
        &HOST_PID_POD.replace("name: web", "name: api"),
    );
    let wrote = run(
        Some(dir.path()),
        &[&["baseline", "write", "."][..], &rules].concat(),
    );
    assert_eq!(
        stdout(&wrote),
        "Wrote ./.hubspoke-lint-baseline.json (2 findings in 2 entries).\n"
    );

    // a.yaml no longer parses: its Pod's finding cannot have been looked for.
    write(
        dir.path(),
        "a.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n",
    );
    let check = |dir: &Path| {
        let output = run(
            Some(dir),
            &[&["baseline", "check", ".", "-f", "json"][..], &rules].concat(),
        );
        let report = json(&output);
        (
            findings(&report),
            report["summary"]["baselined"].as_u64(),
            report["summary"]["baseline_fixed"].as_u64(),
            report["summary"]["baseline_unchecked"].as_u64(),
            code(&output),
        )
    };
    assert_eq!(
        check(dir.path()),
        (
            vec![f("parse-error", "a.yaml", 4)],
            Some(1),
            Some(0),
            Some(1),
            1
        )
    );
    let human = stdout(&run(
        Some(dir.path()),
        &[&["baseline", "check", ".", "--color", "never"][..], &rules].concat(),
    ));
    assert!(
        human.contains(" Not shown: 1 in the baseline, 1 baselined finding not checked (a file failed to parse or could not be read). Profile: "),
        "{human}"
    );

    // Fixed for real: the Pod is still there, without the problem.
    write(
        dir.path(),
        "a.yaml",
        &HOST_PID_POD.replace("hostPID: true", "hostPID: false"),
    );
    assert_eq!(check(dir.path()), (vec![], Some(1), Some(1), Some(0), 0));
    // Deleted while every file parses: fixed too.
    std::fs::remove_file(dir.path().join("a.yaml")).expect("rm");
    assert_eq!(check(dir.path()), (vec![], Some(1), Some(1), Some(0), 0));
}

#[test]
fn the_editor_placeholder_is_no_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_reason = |reason: &str| {
        HOST_PID_POD.replace(
            "  hostPID: true\n",
            &format!("  # hubspoke-lint: ignore[PSS003] {reason}\n  hostPID: true\n"),
        )
    };
    write(dir.path(), "pod.yaml", &with_reason("<reason>"));
    let output = run(
        Some(dir.path()),
        &["pod.yaml", "-f", "json", "--rule", "PSS003"],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![
            f("suppression-without-reason", "pod.yaml", 6),
            f("PSS003", "pod.yaml", 7),
        ]
    );
    assert_eq!(
        report["findings"][0]["message"],
        "comment suppression of PSS003 still has the placeholder reason `<reason>`; replace it with why the finding is acceptable"
    );
    assert_eq!(code(&output), 1);
    write(
        dir.path(),
        "pod.yaml",
        &with_reason("node exporter needs the host's processes"),
    );
    let output = run(
        Some(dir.path()),
        &["pod.yaml", "-f", "json", "--rule", "PSS003"],
    );
    assert_eq!(findings(&json(&output)), vec![]);
    assert_eq!(json(&output)["summary"]["suppressed"], 1);
}
