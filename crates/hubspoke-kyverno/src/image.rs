//! Container image references as Kyverno reads them (`pkg/utils/image`):
//! the default registry `docker.io` is added before parsing with the grammar
//! of `github.com/distribution/reference`, the tag defaults to `latest`, and
//! no `library/` is inserted (Kyverno's `path` of `nginx` is `nginx`).

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::memo::ThreadMemo;

/// Kyverno's default `defaultRegistry` setting.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// An image reference split into Kyverno's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// `docker.io`, `ghcr.io`, `localhost:5000`.
    pub registry: String,
    /// The last path component: `nginx`.
    pub name: String,
    /// The repository path: `library/nginx`, `nginx`.
    pub path: String,
    /// The tag; `latest` when neither a tag nor a digest is given.
    pub tag: String,
    /// `sha256:…`, or empty.
    pub digest: String,
    /// `registry/path:tag`.
    pub reference_with_tag: String,
}

/// Why an image reference does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad image: {image}: {reason}")]
pub struct ImageError {
    /// The reference as written.
    pub image: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The reference grammar of `distribution/reference` (`regexp.go`).
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let alnum = "[a-z0-9]+";
    let separator = "(?:[._]|__|[-]+)";
    let path_component = format!("{alnum}(?:{separator}{alnum})*");
    let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let ipv6 = r"\[(?:[a-fA-F0-9:]+)\]";
    let host = format!("(?:{domain_component}(?:\\.{domain_component})*|{ipv6})");
    let domain = format!("{host}(?::[0-9]+)?");
    let tag = r"[\w][\w.-]{0,127}";
    let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
    let pattern = format!(
        "^(?:({domain})/)?({path_component}(?:/{path_component})*)(?::({tag}))?(?:@({digest}))?$"
    );
    Regex::new(&pattern).expect("the reference grammar is a valid regular expression")
});

/// How many parsed references a thread keeps before starting over.
const PARSED_PER_THREAD: usize = 1024;

thread_local! {
    /// References parsed on this thread, by text (errors included): the `images`
    /// variable parses every container image of every pod controller, a repository
    /// repeats the same few images, and matching the reference grammar (with its
    /// capture groups) was a measurable part of evaluating policies.
    static PARSED: ThreadMemo<Result<ImageInfo, ImageError>> = ThreadMemo::new(PARSED_PER_THREAD);
}

impl ImageInfo {
    /// Parse an image reference with Kyverno's default configuration.
    pub fn parse(image: &str) -> Result<ImageInfo, ImageError> {
        PARSED.with(|memo| memo.get_or_insert_with(image, || ImageInfo::parse_uncached(image)))
    }

    fn parse_uncached(image: &str) -> Result<ImageInfo, ImageError> {
        let error = |reason| ImageError {
            image: image.to_owned(),
            reason,
        };
        let full = add_default_registry(image);
        let Some(captures) = REFERENCE.captures(&full) else {
            if REFERENCE.is_match(&full.to_lowercase()) {
                return Err(error("repository name must be lowercase"));
            }
            return Err(error("invalid reference format"));
        };
        let registry = captures.get(1).map_or("", |m| m.as_str()).to_owned();
        let path = captures.get(2).map_or("", |m| m.as_str()).to_owned();
        if registry.len() + path.len() + usize::from(!registry.is_empty()) > 255 {
            return Err(error(
                "repository name must not be more than 255 characters",
            ));
        }
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        let digest = captures.get(4).map_or("", |m| m.as_str()).to_owned();
        let mut tag = captures.get(3).map_or("", |m| m.as_str()).to_owned();
        if tag.is_empty() && digest.is_empty() {
            tag = "latest".to_owned();
        }
        let reference_with_tag = if registry.is_empty() {
            format!("{path}:{tag}")
        } else {
            format!("{registry}/{path}:{tag}")
        };
        Ok(ImageInfo {
            registry,
            name,
            path,
            tag,
            digest,
            reference_with_tag,
        })
    }

