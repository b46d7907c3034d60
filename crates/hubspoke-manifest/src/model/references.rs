//! References between Flux objects by kind and name (`sourceRef`, `chartRef`,
//! `dependsOn`, `valuesFrom`, `substituteFrom`), resolved through the model's index.

use serde_json::Value;

use super::paths::is_templated;
use super::types::{index_key, ModelObject, ObjectRef, RepoModel, FLUX_SOURCE_GROUP};
use super::value_at;

/// What a reference field names, which decides where its target is looked up.
#[derive(Clone, Copy)]
enum RefField {
    /// `sourceRef`, `chartRef`: a source of the kind written, in the namespace written.
    Source,
    /// `dependsOn`: an object of the referrer's own group and kind, in the namespace written.
    DependsOn,
    /// `valuesFrom`, `substituteFrom`: a ConfigMap or Secret, always in the referrer's
    /// namespace (the entries have no namespace field).
    Data,
}

/// The `sourceRef`, `chartRef`, `dependsOn`, `valuesFrom` and `substituteFrom`
/// of Flux Kustomizations and HelmReleases, each looked up once in the index
/// (after it is complete), so the graph shows the objects the rules judge.
pub(super) fn resolve_references(model: &mut RepoModel) {
    let resolved = &*model;
    let kustomizations: Vec<_> = resolved
        .flux_kustomizations
        .iter()
        .map(|fk| {
            let referrer = &resolved.objects[fk.object];
            (
                field_ref(resolved, referrer, RefField::Source, &["spec", "sourceRef"]),
                list_refs(
                    resolved,
                    referrer,
                    RefField::DependsOn,
                    &["spec", "dependsOn"],
                ),
                list_refs(
                    resolved,
                    referrer,
                    RefField::Data,
                    &["spec", "postBuild", "substituteFrom"],
                ),
            )
        })
        .collect();
    let releases: Vec<_> = resolved
        .helm_releases
        .iter()
        .map(|hr| {
            let referrer = &resolved.objects[hr.object];
            (
                field_ref(
                    resolved,
                    referrer,
                    RefField::Source,
                    &["spec", "chart", "spec", "sourceRef"],
                )
                .or_else(|| field_ref(resolved, referrer, RefField::Source, &["spec", "chartRef"])),
                list_refs(
                    resolved,
                    referrer,
                    RefField::DependsOn,
                    &["spec", "dependsOn"],
                ),
                list_refs(resolved, referrer, RefField::Data, &["spec", "valuesFrom"]),
            )
        })
        .collect();
    for (fk, (source, depends_on, substitute_from)) in
        model.flux_kustomizations.iter_mut().zip(kustomizations)
    {
        fk.source = source;
        fk.depends_on = depends_on;
        fk.substitute_from = substitute_from;
    }
    for (hr, (chart_source, depends_on, values_from)) in
        model.helm_releases.iter_mut().zip(releases)
    {
        hr.chart_source = chart_source;
        hr.depends_on = depends_on;
        hr.values_from = values_from;
    }
}

/// The reference written as the object at `path`.
fn field_ref(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    path: &[&str],
) -> Option<ObjectRef> {
    let entry = value_at(&referrer.body, path)?;
    let path = path.iter().map(|key| Value::from(*key)).collect();
    object_ref(model, referrer, field, entry, path)
}

/// The references written as the items of the list at `path`.
fn list_refs(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    path: &[&str],
) -> Vec<ObjectRef> {
    value_at(&referrer.body, path)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut at: Vec<Value> = path.iter().map(|key| Value::from(*key)).collect();
            at.push(Value::from(i));
            object_ref(model, referrer, field, entry, at)
        })
        .collect()
}

/// Resolve one `{kind, name, namespace}` entry; `None` when it has no name.
fn object_ref(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    entry: &Value,
    path: Vec<Value>,
) -> Option<ObjectRef> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str);
    let name = text("name")?;
    let (group, kind, written_namespace) = match field {
        RefField::Source => (FLUX_SOURCE_GROUP, text("kind"), text("namespace")),
        RefField::DependsOn => (
            referrer.group.as_str(),
            Some(referrer.kind.as_str()),
            text("namespace"),
        ),
        RefField::Data => ("", text("kind"), None),
    };
    let kind = kind.unwrap_or_default();
    let namespace = written_namespace.or(referrer.effective_namespace.as_deref());
    let unresolved = is_templated(name) || namespace.is_some_and(is_templated);
    let object = if unresolved {
        None
    } else {
        let key = index_key(group, kind, namespace.unwrap_or(""), name);
        // A definition in the repository, else the object that generates it.
        let candidates = model
            .index
            .get(&key)
            .or_else(|| model.generated.get(&key))
            .map_or(&[][..], Vec::as_slice);
        candidates
            .iter()
            .copied()
            .find(|&id| shares_cluster(referrer, &model.objects[id]))
            .or_else(|| candidates.first().copied())
    };
    Some(ObjectRef {
        kind: kind.to_owned(),
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        object,
        unresolved,
        optional: entry.get("optional").and_then(Value::as_bool) == Some(true),
        path,
    })
}

/// Whether two objects can see each other: they land on a common cluster, or
/// the repository does not say where one of them lands.
pub(super) fn shares_cluster(a: &ModelObject, b: &ModelObject) -> bool {
    a.clusters.is_empty()
        || b.clusters.is_empty()
        || a.clusters.iter().any(|c| b.clusters.contains(c))
}
