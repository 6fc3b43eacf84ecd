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
    /// Where the key was written (`env file 'a.env' line 3`, `literal #2`, `files source 'k=f'`).
    pub source: String,
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
            Ok(p) => pairs.extend(p.into_iter().map(|mut p| {
                p.source = format!("env file '{env}' {}", p.source);
                p
            })),
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
            source: format!("literal #{}", i + 1),
        });
    }
    for src in &args.files {
        let (key, path) = match parse_file_source(src) {
            Ok(kp) => kp,
            Err(e) => return Ok(Err(e)),
        };
        let value = ldr.read_file(&path, referrer)?;
        pairs.push(Pair {
            key,
            value,
            source: format!("files source '{src}'"),
        });
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

/// Pairs of an env file, read as kustomize 5.5 does: leading whitespace trimmed, `#`
/// comments and blank lines skipped, the key is the text before the first `=` (unchecked:
/// `export X`, `1abc`, `key ` are keys), a line with an empty key is skipped. A key without
/// `=` gets an empty value, as in kustomize 5 (before v5.0.0 kustomize read the build
/// machine's environment there; the fixture `configmap-generator-env-files` was recorded
/// with `FLAG_ONLY` set, and stays empty).
///
/// In a secret's env file, a line without `=` that is not an environment variable name is
/// refused (kustomize makes the whole line a key, printed in clear): it is most likely a
/// value pasted without its key (DIVERGENCES.md).
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
        if secret && !line.contains('=') && !is_env_var_name(key) {
            return Err(format!(
                "line {}: not a KEY=VALUE line nor a valid environment variable name (text not shown)",
                i + 1
            ));
        }
        if key.is_empty() {
            continue;
        }
        out.push(Pair {
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
            source: format!("line {}", i + 1),
        });
    }
    Ok(out)
}

fn is_env_var_name(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '-' || c == '.' || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

/// Why kustomize 5.5 fails on a generated key, if it does: kyaml writes the key unquoted
/// and reads the object back, so a key that reads as a number, boolean, null or timestamp
/// (`9000`, `true`, `1.5`, `0x1F`, `~`) makes a non-string map key, which the JSON
/// conversion refuses.
pub fn key_problem(k: &str) -> Option<String> {
    key_reads_as_non_string(k, "data keys")
}

/// The error for a key kustomize writes unquoted that reads back as a non-string (`what`:
/// which keys must be strings), if it does.
pub fn key_reads_as_non_string(k: &str, what: &str) -> Option<String> {
    crate::yaml::plain_scalar_kind(k).map(|kind| {
        format!(
            "key \"{k}\" reads as {kind} in YAML, and kustomize fails on it ({what} must be strings); rename the key"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_rules() {
        let p = env_pairs(
            b"\xef\xbb\xbfA=1\n  # c\n\nB= x \nC\r\n=dropped\nexport X=2\n1abc =3\n",
            false,
        )
        .unwrap();
        let got: Vec<(String, String)> = p
            .into_iter()
            .map(|p| (p.key, String::from_utf8(p.value).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), " x ".into()),
                ("C".into(), "".into()),
                ("export X".into(), "2".into()),
                ("1abc ".into(), "3".into()),
            ]
        );
        assert!(env_pairs(b"some words\n", true).is_err());
        assert_eq!(
            env_pairs(b"some words\n", false).unwrap()[0].key,
            "some words"
        );
    }

    #[test]
    fn keys_that_read_as_other_yaml_types() {
        for k in [
            "9000",
            "true",
            "True",
            "1.5",
            "0x1F",
            "0o17",
            "~",
            "null",
            ".inf",
            "<<",
            "1_000",
            "2001-12-14",
        ] {
            assert!(key_problem(k).is_some(), "{k}");
        }
        for k in [
            "yes", "on", "y", "1:20", "9000 ", " 9000", "export X", "a/b", "bad key!", "nan", "0b",
        ] {
            assert!(key_problem(k).is_none(), "{k}");
        }
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
