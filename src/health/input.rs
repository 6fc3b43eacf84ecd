//! Reading objects to assess: YAML streams (read as kustomize reads resources, except that a
//! duplicate mapping key is accepted with the last value winning, as Argo CD's decoder does:
//! [`crate::yaml::Schema::ArgoCdObjects`]), JSON documents (one or several in a row, as `kubectl
//! get -o json` prints them), and lists (`kind: List`, or `<Kind>List` with `items`) —
//! flattened. Every object must be a mapping with a `kind`; anything else is an error that
//! names the file and the document's line.

use serde_json::Value;

/// Where an object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for stdin).
    pub file: String,
    /// 1-based line where its document starts.
    pub line: usize,
    /// The index path inside lists (`items[3]`), empty for a top-level document.
    pub item: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: document at line {}", self.file, self.line)?;
        if !self.item.is_empty() {
            write!(f, ", {}", self.item)?;
        }
        Ok(())
    }
}

/// An object read from the input.
#[derive(Debug, Clone)]
pub struct InputObject {
    /// The object.
    pub value: Value,
    /// Where it came from.
    pub origin: Origin,
}

/// Input that cannot be assessed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read {file}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid YAML.
    #[error("{file}: line {line}: {message}")]
    Yaml {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// Not valid JSON.
    #[error("{file}: {message}")]
    Json {
        /// The file.
        file: String,
        /// serde_json's message, with line and column.
        message: String,
    },
    /// A document (or list item) that is not a Kubernetes object.
    #[error("{origin}: {problem}")]
    NotAnObject {
        /// Where.
        origin: Origin,
        /// What is wrong (`not a mapping (found a list)`, `no kind`).
        problem: String,
    },
}

/// The objects in `text`, read from `file`.
pub fn read_objects(file: &str, text: &str) -> Result<Vec<InputObject>, InputError> {
    let mut out = Vec::new();
    for (line, value) in documents(file, text)? {
        let origin = Origin {
            file: file.to_string(),
            line,
            item: String::new(),
        };
        push_object(value, origin, &mut out)?;
    }
    Ok(out)
}

/// The documents of a stream with their first lines.
fn documents(file: &str, text: &str) -> Result<Vec<(usize, Value)>, InputError> {
    let body = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if body.starts_with('{') || body.starts_with('[') {
        let mut docs = Vec::new();
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        loop {
            let start = stream.byte_offset();
            match stream.next() {
                None => break,
                Some(Ok(v)) => {
                    let skipped = text[start..]
                        .find(|c: char| !c.is_whitespace())
                        .unwrap_or(0);
                    docs.push((line_of(text, start + skipped), v));
                }
                Some(Err(e)) => {
                    return Err(InputError::Json {
                        file: file.to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        return Ok(docs);
    }
    let docs =
        crate::yaml::parse_stream(text, crate::yaml::Schema::ArgoCdObjects).map_err(|e| {
            InputError::Yaml {
                file: file.to_string(),
                line: e.line,
                message: e.message.clone(),
            }
        })?;
    Ok(docs.into_iter().map(|d| (d.line, d.value)).collect())
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// What a JSON value is, for messages.
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Checks one object and appends it, or the items of a list.
fn push_object(value: Value, origin: Origin, out: &mut Vec<InputObject>) -> Result<(), InputError> {
    let bad = |origin: &Origin, problem: String| InputError::NotAnObject {
        origin: origin.clone(),
        problem,
    };
    let Some(map) = value.as_object() else {
        return Err(bad(
            &origin,
            format!(
                "not a Kubernetes object: expected a mapping, found {}",
                describe(&value)
            ),
        ));
    };
    let kind = match map.get("kind") {
        None => {
            return Err(bad(
                &origin,
                "no kind: every object needs `kind` (and `apiVersion`)".into(),
            ));
        }
        Some(Value::String(k)) if k.is_empty() => {
            return Err(bad(&origin, "no kind: `kind` is empty".into()));
        }
        Some(Value::String(k)) => k.as_str(),
        Some(other) => {
            return Err(bad(
                &origin,
                format!("`kind` must be a string, found {}", describe(other)),
            ));
        }
    };
    let is_list =
        kind == "List" || (kind.ends_with("List") && map.get("items").is_some_and(Value::is_array));
    if !is_list {
        out.push(InputObject { value, origin });
        return Ok(());
    }
    let items = match map.get("items") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(bad(
                &origin,
                format!(
                    "`items` of a {kind} must be a list, found {}",
                    describe(other)
                ),
            ));
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        let item_path = if origin.item.is_empty() {
            format!("items[{i}]")
        } else {
            format!("{}.items[{i}]", origin.item)
        };
        let origin = Origin {
            item: item_path,
            ..origin.clone()
        };
        push_object(item, origin, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_take_the_last_value_as_argo_cd_does() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nstatus:\n  phase: Pending\nstatus:\n  phase: Running\n";
        let json = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"}}"#;
        for text in [yaml, json] {
            let objs = read_objects("f", text).unwrap_or_default();
            assert_eq!(objs.len(), 1, "{text}");
            assert_eq!(objs[0].value["metadata"]["name"], "b");
        }
        let objs = read_objects("f", yaml).unwrap_or_default();
        assert_eq!(objs[0].value["status"]["phase"], "Running");
        // Render keeps refusing them, as kustomize does.
        let render = crate::yaml::parse_stream(yaml, crate::yaml::Schema::Kyaml);
        assert!(render.is_err_and(|e| e.message.contains("already defined")));
    }

    fn kinds(text: &str) -> Result<Vec<(String, usize, String)>, String> {
        read_objects("f.yaml", text)
            .map(|objs| {
                objs.into_iter()
                    .map(|o| {
                        let k = o.value["kind"].as_str().unwrap_or_default().to_string();
                        (k, o.origin.line, o.origin.item)
                    })
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_yaml_json_and_lists() {
        assert_eq!(
            kinds("kind: A\n---\nkind: B\n"),
            Ok(vec![
                ("A".into(), 1, String::new()),
                ("B".into(), 3, String::new())
            ])
        );
        assert_eq!(
            kinds("apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n"),
            Ok(vec![
                ("A".into(), 1, "items[0]".into()),
                ("B".into(), 1, "items[1]".into())
            ])
        );
        assert_eq!(
            kinds("{\"kind\": \"A\"}\n\n{\n  \"kind\": \"B\"\n}\n"),
            Ok(vec![
                ("A".into(), 1, String::new()),
                ("B".into(), 3, String::new())
            ])
        );
        assert_eq!(kinds("# nothing\n"), Ok(vec![]));
    }

    #[test]
    fn bad_input_names_file_and_document() {
        assert_eq!(
            kinds("kind: A\n---\n- 1\n"),
            Err("f.yaml: document at line 3: not a Kubernetes object: expected a mapping, found a list".into())
        );
        assert_eq!(
            kinds("kind: List\nitems:\n- kind: A\n- name: x\n"),
            Err("f.yaml: document at line 1, items[1]: no kind: every object needs `kind` (and `apiVersion`)".into())
        );
        assert_eq!(
            kinds("kind: 3\n"),
            Err("f.yaml: document at line 1: `kind` must be a string, found a number".into())
        );
        assert!(kinds("a: [\n").is_err_and(|e| e.starts_with("f.yaml: line ")));
        assert!(kinds("{\"kind\": ").is_err_and(|e| e.starts_with("f.yaml: EOF while parsing")));
        assert_eq!(
            kinds("just text\n"),
            Err("f.yaml: document at line 1: not a Kubernetes object: expected a mapping, found a string".into())
        );
    }
}
