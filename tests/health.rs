//! `rollpin health`: every case under `fixtures/health/` (objects as `kubectl get -o yaml`
//! shows them, each with the status and message Argo CD — or, for rollpin's own kinds and
//! rules, the README — gives), and the CLI's behaviour (table, JSON, exit codes, errors).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rollpin::health::{Assessor, HealthStatus, RuleSet, Timestamp};
use serde_json::Value;

mod common;
use common::{FIXTURE_NOW, fixtures_root, read_yaml, run_suites};

fn timestamp(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("bad time {s}: {e}"))
}

/// One fixture case's outcome: `Err` describes a mismatch.
fn run_case(dir: &Path, case: &Value) -> Result<(), String> {
    let input = case["inputPath"].as_str().ok_or("case without inputPath")?;
    let docs = read_yaml(&dir.join(input));
    let [obj] = docs.as_slice() else {
        return Err(format!(
            "{input}: expected one document, found {}",
            docs.len()
        ));
    };
    let rules = match case.get("rules").and_then(Value::as_str) {
        None => RuleSet::default(),
        Some(rel) => {
            let path = dir.join(rel);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
            RuleSet::from_yaml(&text, rel).map_err(|e| e.to_string())?
        }
    };
    let now = timestamp(
        case.get("now")
            .and_then(Value::as_str)
            .unwrap_or(FIXTURE_NOW),
    );
    let got = Assessor::new(rules, now).assess(obj);
    // `healthStatus` is Argo CD's result; where rollpin knowingly differs, `rollpin` holds
    // rollpin's and `divergence` says why.
    let expected = match case.get("rollpin") {
        Some(r) => {
            if case
                .get("divergence")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(format!(
                    "{input}: a `rollpin` result needs a `divergence` note"
                ));
            }
            r
        }
        None => &case["healthStatus"],
    };
    let want: Option<HealthStatus> = match expected {
        Value::Null => None,
        h => Some(HealthStatus {
            status: h["status"]
                .as_str()
                .ok_or("healthStatus without status")?
                .parse()
                .map_err(|e| format!("{e}"))?,
            message: h["message"].as_str().unwrap_or("").to_string(),
        }),
    };
    if got == want {
        Ok(())
    } else {
        Err(format!("{input}:\n    want {want:?}\n    got  {got:?}"))
    }
}