    /// The image as Kyverno's `images` context variable holds it, with the
    /// JSON pointer of the field it was read from.
    pub fn to_json(&self, pointer: &str) -> Value {
        let mut object = json!({
            "name": self.name,
            "path": self.path,
            "jsonPointer": pointer,
        });
        let fields = [
            ("registry", &self.registry),
            ("tag", &self.tag),
            ("digest", &self.digest),
            ("referenceWithTag", &self.reference_with_tag),
        ];
        if let Value::Object(map) = &mut object {
            for (key, value) in fields {
                // `omitempty` in Kyverno's struct tags.
                if !value.is_empty() {
                    map.insert(key.to_owned(), Value::String(value.clone()));
                }
            }
            map.insert("reference".to_owned(), Value::String(self.to_string()));
        }
        object
    }
}

impl fmt::Display for ImageInfo {
    /// Kyverno's `ImageInfo.String()`: `registry/path@digest` or `registry/path:tag`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.registry.is_empty() {
            write!(f, "{}/", self.registry)?;
        }
        write!(f, "{}", self.path)?;
        if self.digest.is_empty() {
            write!(f, ":{}", self.tag)
        } else {
            write!(f, "@{}", self.digest)
        }
    }
}

/// Kyverno's `addDefaultRegistry`: prefix the default registry unless the
/// first component looks like a host (has `.` or `:`, is `localhost`, or has
/// upper-case letters).
fn add_default_registry(image: &str) -> String {
    match image.find('/') {
        Some(i) => {
            let first = &image[..i];
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                format!("{DEFAULT_REGISTRY}/{image}")
            } else {
                image.to_owned()
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{image}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from kyverno/kyverno pkg/utils/image/infos_test.go at
    // 111e07bbecc66abfde36ab99969af22d7a961003 (default registry docker.io,
    // registry mutation on).
    #[test]
    fn kyverno_get_image_info_table() {
        let cases = [
            ("nginx", "nginx", "nginx", "docker.io", "latest", "", "docker.io/nginx:latest"),
            ("nginx:v10.3", "nginx", "nginx", "docker.io", "v10.3", "", "docker.io/nginx:v10.3"),
            ("docker.io/test/nginx:v10.3", "nginx", "test/nginx", "docker.io", "v10.3", "", "docker.io/test/nginx:v10.3"),
            ("test/nginx", "nginx", "test/nginx", "docker.io", "latest", "", "docker.io/test/nginx:latest"),
            ("localhost:4443/test/nginx", "nginx", "test/nginx", "localhost:4443", "latest", "", "localhost:4443/test/nginx:latest"),
            (
                "docker.io/test/centos@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f",
                "centos",
                "test/centos",
                "docker.io",
                "",
                "sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f",
                "docker.io/test/centos@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f",
            ),
        ];
        for (image, name, path, registry, tag, digest, reference) in cases {
            let info = ImageInfo::parse(image).expect(image);
            assert_eq!(info.name, name, "{image}");
            assert_eq!(info.path, path, "{image}");
            assert_eq!(info.registry, registry, "{image}");
            assert_eq!(info.tag, tag, "{image}");
            assert_eq!(info.digest, digest, "{image}");
            assert_eq!(info.to_string(), reference, "{image}");
        }
    }

    #[test]
    fn kyverno_reference_with_tag_table() {
        let cases = [
            ("nginx", "docker.io/nginx:latest"),
            ("nginx:v10.3", "docker.io/nginx:v10.3"),
            ("docker.io/test/nginx:v10.3", "docker.io/test/nginx:v10.3"),
            ("test/nginx", "docker.io/test/nginx:latest"),
            ("localhost:4443/test/nginx", "localhost:4443/test/nginx:latest"),
            (
                "docker.io/test/centos@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f",
                "docker.io/test/centos:",
            ),
        ];
        for (image, want) in cases {
            assert_eq!(
                ImageInfo::parse(image).expect(image).reference_with_tag,
                want
            );
        }
    }

    #[test]
    fn bad_references_are_errors() {
        assert_eq!(
            ImageInfo::parse("docker.io/NGINX").unwrap_err().reason,
            "repository name must be lowercase"
        );
        assert!(ImageInfo::parse("nginx:").is_err());
        assert!(ImageInfo::parse("").is_err());
        assert!(ImageInfo::parse(&"a".repeat(300)).is_err());
    }
}
