//! `${VAR}` substitution in Argo CD's kustomize options, as Argo CD's `Env.Envsubst` does
//! it (Go's `os.Expand` over the build environment, `$$` for a literal `$`): images and
//! commonLabels always, commonAnnotations when `commonAnnotationsEnvsubst` is set.

use std::collections::BTreeMap;

/// The variables Argo CD's repo-server gives its built-in kustomize build (`newEnv`), the
/// ones `${…}` may name; the CMP sidecar receives the same.
pub const BUILD_ENV_NAMES: [&str; 9] = [
    "ARGOCD_APP_NAME",
    "ARGOCD_APP_NAMESPACE",
    "ARGOCD_APP_PROJECT_NAME",
    "ARGOCD_APP_REVISION",
    "ARGOCD_APP_REVISION_SHORT",
    "ARGOCD_APP_REVISION_SHORT_8",
    "ARGOCD_APP_SOURCE_REPO_URL",
    "ARGOCD_APP_SOURCE_PATH",
    "ARGOCD_APP_SOURCE_TARGET_REVISION",
];

fn is_special(b: u8) -> bool {
    matches!(b, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || b.is_ascii_digit()
}

fn is_name_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// The variable name after a `$` and how many bytes it spans (`os.Expand`'s
/// `getShellName`): `("", n > 0)` is bad syntax, eaten; `("", 0)` leaves the `$`.
fn shell_name(s: &[u8]) -> (&[u8], usize) {
    if s[0] == b'{' {
        if s.len() > 2 && is_special(s[1]) && s[2] == b'}' {
            return (&s[1..2], 3);
        }
        return match s.iter().skip(1).position(|&b| b == b'}') {
            Some(0) => (&[], 2),
            Some(i) => (&s[1..=i], i + 2),
            None => (&[], 1),
        };
    }
    if is_special(s[0]) {
        return (&s[..1], 1);
    }
    let n = s.iter().take_while(|&&b| is_name_byte(b)).count();
    (&s[..n], n)
}

/// Replaces `$VAR` and `${VAR}` with the variable's value in `env` (unset: empty), `$$`
/// with `$`.
pub fn envsubst(s: &str, env: &BTreeMap<String, String>) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let (mut i, mut j) = (0, 0);
    while j < b.len() {
        if b[j] == b'$' && j + 1 < b.len() {
            out.extend_from_slice(&b[i..j]);
            let (name, w) = shell_name(&b[j + 1..]);
            if name.is_empty() && w == 0 {
                out.push(b'$');
            } else if !name.is_empty() {
                let name = String::from_utf8_lossy(name);
                if name == "$" {
                    out.push(b'$');
                } else if let Some(v) = env.get(name.as_ref()) {
                    out.extend_from_slice(v.as_bytes());
                }
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.extend_from_slice(&b[i.min(b.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_as_go_os_expand() {
        let env: BTreeMap<String, String> = [
            ("ARGOCD_APP_REVISION", "5e2d1f0"),
            ("ARGOCD_APP_NAME", "shop"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (input, want) in [
            ("web:${ARGOCD_APP_REVISION}", "web:5e2d1f0"),
            ("$ARGOCD_APP_NAME-x", "shop-x"),
            ("a$$b", "a$b"),
            ("${UNSET}z", "z"),
            ("cost: 5$", "cost: 5$"),
            ("$ x", "$ x"),
            ("${}y", "y"),
            ("${open", "open"),
            ("plain", "plain"),
            ("é${ARGOCD_APP_NAME}é", "éshopé"),
        ] {
            assert_eq!(envsubst(input, &env), want, "{input}");
        }
    }
}
