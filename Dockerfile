# The hub runs its TypeScript directly on Node 24 (type stripping): no build step.
FROM node:24-slim
WORKDIR /app
# No NODE_ENV=production here: it makes HUB_MASTER_KEYS mandatory, and the README runs this image
# embedded on its own (`docker run -v hub-data:/app/data grc-hub`), where the generated key lives on
# the volume. docker-compose.yml sets NODE_ENV=production for its production-style processes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY core ./core
COPY connectors ./connectors
COPY admin-ui ./admin-ui
COPY schemas ./schemas
COPY runbooks ./runbooks
# The embedded mode (no DATABASE_URL) keeps its database and master key in HUB_DATA_DIR (./data):
# /app belongs to root, so the directory is made for the node user, and is a volume to outlive the container.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
ENTRYPOINT ["node", "core/cli/hub.ts"]
CMD ["start"]
