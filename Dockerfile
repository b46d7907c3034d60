# syntax=docker/dockerfile:1
# hubspoke-lint as a container image: one static (musl) binary with the bundled policies
# compiled in, on distroless `static`, as a non-root user.
#
#   docker build -t hubspoke-lint .                           # from source, the builder's platform
#   docker run --rm -v "$PWD:/repo" hubspoke-lint .           # lint the current directory
#
# The release workflow builds the `release` target instead: it copies the binaries of the release
# archives (build context `dist`, one folder per architecture), so the image runs exactly the
# binaries that were published and attested, and multi-arch needs no emulated compilation.

ARG RUST_IMAGE=rust:1.95.0-alpine
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${RUST_IMAGE} AS build
# hadolint ignore=DL3018 # musl-dev follows the Alpine release of the Rust image
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# Rust on Alpine targets musl and links statically; the binary needs no file at run time.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin hubspoke-lint \
    && install -D -m 0755 target/release/hubspoke-lint /out/hubspoke-lint \
    && /out/hubspoke-lint --version

# Placeholder for the release workflow's build context of prebuilt binaries.
FROM scratch AS dist

FROM ${RUNTIME_IMAGE} AS release
ARG TARGETARCH
COPY --from=dist --chmod=0755 linux-${TARGETARCH}/hubspoke-lint /usr/local/bin/hubspoke-lint
# distroless' `nonroot` user; the linted repository is mounted at /repo.
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["hubspoke-lint"]

# The default target: the binary built above.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/hubspoke-lint /usr/local/bin/hubspoke-lint
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["hubspoke-lint"]
