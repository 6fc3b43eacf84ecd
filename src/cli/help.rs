//! The examples and exit codes each command's `--help` ends with (clap `after_help`).

/// `rollpin render`.
pub const RENDER: &str = "\
Examples:
  rollpin render overlays/production                       # as `kubectl kustomize` prints it
  rollpin render overlays/production -o json               # the same objects as a v1 List
  rollpin render . --output-file manifests.yaml
  rollpin render . --release-record --app shop --revision $(git rev-parse HEAD)
  rollpin render . --max-file-bytes 64Mi --max-total-bytes 1Gi

Exit codes:
  0  rendered (the stream is on stdout or in --output-file)
  1  error (message on stderr, nothing on stdout): the kustomization, a limit, the
     digest policy or --expect-render-digest refused it
  2  usage error (flags)";

/// `rollpin health`.
pub const HEALTH: &str = "\
Examples:
  kubectl get deploy,sts,pods -n shop -o yaml | rollpin health
  rollpin health live.yaml -o json --fail-on degraded
  rollpin health live.yaml --rules team-rules.yaml

Exit codes:
  0  assessed (and, with --fail-on, the app is better than LEVEL)
  3  --fail-on: the app's health is LEVEL or worse
  1  error (an input or rules file cannot be read)
  2  usage error (flags)";

/// `rollpin argocd-cm`.
pub const ARGOCD_CM: &str = "\
Examples:
  rollpin argocd-cm > argocd-cm-patch/health.yaml
  rollpin argocd-cm --rules team-rules.yaml --generic-group example.com

Exit codes:
  0  printed
  1  error (a rules file, or a group Argo CD already checks)
  2  usage error (flags)";

/// `rollpin verify`.
pub const VERIFY: &str = "\
Examples:
  rollpin render deploy/prod --release-record ... > release.yaml     # at release time
  rollpin verify deploy/prod --record release.yaml --revision 5e2d1f0
  kubectl get deploy,cm,secret,pods -n shop -o yaml | rollpin verify --record release.yaml --live -
  argocd app manifests shop --source live | rollpin verify --record release.yaml --live - --no-pods
  rollpin verify deploy/prod --record release.yaml -o status > patch.json

Exit codes:
  0  the re-render and/or the live objects match the record, every image pinned
  3  a difference, or an image without a digest (unless --allow-unpinned)
  1  error (the record, a file or the re-render)
  2  usage error (flags)";

/// `rollpin crds`.
pub const CRDS: &str = "\
Examples:
  rollpin crds | kubectl apply -f -

Exit codes:
  0  printed";

/// `rollpin controller`.
pub const CONTROLLER: &str = "\
Examples:
  rollpin controller --argocd-namespace argocd --prometheus-allow http://prometheus:9090

Exit codes:
  0  stopped by a signal
  1  error (cannot reach the cluster, lost the lease)
  2  usage error (flags)";

/// `rollpin rollback`.
pub const ROLLBACK: &str = "\
Examples:
  rollpin rollback shop --to previous
  rollpin rollback shop --to 5e2d1f0 --strategy workloads --deadline 5m
  rollpin rollback shop --to shop-5e2d1f0 --no-wait -o json

Exit codes:
  0  Succeeded (or created, with --no-wait)
  3  Failed
  1  error
  2  usage error";

/// `rollpin history`.
pub const HISTORY: &str = "\
Examples:
  rollpin history shop
  rollpin history shop -o json

Exit codes:
  0  listed
  1  error
  2  usage error";

/// `rollpin resume`.
pub const RESUME: &str = "\
Examples:
  rollpin resume shop --timeout 1m

Exit codes:
  0  the automated sync is restored
  1  error (or the controller did not restore it in time)
  2  usage error";

/// `rollpin slo`.
pub const SLO: &str = "\
Examples:
  rollpin slo check policy.yaml --prometheus http://localhost:9090

Exit codes: those of `rollpin slo check`.";

/// `rollpin slo check`.
pub const SLO_CHECK: &str = "\
Examples:
  rollpin slo check policy.yaml --prometheus http://localhost:9090
  rollpin slo check policy.yaml --at 2026-01-02T03:04:05Z -o json

Exit codes:
  0  Successful
  3  Failed
  4  Inconclusive
  1  Error (a query failed, or the policy cannot be used)
  2  usage error";

/// `rollpin version`.
pub const VERSION: &str = "\
Examples:
  rollpin version
  rollpin version -o json

Exit codes:
  0  printed";

/// `rollpin completion`.
pub const COMPLETION: &str = "\
Examples:
  rollpin completion bash > /etc/bash_completion.d/rollpin
  rollpin completion zsh > \"${fpath[1]}/_rollpin\"
  rollpin completion fish > ~/.config/fish/completions/rollpin.fish

Exit codes:
  0  printed
  2  usage error (an unknown shell)";
