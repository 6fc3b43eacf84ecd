//! Argo CD's plugin discovery, emulated (Argo CD v3.5.1 `util/app/discovery` and the
//! cmp-server's `MatchRepository` in `cmpserver/plugin`): which sidecar renders an
//! Application, from plugin.yaml and the application's files. The rules:
//!
//! - a sidecar listens on `<metadata.name>.sock`, or `<metadata.name>-<spec.version>.sock`
//!   when `spec.version` is set; an Application's `spec.source.plugin.name` names the
//!   socket without `.sock`;
//! - discovery is configured when `discover.fileName`, `discover.find.glob` or
//!   `discover.find.command` is set; it matches, first of those that is set: a Go
//!   `filepath.Glob` of `fileName` in the app directory, a glob with `**` of `find.glob`,
//!   or `find.command` run in the app directory printing anything;
//! - a named plugin is used when its discovery is not configured, or is configured and
//!   matches; a named plugin whose discovery is configured and does not match is an error;
//! - without a name, the first socket (directory order) whose configured discovery
//!   matches is used; plugins without discovery are never picked; none: Argo CD falls back
//!   to its built-in tools (kustomize, Helm, directory).
//!
//! The README's documented ways of selecting rollpin are checked against these rules.

use std::path::{Path, PathBuf};

use rollpin::yaml::{Schema, parse_stream};
use serde_json::Value;

use crate::util::manifest_dir;

/// What discovery reads of a ConfigManagementPlugin.
struct PluginConfig {
    name: String,
    version: String,
    file_name: String,
    find_glob: String,
    find_command: Vec<String>,
}

