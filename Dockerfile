# The hub runs its TypeScript directly on Node 24 (type stripping): no build step.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY core ./core
COPY connectors ./connectors
COPY admin-ui ./admin-ui
COPY schemas ./schemas
COPY runbooks ./runbooks
USER node
EXPOSE 8080
ENTRYPOINT ["node", "core/cli/hub.ts"]
CMD ["start"]
