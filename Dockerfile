# syntax=docker/dockerfile:1
# ollama-proxy: one self-contained binary on a distroless base that holds only glibc, CA certificates and a
# non-root user. Build: docker build -t ollama-proxy .   Run: docker run -p 11434:11434 -e OPENAI_API_KEY ollama-proxy

# The official Bun image compiles the binary; with buildx it runs natively and cross-compiles for the target.
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
ARG TARGETARCH
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY tsconfig.json ./
# The profile the build lays the bytecode out by (see .ci/bytecode-order.ts).
COPY .ci/serve.order ./.ci/
COPY src ./src
RUN if [ "$TARGETARCH" = "arm64" ]; then bun run build:arm64 && mv ollama-proxy-arm64 ollama-proxy; else bun run build; fi

# The binary needs only glibc (its TLS library is built in), so the no-SSL distroless base is enough.
FROM gcr.io/distroless/base-nossl-debian12:nonroot
LABEL org.opencontainers.image.title="ollama-proxy" \
      org.opencontainers.image.description="The Ollama HTTP API, answered from OpenAI-compatible upstreams" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/ollama-proxy/ollama-proxy"
COPY --from=build /src/ollama-proxy /app/ollama-proxy
# Outside a container the default bind is loopback; inside one the port must be reachable from the host.
ENV HOST=0.0.0.0 PORT=11434
EXPOSE 11434
USER 65532:65532
# Exec form: the image has no shell.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/app/ollama-proxy", "healthcheck"]
ENTRYPOINT ["/app/ollama-proxy"]
