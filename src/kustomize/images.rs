//! The `images:` transformer: rewrites container image references — name, tag, digest,
//! tag suffix — in every `containers`/`initContainers` list at any depth, then in the
//! image field specs, exactly as kustomize's two passes do (CRDs are left alone).

use regex::Regex;
use serde_json::Value;

use crate::kustomize::field_spec::{FieldSpec, walk};
use crate::kustomize::kustomization::Image;
use crate::resource::ResMap;

/// Splits `name[:tag][@digest]` as kustomize does (a `:` before the first `/` is a port).
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image, "", ""),
        (c, Some(d)) if c.is_none() || Some(d) < c => {
            let d = d + slash;
            (&image[..d], "", &image[d + 1..])
        }
        (Some(c), Some(d)) => {
            let (c, d) = (c + slash, d + slash);
            (&image[..c], &image[c + 1..d], &image[d + 1..])
        }
        (Some(c), None) => {
            let c = c + slash;
            (&image[..c], &image[c + 1..], "")
        }
        (None, Some(_)) => (image, "", ""),
    }
}

struct Updater<'a> {
    image: &'a Image,
    pattern: Regex,
}

impl Updater<'_> {
    fn update(&self, value: &mut Value) -> Result<(), String> {
        let Value::String(current) = value else {
            if value.is_null() {
                return Ok(());
            }
            return Err("image is not a string".into());
        };
        if !self.pattern.is_match(current) {
            return Ok(());
        }
        let (name, tag, digest) = split(current);
        let img = self.image;
        let name = if img.new_name.is_empty() {
            name
        } else {
            &img.new_name
        };
        let (tag, digest) = if !img.new_tag.is_empty() && !img.digest.is_empty() {
            (img.new_tag.clone(), img.digest.as_str())
        } else if !img.new_tag.is_empty() {
            (img.new_tag.clone(), "")
        } else if !img.digest.is_empty() {
            (String::new(), img.digest.as_str())
        } else if !img.tag_suffix.is_empty() {
            (format!("{tag}{}", img.tag_suffix), "")
        } else {
            (tag.to_string(), digest)
        };
        let mut out = name.to_string();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(&tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        *current = out;
        Ok(())
    }

    fn legacy_walk(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Object(m) => {
                for (key, v) in m.iter_mut() {
                    self.legacy_walk(v)?;
                    if (key == "containers" || key == "initContainers")
                        && let Value::Array(items) = v
                    {
                        for item in items {
                            if let Some(img) = item.as_object_mut().and_then(|o| o.get_mut("image"))
                            {
                                self.update(img)?;
                            }
                        }
                    }
                }
                Ok(())
            }
            Value::Array(items) => items.iter_mut().try_for_each(|i| self.legacy_walk(i)),
            _ => Ok(()),
        }
    }
}

/// Applies one `images:` entry to every resource.
pub fn apply(rm: &mut ResMap, image: &Image, specs: &[FieldSpec]) -> Result<(), String> {
    let pattern = Regex::new(&format!(
        "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
        image.name
    ))
    .map_err(|e| format!("image name '{}' is not a valid pattern: {e}", image.name))?;
    let up = Updater { image, pattern };
    for res in &mut rm.resources {
        if res.kind() == "CustomResourceDefinition" {
            continue;
        }
        let id = res.cur_id();
        up.legacy_walk(&mut res.obj)
            .map_err(|e| format!("updating images of {id}: {e}"))?;
        let gvk = res.gvk();
        for fs in specs.iter().filter(|fs| fs.selects(&gvk)) {
            walk(&mut res.obj, &fs.segments(), None, &mut |node| {
                up.update(node)
            })
            .map_err(|e| format!("considering field '{}' of object {id}: {e}", fs.path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("reg:5000/app:v1"), ("reg:5000/app", "v1", ""));
        assert_eq!(split("app@sha256:abc"), ("app", "", "sha256:abc"));
        assert_eq!(split("app:v1@sha256:abc"), ("app", "v1", "sha256:abc"));
    }
}
