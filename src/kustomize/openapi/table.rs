//! Parser of the generated table format (`merge_keys.txt`), the compact form of the built-in
//! schema. The grammar is documented in `scripts/gen_openapi_table.py`:
//!
//! ```text
//! N <alias> <namespace|->                         definition-name prefixes
//! K <apiVersion> <kind> <@NAME|-> <n|c|->         kinds: root definition, namespace scope
//! D <NAME> <property>=<expr> ...                  definitions
//! expr := ['(' strategy '|' key '|' ['+' k1,k2] ')'] ('.' | '@' NAME | '*' [expr] | '%' expr)
//! NAME := alias ':' rest
//! ```

use std::collections::{BTreeMap, HashMap};

use super::{KindInfo, Link, Node, PatchMeta, Schema};

/// Parses the table; errors name the line.
pub(super) fn parse(text: &str) -> Result<Schema, String> {
    let lines: Vec<(usize, Vec<&str>)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split(' ').collect()))
        .collect();

    // Pass 1: aliases and one node per definition.
    let mut aliases: HashMap<&str, &str> = HashMap::new();
    let mut schema = Schema::default();
    for (no, words) in &lines {
        match (words[0], words.len()) {
            ("N", 3) => {
                let ns = if words[2] == "-" { "" } else { words[2] };
                aliases.insert(words[1], ns);
            }
            ("D", n) if n >= 2 => {
                let name = full_name(&aliases, words[1]).map_err(|e| at(*no, e))?;
                let index = schema.nodes.len();
                schema.nodes.push(Node::default());
                schema.definitions.insert(name, index);
            }
            ("K", 5) => {}
            _ => return Err(at(*no, "malformed line".to_string())),
        }
    }

    // Pass 2: kinds and definition bodies.
    let defs = schema.definitions.clone();
    let mut parser = ExprParser {
        aliases: &aliases,
        definitions: &defs,
        nodes: &mut schema.nodes,
    };
    let mut kinds = HashMap::new();
    for (no, words) in &lines {
        match words[0] {
            "K" => {
                let [_, api_version, kind, root, scope] = words[..] else {
                    continue; // checked in pass 1
                };
                let root = match root {
                    "-" => None,
                    r => match parser.reference(r.strip_prefix('@').unwrap_or(r)) {
                        Ok(Link::Node(n)) => Some(n),
                        Ok(Link::Missing) => None,
                        Err(e) => return Err(at(*no, e)),
                    },
                };
                let namespaced = match scope {
                    "n" => Some(true),
                    "c" => Some(false),
                    "-" => None,
                    other => return Err(at(*no, format!("bad scope {other:?}"))),
                };
                kinds.insert(
                    (api_version.to_string(), kind.to_string()),
                    KindInfo { root, namespaced },
                );
            }
            "D" => {
                let name = full_name(&aliases, words[1]).map_err(|e| at(*no, e))?;
                let index = *defs
                    .get(&name)
                    .ok_or_else(|| at(*no, format!("unknown definition {name:?}")))?;
                let mut properties = Vec::new();
                for word in &words[2..] {
                    let (prop, expr) = word
                        .split_once('=')
                        .ok_or_else(|| at(*no, format!("property {word:?} has no '='")))?;
                    let link = parser.expr(expr).map_err(|e| at(*no, e))?;
                    properties.push((prop.to_string(), link));
                }
                properties.sort_by(|a, b| a.0.cmp(&b.0));
                parser.nodes[index].properties = properties;
            }
            _ => {}
        }
    }
    schema.kinds = kinds;
    Ok(schema)
}

fn at(line: usize, msg: String) -> String {
    format!("line {line}: {msg}")
}

fn full_name(aliases: &HashMap<&str, &str>, short: &str) -> Result<String, String> {
    let (alias, rest) = short
        .split_once(':')
        .ok_or_else(|| format!("definition name {short:?} has no alias"))?;
    match aliases.get(alias).copied() {
        Some("") => Ok(rest.to_string()),
        Some(ns) => Ok(format!("{ns}.{rest}")),
        None => Err(format!("unknown alias {alias:?}")),
    }
}

struct ExprParser<'p> {
    aliases: &'p HashMap<&'p str, &'p str>,
    definitions: &'p BTreeMap<String, usize>,
    nodes: &'p mut Vec<Node>,
}

impl ExprParser<'_> {
    fn reference(&self, short: &str) -> Result<Link, String> {
        let name = full_name(self.aliases, short)?;
        Ok(self
            .definitions
            .get(&name)
            .map_or(Link::Missing, |&n| Link::Node(n)))
    }

    /// Parses a whole expression into a link (a new inline node unless it is a reference).
    fn expr(&mut self, text: &str) -> Result<Link, String> {
        let (link, rest) = self.parse(text)?;
        if rest.is_empty() {
            Ok(link)
        } else {
            Err(format!("trailing {rest:?} in {text:?}"))
        }
    }

    fn parse<'t>(&mut self, text: &'t str) -> Result<(Link, &'t str), String> {
        let (patch, text) = match text.strip_prefix('(') {
            Some(inner) => {
                let (ann, rest) = inner
                    .split_once(')')
                    .ok_or_else(|| format!("unclosed annotation in {text:?}"))?;
                (Some(annotation(ann)?), rest)
            }
            None => (None, text),
        };
        let mut node = Node {
            patch,
            ..Node::default()
        };
        let rest = match text.chars().next() {
            Some('@') if node.patch.is_none() => return Ok((self.reference(&text[1..])?, "")),
            Some('.') => &text[1..],
            Some('*') => {
                let rest = &text[1..];
                if rest.is_empty() {
                    rest
                } else {
                    let (items, rest) = self.parse(rest)?;
                    node.items = Some(items);
                    rest
                }
            }
            Some('%') => {
                let (value, rest) = self.parse(&text[1..])?;
                node.additional = Some(value);
                rest
            }
            _ => return Err(format!("bad expression {text:?}")),
        };
        self.nodes.push(node);
        Ok((Link::Node(self.nodes.len() - 1), rest))
    }
}

fn annotation(text: &str) -> Result<PatchMeta, String> {
    let mut parts = text.split('|');
    let (Some(strategy), Some(key), Some(keys), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("bad annotation {text:?}"));
    };
    let map_keys = keys.strip_prefix('+').map(|list| {
        list.split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    });
    Ok(PatchMeta {
        strategy: strategy.to_string(),
        merge_key: (!key.is_empty()).then(|| key.to_string()),
        map_keys,
    })
}
