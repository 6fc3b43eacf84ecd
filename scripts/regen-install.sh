#!/usr/bin/env bash
# Regenerates every generated install file, in one command: rollpin's CRDs, the argocd-cm
# health customizations (what `rollpin argocd-cm` prints), the component's copy of
# plugin.yaml, the stand-in install's recorded render, and the Helm values and Argo CD
# Operator files derived from them (tests/integration/install_variants.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -- crds > argocd-cm-patch/rollpin/crds.yaml
cargo run -q -- argocd-cm > argocd-cm-patch/rollpin/argocd-cm-health.yaml
cp plugin.yaml argocd-cm-patch/rollpin/plugin.yaml
fixtures/kustomize/record.sh argocd-cm-patch-over-stock
ROLLPIN_REGENERATE=1 cargo test -q --test integration install_variants
