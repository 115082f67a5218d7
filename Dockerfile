FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin bin
COPY engine engine
COPY ingest ingest
COPY correlator correlator
COPY web web
COPY tsconfig.json ./
ENV HOST=0.0.0.0 PORT=8080 NODE_ENV=production
USER node
EXPOSE 8080
# As `npm start` (package.json): the node flags are the same.
ENTRYPOINT ["node", "--max-semi-space-size=128", "--import", "tsx", "bin/main.ts"]
