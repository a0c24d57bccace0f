//! Rule `unreplaced-placeholder`: an image reference or a value that still holds a template
//! placeholder, i.e. something a script was meant to substitute (`sed s/IMAGE_TAG/.../`,
//! `envsubst`, a templating step) before kustomize ran, and did not. Kubernetes expands
//! nothing of the kind (only `$(VAR)` in a container's command, args and env), so the text
//! reaches the cluster as it is. Images should be set with the kustomization's `images:`.
//!
//! In an image any of `${...}`, `{{...}}`, `<...>`, `IMAGE_TAG`, `REPLACE_ME`... counts. In other
//! values, where `${HOME}` in a script or `{{ $labels.x }}` in an alerting template is normal,
//! only a value that is *entirely* a placeholder, or that holds a placeholder word, counts.
//! Secrets' data (base64) is not looked at.

use super::{Finding, Input};
use crate::yaml::node::{Node, Pos, Value};

/// Words teams put where something must be filled in.
const WORDS: &[&str] = &["IMAGE_TAG", "REPLACE_ME", "REPLACEME", "CHANGE_ME", "CHANGEME", "TO_BE_REPLACED"];

/// The placeholder in an image reference, if any.
fn in_image(image: &str) -> Option<String> {
    if let Some(w) = WORDS.iter().find(|w| image.contains(*w)) {
        return Some((*w).to_string());
    }
    for (open, close) in [("${", "}"), ("{{", "}}"), ("<", ">"), ("__", "__")] {
        if let Some(start) = image.find(open) {
            if let Some(len) = image[start + open.len()..].find(close) {
                return Some(image[start..start + open.len() + len + close.len()].to_string());
            }
        }
    }
    None
}

/// Whether a whole value is a placeholder: `${X}`, `{{ x }}`, `__X__`, or holds a placeholder word.
fn in_value(s: &str) -> Option<String> {
    if let Some(w) = WORDS.iter().find(|w| s.contains(*w)) {
        return Some((*w).to_string());
    }
    let t = s.trim();
    let whole = |open: &str, close: &str| {
        t.len() > open.len() + close.len()
            && t.starts_with(open)
            && t.ends_with(close)
            && !t[open.len()..t.len() - close.len()].contains(close)
    };
    let ident = |open: usize, close: usize, upper: bool| {
        let inner = t[open..t.len() - close].trim().trim_start_matches('.');
        !inner.is_empty()
            && inner.chars().all(|c| {
                c == '_'
                    || c.is_ascii_digit()
                    || (if upper { c.is_ascii_uppercase() } else { c.is_ascii_alphabetic() || c == '.' })
            })
    };
    // `${NAME}` (envsubst), `{{ .Values.x }}` or `{{ NAME }}` (not `{{ $labels.x }}`, a template
    // evaluated at run time), `__NAME__`.
    let helm = |inner: &str| {
        ["Values.", "Release.", "Chart."].iter().any(|p| inner.trim().trim_start_matches('.').starts_with(p))
    };
    if (whole("${", "}") && ident(2, 1, false))
        || (whole("{{", "}}") && (ident(2, 2, true) || (helm(&t[2..t.len() - 2]) && ident(2, 2, false))))
        || (whole("__", "__") && ident(2, 2, true))
    {
        return Some(t.to_string());
    }
    None
}

fn walk(node: &Node, path: &mut Vec<String>, found: &mut Vec<(String, String, Pos)>) {
    match &node.value {
        Value::Map(m) => {
            for (k, v) in m {
                path.push(k.clone());
                walk(v, path, found);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for i in items {
                walk(i, path, found);
            }
        }
        Value::Str(s) => {
            let is_image = path.last().is_some_and(|k| k == "image");
            let hit = if is_image { in_image(s) } else { in_value(s) };
            if let Some(p) = hit {
                found.push((path.join("."), p, node.pos));
            }
        }
        _ => {}
    }
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    for r in ctx.resources {
        let mut found = Vec::new();
        let Some(map) = r.node.as_map() else { continue };
        for (k, v) in map {
            if r.kind() == "Secret" && matches!(k.as_str(), "data" | "stringData") {
                continue;
            }
            walk(v, &mut vec![k.clone()], &mut found);
        }
        for (field, placeholder, pos) in found {
            let fix = if field.ends_with(".image") {
                "set the image with the kustomization's `images:` (newName, newTag or digest) instead of substituting text"
            } else {
                "set the value in the kustomization (a patch, a generator, `replacements:`) instead of substituting text"
            };
            out.push(Finding::new(
                "unreplaced-placeholder",
                format!(
                    "{} {}: `{field}` still holds the placeholder '{placeholder}', which nothing will replace: {fix}",
                    r.kind(),
                    r.name()
                ),
                Some(&r.origin),
                Some(pos),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_in_images_are_found_anywhere_in_the_reference() {
        assert_eq!(in_image("registry/app:IMAGE_TAG").as_deref(), Some("IMAGE_TAG"));
        assert_eq!(in_image("registry/app:${TAG}").as_deref(), Some("${TAG}"));
        assert_eq!(in_image("registry/app:{{ .Values.tag }}").as_deref(), Some("{{ .Values.tag }}"));
        assert_eq!(in_image("registry/app:1.2.3"), None);
        assert_eq!(in_image("registry/app@sha256:abc"), None);
    }

    #[test]
    fn other_values_count_only_when_they_are_a_placeholder() {
        assert_eq!(in_value("${DATABASE_URL}").as_deref(), Some("${DATABASE_URL}"));
        assert_eq!(in_value("REPLACE_ME").as_deref(), Some("REPLACE_ME"));
        assert_eq!(in_value("__API_HOST__").as_deref(), Some("__API_HOST__"));
        assert_eq!(in_value("echo ${HOME}/data"), None);
        assert_eq!(in_value("{{ $labels.instance }} is down since {{ $value }}"), None);
        assert_eq!(in_value("__init__"), None);
        assert_eq!(in_value("{{ .Values.image.tag }}").as_deref(), Some("{{ .Values.image.tag }}"));
        assert_eq!(in_value("{{ $labels.instance }}"), None);
        assert_eq!(in_value("{{ API_HOST }}").as_deref(), Some("{{ API_HOST }}"));
        // Run-time templates of other tools (KServe's serving runtimes) are not placeholders.
        assert_eq!(in_value("{{.Labels.modelClass}}"), None);
    }
}
