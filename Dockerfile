# syntax=docker/dockerfile:1
#
# One image for every Quell binary. It has no default command: the
# Kubernetes manifests (deploy/kubernetes) pick one with `command`, and by
# hand you name it:
#
#   docker build -t quell:dev .
#   docker run --rm -e QUELL_CONFIG=/etc/quell/quell.yaml -v "$PWD/quell.yaml:/etc/quell/quell.yaml:ro" quell:dev /usr/local/bin/quell-worker
#   docker run --rm quell:dev /usr/local/bin/quellctl --help
#
# Binaries: /usr/local/bin/quell-ingest, /usr/local/bin/quell-worker,
# /usr/local/bin/quellctl. The final image is distroless: no shell, no
# package manager, user nonroot (65532).

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/quell-ingest ./cmd/ingest && \
    go build -trimpath -ldflags="-s -w" -o /out/quell-worker ./cmd/worker && \
    go build -trimpath -ldflags="-s -w" -o /out/quellctl ./cmd/quellctl

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="quell" \
      org.opencontainers.image.description="Quell: security signals to safe, automatic account actions (ingest, worker, quellctl)" \
      org.opencontainers.image.source="https://github.com/quell-dev/quell"
COPY --from=build /out/ /usr/local/bin/
ENV QUELL_CONFIG=/etc/quell/quell.yaml
USER 65532:65532
# ingest.listen and worker.listen in deploy/kubernetes/base/quell.yaml
EXPOSE 8080 8081