#[test]
fn fixtures() {
    let (suites, total, failures) = run_suites(&fixtures_root(), run_case);
    println!(
        "health fixtures: {}/{total} pass in {suites} suites",
        total - failures.len(),
    );
    assert!(
        failures.is_empty(),
        "{} of {total} fixtures fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 120, "only {total} fixture cases");
}

// ---------------------------------------------------------------------------------------
// The CLI.

/// Runs `rollpin health` with `args`, feeding `stdin`.
fn health(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("health")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollpin");
    if let Some(mut input) = child.stdin.take() {
        // A usage error exits before reading stdin: a broken pipe is fine then.
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait for rollpin")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failed run: exit 1, nothing on stdout, stderr holding every needle.
fn assert_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(
        o.stdout.is_empty(),
        "stdout must be empty on error: {}",
        stdout(o)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
}

const APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
spec: {restartPolicy: Always}
status:
  phase: Running
  containerStatuses:
  - name: app
    state: {waiting: {reason: CrashLoopBackOff, message: back-off restarting}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: shop
  annotations: {argocd.argoproj.io/hook: PreSync}
status: {active: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
status: {conditions: [{type: Established, status: "True"}]}
"#;

const TABLE: &str = "\
KIND                       NAMESPACE   NAME                  STATUS        MESSAGE
Deployment                 shop        web                   Healthy
Pod                        shop        web-1                 Degraded      back-off restarting
Job                        shop        migrate               Progressing   (not counted: hook)
ConfigMap                  shop        settings              -             (no health check)
CustomResourceDefinition   -           widgets.example.com   Healthy       CRD is healthy

Health: Degraded (3 counted: 2 Healthy, 1 Degraded; not counted: 1 hook, 1 no health check)
";

#[test]
fn table_lists_every_object_and_the_roll_up() {
    let o = health(&[], APP);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), TABLE);
    assert!(o.stderr.is_empty());
}

#[test]
fn dash_reads_stdin_and_files_are_read_in_order() {
    assert_eq!(stdout(&health(&["-"], APP)), TABLE);
    let o = health(
        &[
            "fixtures/health/apps/Deployment/testdata/healthy.yaml",
            "fixtures/health/batch/CronJob/testdata/degraded.yaml",
        ],
        "",
    );
    let out = stdout(&o);
    let (dep, cron) = (out.find("Deployment"), out.find("CronJob"));
    assert!(dep.is_some() && cron.is_some() && dep < cron, "{out}");
    assert!(
        out.ends_with("Health: Degraded (2 counted: 1 Healthy, 1 Degraded)\n"),
        "{out}"
    );
}

#[test]
fn json_output_has_the_roll_up_and_one_entry_per_object() {
    let o = health(&["-o", "json"], APP);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["health"]["status"], "Degraded");
    assert_eq!(
        v["health"]["counted"][0],
        serde_json::json!({"status": "Healthy", "count": 2})
    );
    assert_eq!(
        v["health"]["notCounted"][0],
        serde_json::json!({"reason": "hook", "count": 1})
    );
    let r = v["resources"].as_array().expect("resources");
    assert_eq!(r.len(), 5);
    assert_eq!(
        r[1]["health"],
        serde_json::json!({"status": "Degraded", "message": "back-off restarting"})
    );
    assert_eq!(
        r[1]["assessedBy"],
        "Argo CD v3.5.1 gitops-engine/pkg/health"
    );
    assert_eq!(r[2]["notCounted"], "hook");
    assert_eq!(r[3]["health"], Value::Null);
    assert_eq!(r[3]["notCounted"], "noHealthCheck");
    assert_eq!(
        (r[4]["group"].as_str(), r[4]["namespace"].as_str()),
        (Some("apiextensions.k8s.io"), Some(""))
    );
}

const PROGRESSING: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Pending}\n";
const SUSPENDED: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {paused: true}\n";
const UNKNOWN: &str = "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web}\n";

#[test]
fn fail_on_sets_the_exit_code_and_still_prints_the_report() {
    let code = |args: &[&str], input: &str| {
        let o = health(args, input);
        assert!(!o.stdout.is_empty(), "report printed");
        o.status.code()
    };
    assert_eq!(code(&["--fail-on", "degraded"], APP), Some(3));
    assert_eq!(code(&["--fail-on", "degraded"], UNKNOWN), Some(3));
    assert_eq!(code(&["--fail-on", "degraded"], PROGRESSING), Some(0));
    assert_eq!(code(&["--fail-on", "progressing"], PROGRESSING), Some(3));
    assert_eq!(code(&["--fail-on", "progressing"], APP), Some(3));
    // Argo CD's spelling of the status works too.
    assert_eq!(code(&["--fail-on", "Degraded"], APP), Some(3));
    assert_eq!(code(&["--fail-on", "Progressing"], PROGRESSING), Some(3));
    assert_eq!(code(&["--fail-on", "progressing"], SUSPENDED), Some(0));
    assert_eq!(
        code(&["--fail-on", "progressing", "-o", "json"], SUSPENDED),
        Some(0)
    );
    assert_eq!(code(&[], APP), Some(0));
}

#[test]
fn empty_input_is_a_healthy_app_without_a_gate() {
    let o = health(&[], "# nothing here\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).ends_with("Health: Healthy (0 counted)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_gate_on_nothing_fails_unless_allow_empty() {
    // Empty stdin, an empty list, and objects of which none counts: no false green.
    for input in [
        "",
        "# nothing here\n",
        "apiVersion: v1\nkind: List\nitems: []\n",
        r#"{"apiVersion": "v1", "kind": "List", "items": []}"#,
    ] {
        let o = health(&["--fail-on", "degraded"], input);
        assert_error(
            &o,
            &[
                "--fail-on: no object counts towards the app's health (0 read)",
                "pass --allow-empty",
            ],
        );
        let o = health(&["--fail-on", "degraded", "--allow-empty"], input);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).ends_with("Health: Healthy (0 counted)\n"));
    }
    let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let o = health(&["--fail-on", "progressing"], config_map);
    assert_error(&o, &["(1 read, 1 not counted: no health check)"]);
}

#[test]
fn reads_kubectl_json_and_lists() {
    let list = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "a", "namespace": "shop"}, "status": {"phase": "Bound"}},
    {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "b", "namespace": "shop"}, "status": {"phase": "Lost"}}
  ],
  "metadata": {"resourceVersion": ""}
}
"#;
    let o = health(&["-o", "json"], list);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["health"]["status"], "Degraded");
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(2));
    let yaml_list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata: {name: a}\n  status: {phase: Bound}\n";
    assert!(stdout(&health(&[], yaml_list)).contains("Health: Healthy (1 counted: 1 Healthy)"));
}

/// A folded (`>`) message is decoded as YAML says (Argo CD's decoder), not as kustomize
/// writes it back: a more-indented line keeps one line break before it, not two.
#[test]
fn folded_messages_are_decoded_as_argo_cd_does() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nstatus:\n  phase: Failed\n  message: >-\n    failed to compile\n    expression (1:16)\n     | Commit.Subject\n     | ....^\n";
    let o = health(&["-o", "json"], pod);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        v["resources"][0]["health"]["message"],
        "failed to compile expression (1:16)\n | Commit.Subject\n | ....^"
    );
}

