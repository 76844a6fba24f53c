# syntax=docker/dockerfile:1
# Till's container image: the one the Umbrel and StartOS packages run and
# regtest/docker-compose.yml builds. Multi-arch (linux/amd64 and linux/arm64, most Umbrels
# are Raspberry Pis) through `docker buildx build --platform linux/amd64,linux/arm64`
# (.github/workflows/release.yml).
#
# No stage uses --platform=$BUILDPLATFORM: each target platform runs its own `build`
# stage (natively or under QEMU), so the native addons (sqlite3, zeromq) are fetched or
# compiled for the architecture they will run on.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# sqlite3 is compiled where no prebuilt addon fits the platform; zeromq ships prebuilt
# addons for linux x64 and arm64 (glibc) and compiles otherwise.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
# npm ci builds dist/ (the prepare script, with the dev tools); then the dev tools go.
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: signals reach Node (a clean shutdown on `docker stop`), zombies are reaped.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Production dependencies (native addons built above), the compiled code and the CLI.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown 1000:1000 /data
ENV NODE_ENV=production \
    TILL_DATA_DIR=/data \
    TILL_HOST=0.0.0.0 \
    TILL_PORT=5000
VOLUME /data
EXPOSE 5000
# The node image's `node` user, by number: Umbrel and StartOS run apps as 1000:1000.
USER 1000:1000
# /health answers 200 while Till follows its node, 503 while it cannot.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TILL_PORT || 5000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The command of `npm start`: a young generation of 8 MB semi-spaces instead of V8's 16
# keeps about 13 MB less resident (on a Raspberry Pi that matters) for a few per cent of
# request throughput. test/packaging/docker.test.ts holds the two to the same command.
CMD ["node", "--max-semi-space-size=8", "bin/till.js", "start"]
