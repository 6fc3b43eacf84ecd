# rollpin sidecar image for Argo CD's config-management plugin server.
# No container engine runs where rollpin is developed: the image has not been built. Its
# build stage was reproduced with `cargo build` over exactly the files it copies, and
# tests/integration/argocd_install.rs checks that it copies every file Cargo.toml names.
FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
# Declared in Cargo.toml ([[bench]]): cargo refuses a manifest whose target files are missing.
COPY benches ./benches
# The commit `rollpin version` reports (the build context has no .git):
# docker build --build-arg ROLLPIN_COMMIT=$(git rev-parse HEAD) .
ARG ROLLPIN_COMMIT=unknown
RUN ROLLPIN_COMMIT=$ROLLPIN_COMMIT cargo build --release --locked --bin rollpin

# Minimal runtime: glibc and nothing else (no shell; plugin.yaml needs none).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/rollpin /usr/local/bin/rollpin
COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
# Argo CD runs plugin sidecars as user 999; the entrypoint is argocd-cmp-server, mounted
# from the repo-server's var-files volume (see argocd-cm-patch/).
USER 999:999
WORKDIR /home/argocd