/// YAML written by other tools (or by hand) wraps long quoted messages with continuation
/// lines at the key's column or further left; Argo CD's decoder reads them, so must we.
#[test]
fn reads_kubectl_yaml_with_wrapped_quoted_messages() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nstatus:\n  phase: Failed\n  message: 'The node was low on resource: memory. Threshold quantity: 100Mi,\n  available: 9Ki.'\n  conditions:\n  - type: Ready\n    message: \"containers with\nunready status: [web]\"\n";
    let o = health(&["-o", "json"], pod);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["resources"][0]["health"]["status"], "Degraded");
    assert_eq!(
        v["resources"][0]["health"]["message"],
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 9Ki."
    );
}

#[test]
fn rules_flag_applies_user_rules_first() {
    let claim = "apiVersion: database.example.org/v1alpha1\nkind: PostgreSQLInstance\nmetadata: {name: orders}\nstatus:\n  conditions:\n  - {type: Synced, status: \"False\", message: cannot compose}\n";
    let o = health(
        &[
            "--rules",
            "fixtures/health/user-rules/rules.yaml",
            "-o",
            "json",
        ],
        claim,
    );
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        v["resources"][0]["health"],
        serde_json::json!({"status": "Degraded", "message": "cannot compose"})
    );
    assert_eq!(
        v["resources"][0]["assessedBy"],
        "rule fixtures/health/user-rules/rules.yaml: rules[1]"
    );
    let without = health(&["-o", "json"], claim);
    let v: Value = serde_json::from_str(&stdout(&without)).expect("JSON");
    assert_eq!(
        v["resources"][0]["assessedBy"],
        "generic conditions (kstatus)"
    );
}

#[test]
fn rollback_deadlines_are_judged_against_the_clock() {
    let request = |deadline: &str| {
        format!(
            "apiVersion: rollpin.dev/v1alpha1\nkind: RollbackRequest\nmetadata: {{name: r}}\nspec:\n  app: shop\n  target: {{manifest: shop-1}}\n  deadline: \"{deadline}\"\nstatus: {{phase: Switching}}\n"
        )
    };
    let past = stdout(&health(&[], &request("2000-01-01T00:00:00Z")));
    assert!(past.contains(" Degraded "), "{past}");
    assert!(past.contains("Rollback of shop to release shop-1 missed its deadline 2000-01-01T00:00:00Z (phase Switching)"), "{past}");
    let future = stdout(&health(&[], &request("2999-01-01T00:00:00Z")));
    assert!(
        future.contains(" Progressing   Switching shop to release shop-1\n"),
        "{future}"
    );
}

#[test]
fn input_that_is_not_yaml_names_file_and_line() {
    let o = health(&[], "kind: Pod\nmetadata: {name: [\n");
    assert_error(&o, &["Error: -: line "]);
    let o = health(&[], "{\"kind\": \"Pod\",\n");
    assert_error(&o, &["Error: -: EOF while parsing a value at line 2"]);
}

#[test]
fn a_document_that_is_not_an_object_is_an_error() {
    let o = health(
        &[],
        "kind: Pod\nmetadata: {name: a}\n---\n- just\n- a list\n",
    );
    assert_error(
        &o,
        &[
            "Error: -: document at line 4: not a Kubernetes object: expected a mapping, found a list",
        ],
    );
    let o = health(&[], "plain text\n");
    assert_error(&o, &["found a string"]);
}

#[test]
fn an_object_without_kind_is_an_error() {
    let o = health(&[], "apiVersion: v1\nmetadata: {name: a}\n");
    assert_error(&o, &["Error: -: document at line 1: no kind"]);
    let o = health(
        &[],
        "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n- metadata: {name: b}\n",
    );
    assert_error(&o, &["document at line 1, items[1]: no kind"]);
}

#[test]
fn a_missing_file_is_an_error() {
    let o = health(&["fixtures/health/does-not-exist.yaml"], "");
    assert_error(
        &o,
        &["Error: cannot read fixtures/health/does-not-exist.yaml: "],
    );
}

#[test]
fn a_bad_rules_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("rollpin-health-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let rules = dir.join("rules.yaml");
    std::fs::write(
        &rules,
        "rules:\n- kind: Widget\n  default: {status: Fine}\n",
    )
    .expect("write");
    let path = rules.to_string_lossy().into_owned();
    let o = health(&["--rules", &path], APP);
    assert_error(
        &o,
        &[&format!(
            "Error: {path}: rules[0].default.status: \"Fine\" is not a health status"
        )],
    );
    let o = health(&["--rules", "fixtures/health/nope.yaml"], APP);
    assert_error(
        &o,
        &["Error: cannot read rules file fixtures/health/nope.yaml: "],
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_flags_are_usage_errors() {
    let o = health(&["--fail-on", "healthy"], APP);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("invalid value 'healthy' for '--fail-on <LEVEL>'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn readme_shows_the_example_rules_file() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let rules =
        std::fs::read_to_string(fixtures_root().join("user-rules/rules.yaml")).expect("rules");
    assert!(
        readme.contains(&rules),
        "README.md must show fixtures/health/user-rules/rules.yaml verbatim"
    );
}
