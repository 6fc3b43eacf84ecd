//! Patch and replacement targets (kustomize's `types.Selector`): group, version, kind,
//! name and namespace as anchored regular expressions, plus Kubernetes label and
//! annotation selectors. A resource matches when its original or current name and
//! namespace match.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Deserialize;

use crate::resource::Resource;

/// A target selector as written in a kustomization.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Selector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub label_selector: String,
    #[serde(default)]
    pub annotation_selector: String,
}

/// One requirement of a Kubernetes label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label (or annotation) selector: all requirements must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Requirement>);

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn set_values(rest: &str, text: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("invalid selector '{text}': expected '(' values ')'"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    /// Parses Kubernetes selector syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        if text.trim().is_empty() {
            return Ok(LabelSelector(reqs));
        }
        for part in split_top_level(text) {
            let p = part.trim();
            if p.is_empty() {
                return Err(format!("invalid selector '{text}': empty requirement"));
            }
            let words: Vec<&str> = p.splitn(2, char::is_whitespace).collect();
            let req = if let Some(key) = p.strip_prefix('!') {
                Requirement::NotExists(key.trim().to_string())
            } else if let Some((k, v)) = p.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==") {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once('=') {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if words.len() == 2 && words[1].trim_start().starts_with("notin") {
                let rest = &words[1].trim_start()["notin".len()..];
                Requirement::NotIn(words[0].into(), set_values(rest, text)?)
            } else if words.len() == 2 && words[1].trim_start().starts_with("in") {
                let rest = &words[1].trim_start()["in".len()..];
                Requirement::In(words[0].into(), set_values(rest, text)?)
            } else if words.len() == 1 {
                Requirement::Exists(p.to_string())
            } else {
                return Err(format!("invalid selector '{text}': cannot parse '{p}'"));
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
        })
    }
}

/// A compiled selector.
#[derive(Debug)]
pub struct Matcher {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: LabelSelector,
    annotations: LabelSelector,
}

fn anchored(p: &str) -> Result<Option<Regex>, String> {
    if p.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{p})$"))
        .map(Some)
        .map_err(|e| format!("invalid target pattern '{p}': {e}"))
}

fn is_match(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(s))
}

impl Matcher {
    /// Compiles a selector.
    pub fn new(s: &Selector) -> Result<Matcher, String> {
        Ok(Matcher {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: LabelSelector::parse(&s.label_selector)?,
            annotations: LabelSelector::parse(&s.annotation_selector)?,
        })
    }

    /// kustomize's `ResMap.Select` test for one resource.
    pub fn selects(&self, r: &Resource) -> bool {
        let (cur, org) = (r.cur_id(), r.org_id());
        let gvk = r.gvk();
        (is_match(&self.namespace, org.effective_namespace())
            || is_match(&self.namespace, cur.effective_namespace()))
            && (is_match(&self.name, &org.name) || is_match(&self.name, &cur.name))
            && is_match(&self.group, &gvk.group)
            && is_match(&self.version, &gvk.version)
            && is_match(&self.kind, &gvk.kind)
            && self
                .labels
                .matches(&r.string_map("labels").into_iter().collect())
            && self
                .annotations
                .matches(&r.string_map("annotations").into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selector_syntax() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("app in (web, api)", true),
            ("app notin (web)", false),
            ("tier", true),
            ("!tier", false),
            ("!missing", true),
            ("missing notin (x)", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&l),
                want,
                "{sel}"
            );
        }
        assert!(LabelSelector::parse("app in web").is_err());
    }

    #[test]
    fn patterns_are_anchored() {
        let m = Matcher::new(&Selector {
            name: "web".into(),
            ..Selector::default()
        })
        .unwrap();
        let r = Resource::new(
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-2"}}),
            "",
        );
        assert!(!m.selects(&r));
    }
}
