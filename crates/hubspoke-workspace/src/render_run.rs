//! What `hubspoke-lint render` needs: the clusters rendered from the files `lint`
//! reads (same configuration, same limits), and the render's problems reported as
//! `lint` reports them — the configuration's rule settings, per-path overrides and
//! suppressions applied, each problem at its line with the clusters affected, what is
//! unknown offline a note.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use hubspoke_diagnostics::{count_by_severity, sort_findings, sort_notes, Finding, Note, RuleMeta};
use hubspoke_manifest::{
    add_kustomize_listed_json, discover, read_and_parse, ModelOptions, ParsedFile, RepoModel,
};
use hubspoke_render::{ClusterRender, Render, RenderFs, RENDER_TAG};

use crate::error::WorkspaceError;
use crate::filter::{self, FilterOptions};
use crate::settings::Configuration;
use crate::stages::render::objects::RootFiles;
use crate::stages::render::problems;

/// A repository rendered for `hubspoke-lint render`.
pub struct RenderRun {
    /// The files read, in the order the render's file ids index them.
    pub files: Vec<ParsedFile>,
    /// What every cluster receives.
    pub render: Render,
}

/// The render problems of the clusters asked for, as `lint` would report them.
pub struct RenderProblems {
    /// `render/*` findings after the configuration and suppressions, sorted.
    pub findings: Vec<Finding>,
    /// What was not rendered offline, and why, sorted.
    pub notes: Vec<Note>,
    /// Metadata of the render rules (help texts).
    pub catalog: Vec<RuleMeta>,
    /// Source texts by display path, for code frames.
    pub sources: BTreeMap<String, Arc<str>>,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
}

/// The files `lint` reads under `root`, with the same exclusions and limits: every
/// discovered YAML file parsed, and the `.json` files a kustomization lists. For the
/// commands that need the repository model (`render`, `graph`) without linting.
pub fn read_repository(configuration: &Configuration, root: &Path) -> Vec<ParsedFile> {
    let discovery = discover(
        std::slice::from_ref(&root.to_path_buf()),
        &configuration.discover,
    );
    let parsed = read_and_parse(&discovery.files, configuration.limits);
    let (_, files) = add_kustomize_listed_json(
        discovery,
        parsed,
        &configuration.discover,
        configuration.limits,
    );
    files
}

impl RenderRun {
    /// Read the repository at `root` as `lint` does and render every cluster.
    pub fn new(configuration: &Configuration, root: &Path) -> RenderRun {
        let files = read_repository(configuration, root);
        let refs: Vec<&ParsedFile> = files.iter().collect();
        let options = ModelOptions {
            slim_bodies: true,
            ..configuration.model.clone()
        };
        let model = RepoModel::build(&refs, root, &options);
        let render = {
            let fs = RenderFs::with_root(refs.iter().copied(), root);
            hubspoke_render::render(&fs, &model, &configuration.render_options())
        };
        drop(refs);
        RenderRun { files, render }
    }

    /// The problems of `clusters` (a slice of [`Render::clusters`]), with the rules'
    /// settings, overrides and suppressions of `configuration`. `Err` when the rules
    /// cannot be loaded (a `--policy` directory that does not read).
    pub fn problems(
        &self,
        configuration: Configuration,
        clusters: &[ClusterRender],
    ) -> Result<RenderProblems, WorkspaceError> {
        let settings = configuration.load_rules()?;
        let refs: Vec<&ParsedFile> = self.files.iter().collect();
        let files = RootFiles { files: &refs };
        let found = problems::problem_findings(clusters, files, &settings.options);
        let filtered = filter::apply(
            &settings,
            found,
            &self.files,
            FilterOptions {
                baseline: None,
                changed: None,
                repository_rules_ran: true,
                dynamic: None,
            },
        );
        // Only the render's problems: suppressions of the other rules are `lint`'s to
        // judge (here every one of them would look unused).
        let mut findings: Vec<Finding> = filtered
            .findings
            .into_iter()
            .filter(|f| is_render_rule(&settings.catalog, &f.rule))
            .collect();
        sort_findings(&mut findings);
        let mut notes = problems::unknown_notes(clusters, files);
        sort_notes(&mut notes);
        let catalog = settings
            .catalog
            .iter()
            .filter(|meta| meta.tags.iter().any(|t| t == RENDER_TAG))
            .cloned()
            .collect();
        let sources = self
            .files
            .iter()
            .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
            .collect();
        Ok(RenderProblems {
            findings,
            notes,
            catalog,
            sources,
            suppressed: filtered.suppressed,
        })
    }
}

/// Whether `id` is one of the render's rules.
fn is_render_rule(catalog: &[RuleMeta], id: &str) -> bool {
    catalog
        .iter()
        .any(|meta| meta.id == id && meta.tags.iter().any(|t| t == RENDER_TAG))
}

impl RenderProblems {
    /// Findings per severity.
    pub fn counts(&self) -> BTreeMap<hubspoke_diagnostics::Severity, usize> {
        count_by_severity(&self.findings)
    }
}
