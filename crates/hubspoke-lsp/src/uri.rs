//! `file://` URIs to paths and back (percent-encoding, as editors send them).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path of a `file:` URI; `None` for other schemes (`untitled:`, ...).
pub(crate) fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text
        .strip_prefix("file://")
        .or_else(|| text.strip_prefix("FILE://"))?;
    // `file:///p` has an empty authority; `file://localhost/p` names this host.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(at) if rest[..at].eq_ignore_ascii_case("localhost") => &rest[at..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    #[cfg(windows)]
    {
        // `/C:/dir` → `C:/dir`
        let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
        return Some(PathBuf::from(trimmed));
    }
    #[cfg(not(windows))]
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
pub(crate) fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        Uri::from_str(text).expect("valid uri")
    }

    #[cfg(not(windows))]
    #[test]
    fn file_uris_round_trip_with_escapes() {
        let path = to_path(&uri("file:///work/my%20repo/%C3%A4.yaml")).expect("file uri");
        assert_eq!(path, PathBuf::from("/work/my repo/ä.yaml"));
        let back = from_path(&path).expect("encodable");
        assert_eq!(back.as_str(), "file:///work/my%20repo/%C3%A4.yaml");
        assert_eq!(to_path(&back), Some(path));
        assert_eq!(
            to_path(&uri("file://localhost/a.yaml")),
            Some(PathBuf::from("/a.yaml"))
        );
    }

    #[test]
    fn other_schemes_have_no_path() {
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(to_path(&uri("file://server/share/a.yaml")), None);
    }
}
