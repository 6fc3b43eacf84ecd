//! Key/value sources of configMapGenerator and secretGenerator: env files, literals and
//! files, parsed exactly as kustomize's `api/kv` does (env files first, then literals, then
//! files).

use crate::kustomize::error::Result;
use crate::kustomize::kustomization::GeneratorArgs;
use crate::kustomize::loader::Loader;

/// One generated key and its raw value bytes.
pub struct Pair {
    /// The key.
    pub key: String,
    /// The value (may be non-UTF-8 for file sources).
    pub value: Vec<u8>,
}

/// Collects the pairs of a generator, or a message saying what is wrong.
pub fn load_pairs(
    ldr: &Loader,
    args: &GeneratorArgs,
    referrer: &str,
    secret: bool,
) -> Result<Result<Vec<Pair>, String>> {
    let mut pairs = Vec::new();
    let mut envs = args.envs.clone();
    if !args.env.is_empty() {
        envs.push(args.env.clone());
    }
    for env in &envs {
        let bytes = ldr.read_file(env, referrer)?;
        match env_pairs(&bytes, secret) {
            Ok(p) => pairs.extend(p),
            Err(e) => return Ok(Err(format!("env file '{env}': {e}"))),
        }
    }
    for (i, lit) in args.literals.iter().enumerate() {
        let Some((k, v)) = lit.split_once('=') else {
            // A secretGenerator literal without `=` may be a bare secret: never echo it.
            return Ok(Err(if secret {
                format!(
                    "invalid literal source #{} (text not shown), expected key=value",
                    i + 1
                )
            } else {
                format!("invalid literal source {lit}, expected key=value")
            }));
        };
        pairs.push(Pair {
            key: k.to_string(),
            value: remove_quotes(v).as_bytes().to_vec(),
        });
    }
    for src in &args.files {
        let (key, path) = match parse_file_source(src) {
            Ok(kp) => kp,
            Err(e) => return Ok(Err(e)),
        };
        let value = ldr.read_file(&path, referrer)?;
        pairs.push(Pair { key, value });
    }
    Ok(Ok(pairs))
}

/// Strips one pair of matching surrounding quotes.
fn remove_quotes(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// `[key=]path`.
fn parse_file_source(source: &str) -> Result<(String, String), String> {
    let n = source.matches('=').count();
    if n == 0 {
        let base = source.trim_end_matches('/');
        let key = base.rsplit('/').next().unwrap_or(base);
        return Ok((key.to_string(), source.to_string()));
    }
    if n > 1 {
        return Err(format!(
            "source \"{source}\" key name or file path contains '='"
        ));
    }
    let (k, p) = source.split_once('=').unwrap_or_default();
    if k.is_empty() {
        return Err(format!(
            "missing key name for file path \"{p}\" in source \"{source}\""
        ));
    }
    if p.is_empty() {
        return Err(format!(
            "missing file path for key name \"{k}\" in source \"{source}\""
        ));
    }
    Ok((k.to_string(), p.to_string()))
}

fn is_env_var_name(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '-' || c == '.' || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

/// Pairs of an env file. A key without `=` gets an empty value, as in kustomize 5 (before
/// v5.0.0 kustomize read the build machine's environment there; the fixture
/// `configmap-generator-env-files` was recorded with `FLAG_ONLY` set, and stays empty).
fn env_pairs(bytes: &[u8], secret: bool) -> Result<Vec<Pair>, String> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(mut line) = std::str::from_utf8(raw) else {
            return Err(format!("line {} has invalid utf8 bytes", i + 1));
        };
        if i == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if !is_env_var_name(key) && secret && !line.contains('=') {
            // The whole line would be the "key": in a secret's env file it may be a value.
            return Err(format!(
                "line {}: not a KEY=VALUE line nor a valid environment variable name (text not shown)",
                i + 1
            ));
        }
        if !is_env_var_name(key) {
            return Err(format!(
                "line {}: \"{key}\" is not a valid environment variable name (must match [-._a-zA-Z][-._a-zA-Z0-9]*)",
                i + 1
            ));
        }
        out.push(Pair {
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
        });
    }
    Ok(out)
}

/// True when `k` is a valid ConfigMap/Secret key.
pub fn is_config_map_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k != "."
        && k != ".."
        && !k.starts_with("..")
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_rules() {
        let p = env_pairs(b"\xef\xbb\xbfA=1\n  # c\n\nB= x \nC\r\n", false).unwrap();
        let got: Vec<(String, String)> = p
            .into_iter()
            .map(|p| (p.key, String::from_utf8(p.value).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), " x ".into()),
                ("C".into(), "".into())
            ]
        );
    }

    #[test]
    fn literal_quotes_removed_once() {
        assert_eq!(remove_quotes("'a'"), "a");
        assert_eq!(remove_quotes("\"'a'\""), "'a'");
        assert_eq!(remove_quotes("'a\""), "'a\"");
    }

    #[test]
    fn file_sources() {
        assert_eq!(
            parse_file_source("dir/app.conf").unwrap(),
            ("app.conf".into(), "dir/app.conf".into())
        );
        assert_eq!(
            parse_file_source("k=dir/app.conf").unwrap(),
            ("k".into(), "dir/app.conf".into())
        );
        assert!(parse_file_source("=x").is_err());
        assert!(parse_file_source("a=b=c").is_err());
    }
}
