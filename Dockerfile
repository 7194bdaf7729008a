# kvm-review's GitHub App: the server `npm start` runs (dist/bot/app/server.js).
# Configure it with Probot's environment (APP_ID, PRIVATE_KEY or
# PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST/GHE_PROTOCOL, LOG_LEVEL) and the
# App's own (KVM_REVIEW_CACHE_DIR, KVM_REVIEW_MAX_FILES/_LINES/_COMMITS,
# KVM_REVIEW_RULES_URL, KVM_REVIEW_MIRROR: a volume of bare clones); see the
# README's "GitHub App" section. Without REDIS_URL the queued reviews are
# journaled under the cache (KVM_REVIEW_QUEUE_DIR): mount a volume on it to
# keep them across a new container. One container per volume: a second one
# on it exits 2; a new one after a killed one takes its lock over (within 30 s).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bot ./bot
COPY analyzers ./analyzers
COPY knowledge ./knowledge
COPY test ./test
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KVM_REVIEW_CACHE_DIR=/home/node/cache
WORKDIR /app
# git: mirror mode fetches into and reads from bare clones.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# The CLI entry: `docker run IMAGE node bot/kvm-review.js worker` runs queue workers from the same image.
COPY bot/kvm-review.js ./bot/kvm-review.js
COPY knowledge/data ./knowledge/data
COPY analyzers/rules/docs ./analyzers/rules/docs
COPY app.yml ./
RUN mkdir -p /home/node/cache && chown node:node /home/node/cache
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bot/app/server.js"]