impl PluginConfig {
    fn parse(text: &str) -> PluginConfig {
        let v = &parse_stream(text, Schema::Kyaml).expect("plugin.yaml parses")[0].value;
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut find_command: Vec<String> = ["command", "args"]
            .iter()
            .flat_map(|k| {
                v.pointer(&format!("/spec/discover/find/{k}"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        if v.pointer("/spec/discover/find/command").is_none() {
            find_command.clear();
        }
        PluginConfig {
            name: s("/metadata/name"),
            version: s("/spec/version"),
            file_name: s("/spec/discover/fileName"),
            find_glob: s("/spec/discover/find/glob"),
            find_command,
        }
    }

    fn repo_plugin() -> PluginConfig {
        let text =
            std::fs::read_to_string(manifest_dir().join("plugin.yaml")).expect("plugin.yaml");
        PluginConfig::parse(&text)
    }

    /// The socket file the sidecar listens on.
    fn socket(&self) -> String {
        if self.version.is_empty() {
            format!("{}.sock", self.name)
        } else {
            format!("{}-{}.sock", self.name, self.version)
        }
    }

    fn discovery_configured(&self) -> bool {
        !self.file_name.is_empty() || !self.find_glob.is_empty() || !self.find_command.is_empty()
    }

    /// The cmp-server's `matchRepository`: (supported, discovery enabled).
    fn match_repository(&self, app: &Path) -> Result<(bool, bool), String> {
        if !self.file_name.is_empty() {
            return Ok((!glob(app, &self.file_name, false).is_empty(), true));
        }
        if !self.find_glob.is_empty() {
            return Ok((!glob(app, &self.find_glob, true).is_empty(), true));
        }
        if !self.find_command.is_empty() {
            let out = std::process::Command::new(&self.find_command[0])
                .args(&self.find_command[1..])
                .current_dir(app)
                .output()
                .map_err(|e| format!("error running find command: {e}"))?;
            if !out.status.success() {
                return Err("error running find command".into());
            }
            return Ok((!out.stdout.is_empty(), true));
        }
        Ok((false, false))
    }
}

/// Go's `filepath.Match` for one path element: `*`, `?`, `[…]` (with `^` negation and
/// ranges), `\` escapes; `*` matches names starting with a dot too.
fn element_match(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.first() {
        None => name.is_empty(),
        Some(b'*') => (0..=name.len()).any(|i| element_match(&pattern[1..], &name[i..])),
        Some(b'?') => !name.is_empty() && element_match(&pattern[1..], &name[1..]),
        Some(b'[') => {
            let Some(end) = pattern.iter().position(|&b| b == b']') else {
                return false;
            };
            let (class, rest) = (&pattern[1..end], &pattern[end + 1..]);
            let Some(&c) = name.first() else { return false };
            let (negate, class) = match class.first() {
                Some(b'^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && element_match(rest, &name[1..])
        }
        Some(b'\\') if pattern.len() > 1 => {
            name.first() == Some(&pattern[1]) && element_match(&pattern[2..], &name[1..])
        }
        Some(&p) => name.first() == Some(&p) && element_match(&pattern[1..], &name[1..]),
    }
}

/// The files and directories under `dir` matching the `/`-separated `pattern`; with
/// `double_star`, a `**` element matches any number of directories (zglob).
fn glob(dir: &Path, pattern: &str, double_star: bool) -> Vec<PathBuf> {
    let elements: Vec<&str> = pattern.split('/').filter(|e| !e.is_empty()).collect();
    let mut out = Vec::new();
    walk(dir, &elements, double_star, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, elements: &[&str], double_star: bool, out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = elements.split_first() else {
        out.push(dir.to_path_buf());
        return;
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    if double_star && *first == "**" {
        walk(dir, rest, double_star, out);
        for e in entries.iter().filter(|e| e.is_dir()) {
            walk(e, elements, double_star, out);
        }
        return;
    }
    for e in entries {
        let name = e
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if element_match(first.as_bytes(), name.as_bytes()) && (rest.is_empty() || e.is_dir()) {
            walk(&e, rest, double_star, out);
        }
    }
}

/// `DetectConfigManagementPlugin`: the socket Argo CD renders the app in `app` with, or
/// its error, for sidecars `plugins` and the Application's `plugin.name` (empty: none).
fn detect(plugins: &[PluginConfig], plugin_name: &str, app: &Path) -> Result<String, String> {
    if !plugin_name.is_empty() {
        let socket = format!("{plugin_name}.sock");
        let Some(p) = plugins.iter().find(|p| p.socket() == socket) else {
            return Err(format!(
                "could not find cmp-server plugin with name {plugin_name:?} supporting the \
                 given repository: error dialing to cmp-server for plugin {socket}"
            ));
        };
        if !p.discovery_configured() {
            return Ok(socket);
        }
        let (supported, enabled) = p.match_repository(app)?;
        if supported || !enabled {
            return Ok(socket);
        }
        return Err(format!(
            "could not find cmp-server plugin with name {plugin_name:?} supporting the given \
             repository"
        ));
    }
    let mut sockets: Vec<&PluginConfig> = plugins.iter().collect();
    sockets.sort_by_key(|p| p.socket());
    for p in sockets {
        if p.discovery_configured() && p.match_repository(app)?.0 {
            return Ok(p.socket());
        }
    }
    Err("could not find plugin supporting the given repository".into())
}

/// The Applications in the README's YAML examples that use a plugin: (source path,
/// `plugin.name`).
fn readme_plugin_applications() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).expect("README");
    let mut apps = Vec::new();
    for block in readme.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap_or("");
        let Ok(docs) = parse_stream(body, Schema::Kyaml) else {
            continue;
        };
        for d in docs {
            let source = &d.value["spec"]["source"];
            if source.get("plugin").is_some() {
                let s = |v: &Value| v.as_str().unwrap_or("").to_string();
                apps.push((s(&source["path"]), s(&source["plugin"]["name"])));
            }
        }
    }
    apps
}

#[test]
fn readme_applications_are_rendered_by_rollpin() {
    let apps = readme_plugin_applications();
    assert!(
        !apps.is_empty(),
        "the README shows an Application using the plugin"
    );
    let plugin = PluginConfig::repo_plugin();
    for (path, name) in apps {
        let app = manifest_dir().join("examples").join(&path);
        assert!(
            app.is_dir(),
            "the README's example path {path} is in examples/"
        );
        assert_eq!(
            detect(std::slice::from_ref(&plugin), &name, &app),
            Ok(plugin.socket()),
            "README Application (path {path}, plugin name {name:?})"
        );
    }
}

#[test]
fn plugin_name_is_rollpin_and_apps_without_the_marker_keep_kustomize() {
    let plugin = PluginConfig::repo_plugin();
    assert_eq!(
        plugin.socket(),
        "rollpin.sock",
        "README names the plugin `rollpin`"
    );
    assert!(plugin.discovery_configured());
    let examples = manifest_dir().join("examples");
    // The marker file alone selects rollpin.
    let plugins = [plugin];
    let prod = examples.join("overlays/production");
    assert!(prod.join(".rollpin").is_file());
    assert_eq!(detect(&plugins, "", &prod), Ok("rollpin.sock".into()));
    // An app without it is not discovered: Argo CD's built-in kustomize renders it.
    let base = examples.join("base");
    assert!(!base.join(".rollpin").exists());
    assert_eq!(
        detect(&plugins, "", &base),
        Err("could not find plugin supporting the given repository".into())
    );
    // Naming the plugin does not override its discovery (the README says so).
    let err = detect(&plugins, "rollpin", &base).expect_err("refused");
    assert_eq!(
        err,
        "could not find cmp-server plugin with name \"rollpin\" supporting the given repository"
    );
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).expect("README");
    assert!(
        readme.contains(&err),
        "the README quotes Argo CD's error: {err}"
    );
}

#[test]
fn discovery_rules_as_argocd_applies_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("deep/er")).expect("mkdir");
    std::fs::write(app.join("deep/er/values.rollpin.yaml"), "").expect("write");
    std::fs::write(app.join("kustomization.yaml"), "").expect("write");
    let config = |extra: &str| {
        PluginConfig::parse(&format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata:\n  \
             name: p\nspec:\n  generate:\n    command: [x]\n{extra}"
        ))
    };
    // spec.version: the name becomes <name>-<version>.
    let versioned = config("  version: v1.0\n");
    assert_eq!(versioned.socket(), "p-v1.0.sock");
    assert!(detect(std::slice::from_ref(&versioned), "p", &app).is_err());
    assert_eq!(
        detect(std::slice::from_ref(&versioned), "p-v1.0", &app),
        Ok("p-v1.0.sock".into())
    );
    // No discovery: only by name.
    assert_eq!(
        detect(std::slice::from_ref(&versioned), "", &app),
        Err("could not find plugin supporting the given repository".into())
    );
    // fileName is a glob in the app directory only; find.glob recurses with **.
    for (extra, matches) in [
        ("  discover:\n    fileName: kustomization.yaml\n", true),
        ("  discover:\n    fileName: \"kustomization.y?ml\"\n", true),
        ("  discover:\n    fileName: \"*.rollpin.yaml\"\n", false),
        (
            "  discover:\n    fileName: \"deep/*/*.rollpin.yaml\"\n",
            true,
        ),
        (
            "  discover:\n    find:\n      glob: \"**/*.rollpin.yaml\"\n",
            true,
        ),
        (
            "  discover:\n    find:\n      glob: \"**/[a-c]*.yaml\"\n",
            false,
        ),
        (
            "  discover:\n    find:\n      command: [sh, -c, \"echo found\"]\n",
            true,
        ),
        (
            "  discover:\n    find:\n      command: [sh, -c, \"true\"]\n",
            false,
        ),
    ] {
        let p = config(extra);
        assert!(p.discovery_configured(), "{extra}");
        let want = if matches {
            Ok("p.sock".to_string())
        } else {
            Err(())
        };
        assert_eq!(
            detect(std::slice::from_ref(&p), "", &app).map_err(|_| ()),
            want,
            "{extra}"
        );
        // Named: the same answer (a configured discovery must still match).
        assert_eq!(
            detect(std::slice::from_ref(&p), "p", &app).map_err(|_| ()),
            want,
            "named, {extra}"
        );
    }
}
