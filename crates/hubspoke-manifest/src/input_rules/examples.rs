//! "Avoid" and "Prefer" examples of the input rules, for `explain` and docs/rules.md.
//! Problems that are not YAML text (encodings, binary content, file-system state) are
//! shown as comments.

use hubspoke_diagnostics::RuleExamples;

/// The examples of an input rule.
pub(crate) fn examples(id: &str) -> RuleExamples {
    match id {
        "parse-error" => RuleExamples::pair(
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  text: \"hello\n"),
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  text: \"hello\"\n"),
        ),
        "duplicate-key" => RuleExamples::pair(
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  name: settings-v2\n"),
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-v2\n"),
        ),
        "unknown-tag" => RuleExamples::pair(
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: storage\ndata:\n  bucket: !Ref LogsBucket\n"),
            ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: storage\ndata:\n  bucket: logs-bucket\n"),
        ),
        "yaml-limit" => RuleExamples::pair(
            ("bomb.yaml", "# \"Billion laughs\": every level repeats the one before nine times.\na: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"),
            ("labels.yaml", "# Anchors that are reused, not nested in each other.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels: &labels\n    app: web\n  annotations:\n    owner: team-web\ndata:\n  app: web\n"),
        ),
        "encoding" => RuleExamples::pair(
            ("menu.yaml", "# Saved as Latin-1: the \"é\" below is the single byte 0xE9.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: menu\ndata:\n  dish: café\n"),
            ("menu.yaml", "# Saved as UTF-8: \"é\" is the two bytes 0xC3 0xA9.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: menu\ndata:\n  dish: café\n"),
        ),
        "utf16-file" => RuleExamples::pair(
            ("namespace.yaml", "# Saved as UTF-16 LE with a byte-order mark (as PowerShell's Out-File writes).\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-a\n"),
            ("namespace.yaml", "# Saved as UTF-8.\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-a\n"),
        ),
        "binary-file" => RuleExamples::pair(
            ("logo.yaml", "# A PNG image under a YAML name: 89 50 4E 47 0D 0A 1A 0A 00 00 00 0D ...\n"),
            ("logo.yaml", "# Binary data belongs base64-encoded in binaryData.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: logo\nbinaryData:\n  logo.png: iVBORw0KGgo=\n"),
        ),
        "empty-file" => RuleExamples::pair(
            ("old-ingress.yaml", "# Left over from a refactoring: only comments, no document.\n# apiVersion: networking.k8s.io/v1\n# kind: Ingress\n"),
            ("ingress.yaml", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n    - host: web.example.com\n"),
        ),
        "file-too-large" => RuleExamples::pair(
            ("crds.yaml", "# 40 MiB of generated CustomResourceDefinitions in one file,\n# over the default limit of 10 MiB (--max-file-size).\n"),
            (".hubspoke-lint.yaml", "# A legitimate large file: raise the limit (in bytes) in the configuration.\nmax-file-size: 67108864\n"),
        ),
        "unreadable-file" => RuleExamples::pair(
            ("apps/", "# $ ls -l apps/\n# ----------  secret.yaml                     (mode 0000: cannot be opened)\n# lrwxrwxrwx  dangling.yaml -> removed.yaml   (the target was deleted)\n"),
            ("apps/", "# $ ls -l apps/\n# -rw-r--r--  secret.yaml\n"),
        ),
        "symlink-outside-root" => RuleExamples::pair(
            ("clusters/production/", "# $ ls -l clusters/production/\n# lrwxrwxrwx  shared.yaml -> /home/alice/shared/shared.yaml\n"),
            ("clusters/production/shared.yaml", "# The file itself, committed inside the repository.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"),
        ),
        "symlink-loop" => RuleExamples::pair(
            ("apps/", "# $ ls -l apps/\n# lrwxrwxrwx  current -> .   (leads back to apps/ itself)\n# -rw-r--r--  web.yaml\n"),
            ("apps/", "# $ ls -l apps/\n# -rw-r--r--  web.yaml\n"),
        ),
        "helm-template" => RuleExamples::pair(
            ("charts/web/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n"),
            ("rendered.yaml", "# helm template web charts/web > rendered.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\nspec:\n  replicas: 2\n"),
        ),
        "no-files" => RuleExamples::pair(
            ("charts/", "# $ hubspoke-lint charts/ --include '*.yml'\n# charts/ holds only *.yaml files: the include glob matches none of them.\n"),
            ("charts/", "# $ hubspoke-lint charts/ --include '*.yaml'\n"),
        ),
        "internal-error" => RuleExamples::pair(
            ("any.yaml", "# No manifest should cause this: it reports a bug in hubspoke-lint.\n# Keep the file named in the message and report it with the command line.\n"),
            ("any.yaml", "# Until the bug is fixed, exclude the file so the rest of the run stays green:\n# hubspoke-lint . --exclude path/to/any.yaml\n"),
        ),
        _ => RuleExamples::default(),
    }
}
