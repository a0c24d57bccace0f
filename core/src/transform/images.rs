//! images (and ImageTagTransformer configs): new names, tags and digests for matching images.
//!
//! As in kustomize, an entry updates the `image` of every element of any `containers` or
//! `initContainers` list anywhere in an object, and then the fields of the images field specs.
//! CustomResourceDefinitions are left alone.

use crate::error::{bail, Result};
use crate::kustomization::Image;
use crate::resource::Resource;
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::{Node, Value};

/// Applies one `images:` entry.
pub fn run(resources: &mut [Resource], image: &Image, specs: &[Spec]) -> Result<()> {
    for r in resources.iter_mut() {
        if r.kind() == "CustomResourceDefinition" {
            continue;
        }
        update_containers(&mut r.node, image).map_err(|e| e.context(format!("in {}", r.id())))?;
        let gvk = r.gvk();
        for spec in specs {
            if !spec.selects(&gvk) {
                continue;
            }
            // The image specs say `create`, but kustomize never creates image fields.
            let res = walk(&mut r.node, &spec.steps, false, &mut |n| update(n, image));
            res.map_err(|e| spec.error(&r.id().to_string(), e))?;
        }
    }
    Ok(())
}

/// Every `containers` / `initContainers` list, at any depth.
fn update_containers(node: &mut Node, image: &Image) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                update_containers(child, image)?;
                if key == "containers" || key == "initContainers" {
                    if let Value::Seq(items) = &mut child.value {
                        for item in items {
                            if let Some(img) = item.get_mut("image") {
                                update(img, image)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Seq(items) => items.iter_mut().try_for_each(|i| update_containers(i, image)),
        _ => Ok(()),
    }
}

/// Rewrites one image reference if its name matches.
fn update(n: &mut Node, image: &Image) -> Result<()> {
    let current = match &n.value {
        Value::Null => return Ok(()),
        Value::Map(_) | Value::Seq(_) => {
            bail!("wrong node kind: expected a scalar image reference, found a {}", n.value.type_name())
        }
        _ => n.scalar_text().unwrap_or_default(),
    };
    if !matches(&current, &image.name) {
        return Ok(());
    }
    let (mut name, tag, mut digest) = split(&current);
    let mut tag = std::borrow::Cow::Borrowed(tag);
    if let Some(new_name) = image.new_name.as_deref().filter(|s| !s.is_empty()) {
        name = new_name;
    }
    let new_tag = image.new_tag.as_deref().filter(|s| !s.is_empty());
    let new_digest = image.digest.as_deref().filter(|s| !s.is_empty());
    match (new_tag, new_digest) {
        (Some(t), Some(d)) => {
            tag = t.into();
            digest = d;
        }
        (Some(t), None) => {
            tag = t.into();
            digest = "";
        }
        (None, Some(d)) => {
            tag = "".into();
            digest = d;
        }
        // `tagSuffix` counts only without newTag and digest; it drops the digest. kustomize
        // updates `containers` twice (its legacy pass, then the field specs): an image that still
        // matches after the first gets the suffix twice, and so it does here.
        (None, None) => {
            if let Some(suffix) = image.tag_suffix.as_deref().filter(|s| !s.is_empty()) {
                tag = format!("{tag}{suffix}").into();
                digest = "";
            }
        }
    }
    let mut out = name.to_string();
    if !tag.is_empty() {
        out.push(':');
        out.push_str(&tag);
    }
    if !digest.is_empty() {
        out.push('@');
        out.push_str(digest);
    }
    // kustomize writes it with SetScalar: untagged, in the node's style.
    n.set_untagged(out);
    Ok(())
}

/// Whether `reference` is the image `name` with an optional tag and `@sha256:` digest.
///
/// kustomize builds a regular expression from the name without escaping it, so a `.` in the
/// name matches any character; kcompile does the same (other characters match themselves).
fn matches(reference: &str, name: &str) -> bool {
    let mut rest = reference.chars();
    for want in name.chars() {
        match rest.next() {
            Some(got) if want == '.' || got == want => {}
            _ => return false,
        }
    }
    let rest = rest.as_str();
    let tag_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-');
    let after_tag = match rest.strip_prefix(':') {
        Some(t) => t.trim_start_matches(tag_char),
        None => rest,
    };
    if after_tag.is_empty() {
        return true;
    }
    match after_tag.strip_prefix("@sha256:") {
        Some(d) => d.chars().all(tag_char),
        None => false,
    }
}

/// Splits `[host[:port]/]path[:tag][@digest]` into name, tag and digest (tag and digest without
/// their separators).
fn split(reference: &str) -> (&str, &str, &str) {
    // Look for ':' and '@' only after the first '/', so a registry port is not a tag.
    let offset = match reference.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &reference[offset..];
    let at = search.find('@').map(|i| i + offset);
    let colon = search.find(':').map(|i| i + offset);
    match (colon, at) {
        (None, None) => (reference, "", ""),
        (None, Some(a)) => (&reference[..a], "", &reference[a + 1..]),
        (Some(c), Some(a)) if a < c => (&reference[..a], "", &reference[a + 1..]),
        (Some(c), Some(a)) => (&reference[..c], &reference[c + 1..a], &reference[a + 1..]),
        (Some(c), None) => (&reference[..c], &reference[c + 1..], ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_with_tags_and_digests() {
        assert!(matches("nginx", "nginx"));
        assert!(matches("nginx:1.0", "nginx"));
        assert!(matches("nginx@sha256:abc", "nginx"));
        assert!(matches("nginx:1.0@sha256:abc", "nginx"));
        assert!(!matches("nginxx", "nginx"));
        assert!(!matches("docker.io/nginx", "nginx"));
        assert!(matches("ngin-x", "ngin.x"), "a dot in the name matches any character");
        assert!(matches("localhost:5000/app:v1", "localhost:5000/app"));
    }

    #[test]
    fn splits_references() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.0"), ("nginx", "1.0", ""));
        assert_eq!(split("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(split("nginx:1.0@sha256:abc"), ("nginx", "1.0", "sha256:abc"));
        assert_eq!(split("localhost:5000/app"), ("localhost:5000/app", "", ""));
        assert_eq!(split("localhost:5000/app:v2"), ("localhost:5000/app", "v2", ""));
    }

    #[test]
    fn new_tag_drops_the_digest() {
        let image = Image { name: "nginx".into(), new_tag: Some("2".into()), ..Image::default() };
        let mut n = Node::string("nginx:1@sha256:abc");
        update(&mut n, &image).unwrap();
        assert_eq!(n.as_str(), Some("nginx:2"));
        let image = Image { name: "nginx".into(), new_name: Some("r/x".into()), ..Image::default() };
        let mut n = Node::string("nginx:1");
        update(&mut n, &image).unwrap();
        assert_eq!(n.as_str(), Some("r/x:1"));
    }
}
