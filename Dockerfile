# syntax=docker/dockerfile:1
# milvus-refreshd container image: Debian 12, multi-stage.
#   docker build -t milvus-refreshd:0.1.0 .
#   docker run --rm -v $PWD/config.yaml:/etc/milvus-refreshd/config.yaml:ro \
#     -v $PWD/token:/etc/milvus-refreshd/token:ro -p 9748:9748 milvus-refreshd:0.1.0
# The build stage compiles the `ci` preset and packs the .deb (scripts/package.sh); the runtime
# stage installs that .deb, so the image holds exactly the files and library dependencies of
# the Debian package (see docs/PACKAGING.md).

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config dpkg-dev file \
      libboost1.81-dev libboost-url1.81-dev libssl-dev libcrypt-dev libyaml-cpp-dev nlohmann-json3-dev \
      prometheus-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libsystemd-dev \
      libhowardhinnant-date-dev zlib1g-dev tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Tests are not built here (they run in CI); the .deb files land in /out.
RUN REFRESHD_BUILD_TESTS=OFF scripts/package.sh /out

FROM debian:12-slim
COPY --from=build /out/milvus-refreshd_*.deb /tmp/
# apt resolves the package's Depends (the runtime libraries, tzdata); ca-certificates for https.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/milvus-refreshd_*.deb ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/*.deb
# The shipped config reads its listen address from this variable (default 127.0.0.1:9748): in a
# container the server must listen on all interfaces for probes and Prometheus.
ENV MILVUS_REFRESHD_LISTEN=0.0.0.0:9748
# A numeric, non-root user (Kubernetes runAsNonRoot can verify it); the root filesystem may be
# mounted read-only: the daemon writes nothing to disk.
USER 65532:65532
EXPOSE 9748
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9748 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["/usr/bin/milvus-refreshd", "run", "-c", "/etc/milvus-refreshd/config.yaml"]
