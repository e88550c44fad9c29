# syntax=docker/dockerfile:1
# snapward operator CLI image.
#
#   docker build -t snapward .
#   docker run --rm -v "$PWD/ops:/config" -e AWS_REGION -e AWS_PROFILE -v "$HOME/.aws:/home/node/.aws:ro" \
#     snapward run --config /config/snapward.yaml
#
# The SQLite state file lands next to the config (state.sqlite is relative to the config's
# folder), so mount a folder the `node` user (uid 1000) can write to.
#
# Stages:
#   toolchain - python3, make, g++ for better-sqlite3's native build (shared by the next two)
#   build     - all dependencies, compiles TypeScript to dist/
#   prod-deps - production dependencies only; better-sqlite3 is native, so it is built here
#               where the compiler toolchain is, against the same Node and glibc as the runtime
#   runtime   - node:22-bookworm-slim with dist/, bin/ and the production node_modules; no
#               toolchain, no npm cache, not root

# The base image pinned by digest, so a rebuild gets the same bytes until someone moves the pin on
# purpose (tag node:22-bookworm-slim). The digest was taken from public Dockerfiles that pin this
# tag (it could not be pulled or checked from the machine this was written on); before relying on
# it, and to move it, run: docker buildx imagetools inspect node:22-bookworm-slim  (the "Digest:"
# of the multi-platform index) and put that digest here. README "Docker image" says the same.
ARG NODE_IMAGE=node:22-bookworm-slim@sha256:f32b81066cde10a75dbac96646099533316d94bac4150c55da1636e1f0ffdc46

FROM ${NODE_IMAGE} AS toolchain
# node-gyp compiles against the image's own Node headers instead of downloading them, so a
# better-sqlite3 build from source works without access to nodejs.org.
ENV npm_config_nodedir=/usr/local
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM toolchain AS build
COPY package.json package-lock.json ./
# --ignore-scripts: the root `prepare` script would run the build before the sources are here;
# better-sqlite3's own install step is then run explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY config ./config
COPY src ./src
COPY handlers ./handlers
COPY scripts ./scripts
COPY infra ./infra
RUN npm run build

FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: the CLI cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/config ./dist/config
COPY package.json ./
COPY bin ./bin
COPY config/examples ./config/examples
# The base image's unprivileged user (uid 1000).
USER node
ENTRYPOINT ["node", "bin/snapward.js"]
CMD ["--help"]
