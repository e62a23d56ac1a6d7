# syntax=docker/dockerfile:1
# gridtiles container image: one small process serving the front end, styles, tiles and API.
# The build steps live in scripts/build-release.sh (CI runs the same script without Docker).
#
#   docker build --platform linux/amd64 -t gridtiles .
#   docker run --rm -p 8080:8080 gridtiles            # demo grid, generated at start
#
# Stages: front end (Node) → release binary and runtime tree (Rust, Debian bookworm) →
# distroless runtime (glibc of Debian 12, same as the builder; non-root; ~30 MB). The last
# stage is the default image (slim: no GDAL).
#
# The `full` image adds the GDAL-backed source (GeoPackage, Shapefile, File Geodatabase in
# any CRS): the binary built with `--features gdal` against Debian's libgdal, on a Debian 12
# slim runtime with libgdal32 (and PROJ's database). Its stages are built only when asked:
#   docker build --platform linux/amd64 --target full -t gridtiles:full .
#   docker run --rm -p 8080:8080 -v "$PWD/gis:/data:ro" gridtiles:full serve --data /data/utility.gpkg

FROM node:22-bookworm-slim AS frontend
WORKDIR /src
COPY . .
# Builds frontend/ when frontend/package.json exists; otherwise leaves an empty frontend/dist.
RUN --mount=type=cache,target=/root/.npm scripts/build-release.sh frontend

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=frontend /src/frontend/dist frontend/dist
# The target directory is a cache mount: the runtime tree is staged outside it, in /runtime.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    scripts/build-release.sh --out /runtime binary stage

FROM rust:1-bookworm AS build-full
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libgdal-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
COPY --from=frontend /src/frontend/dist frontend/dist
# The smoke test serves data/real/mv_oberrhein.gpkg through GDAL.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,id=gridtiles-target-full,target=/src/target \
    scripts/build-release.sh --full --out /runtime binary stage

FROM debian:bookworm-slim AS full
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libgdal32 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build-full --chown=0:0 /runtime/ /app/
ENV GRIDTILES_SERVER__LISTEN=0.0.0.0:8080 \
    GRIDTILES_SERVER__LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["/app/gridtiles", "healthcheck"]
ENTRYPOINT ["/app/gridtiles"]
CMD ["serve"]

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build --chown=0:0 /runtime/ /app/
ENV GRIDTILES_SERVER__LISTEN=0.0.0.0:8080 \
    GRIDTILES_SERVER__LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["/app/gridtiles", "healthcheck"]
ENTRYPOINT ["/app/gridtiles"]
CMD ["serve"]
