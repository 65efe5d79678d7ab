# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p cairn-server -p cairn-cli

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data cairn \
 && mkdir -p /data && chown cairn /data
COPY --from=build /src/target/release/cairn-server /usr/local/bin/cairn-server
COPY --from=build /src/target/release/cairn /usr/local/bin/cairn
USER cairn
WORKDIR /data
ENV CAIRN_LISTEN=0.0.0.0:8080 \
    CAIRN_DATA_DIR=/data \
    CAIRN_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["cairn-server"]
