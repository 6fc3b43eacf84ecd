# rollpin image: one static binary and plugin.yaml, for Argo CD's config-management plugin
# sidecar (`rollpin render` under argocd-cmp-server) and the rollback controller.
# No container engine runs where rollpin is developed: this image has not been built.
# What was verified instead (README, "The image"): the build stage's exact cargo command
# (.ci/run builds the same static binary), and tests/integration/image.rs runs that binary
# laid out as below in an empty root (no libraries, no /etc), read-only, as uid 999, with a
# writable /tmp, and compares its render byte for byte with the normal one.
FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
# Declared in Cargo.toml ([[bench]]): cargo refuses a manifest whose target files are missing.
COPY benches ./benches
# The commit `rollpin version` reports (the build context has no .git; build.rs reads the
# variable, which a build argument sets for RUN):
# docker build --build-arg ROLLPIN_COMMIT=$(git rev-parse HEAD) .
ARG ROLLPIN_COMMIT=unknown
# Static glibc binary (mimalloc included); --target keeps the flag off build scripts and
# proc macros, which must stay dynamic.
RUN RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu --bin rollpin

# Nothing but the binary, plugin.yaml and distroless' /etc (passwd, nsswitch.conf, CA
# certificates, tzdata: rollpin needs none of them, the image test runs without /etc);
# no shell, no libc.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/x86_64-unknown-linux-gnu/release/rollpin /usr/local/bin/rollpin
COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV PATH=/usr/local/bin
# Argo CD runs plugin sidecars as user 999; the entrypoint is argocd-cmp-server, mounted
# from the repo-server's var-files volume (see argocd-cm-patch/); the controller runs
# `rollpin controller`.
USER 999:999
WORKDIR /home/argocd
ENTRYPOINT ["/usr/local/bin/rollpin"]
