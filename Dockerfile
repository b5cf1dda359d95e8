# ChainPulse proxy image: `chainpulse serve` with the config mounted at /etc/chainpulse/chainpulse.yaml.
#   docker build -t chainpulse .
#   docker run -p 4000:4000 -v $PWD/chainpulse.yaml:/etc/chainpulse/chainpulse.yaml:ro \
#     -e INFURA_API_KEY -e ALCHEMY_API_KEY chainpulse
# The install and start steps are deploy/install.sh and deploy/start.sh, which CI runs the same way
# (.ci/tarball-install.mjs) on every commit.

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@12.21.0
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && sh deploy/pack.sh /tarballs

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CHAINPULSE_HOME=/opt/chainpulse/app \
    CHAINPULSE_CONFIG=/etc/chainpulse/chainpulse.yaml \
    HOST=0.0.0.0 \
    PORT=4000
COPY deploy/install.sh deploy/start.sh /opt/chainpulse/
COPY --from=build /tarballs /tmp/tarballs
RUN sh /opt/chainpulse/install.sh /tmp/tarballs "$CHAINPULSE_HOME" && rm -rf /tmp/tarballs /root/.npm
# Benchmark snapshots (persistence.path in the config) belong on a volume the node user can write.
RUN mkdir -p /var/lib/chainpulse && chown node:node /var/lib/chainpulse
USER node
WORKDIR /var/lib/chainpulse
EXPOSE 4000
# Unhealthy when /healthz does not answer 200 (see docs/operations.md for what it reports).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/chainpulse/start.sh"]
