# Till as a container: the image regtest/docker-compose.yml builds (and the base the
# Umbrel and Start9 packages will use). Not built on the development machine, which has
# no Docker engine.
FROM node:20-bookworm-slim AS build
# The sqlite3 addon is compiled when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
# npm ci builds dist/ (the prepare script); the dev tools then go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
ENV TILL_DATA_DIR=/data \
    TILL_HOST=0.0.0.0 \
    TILL_PORT=5000
VOLUME /data
EXPOSE 5000
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:5000/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "bin/till.js", "start"]
