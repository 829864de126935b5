# The orchestrator node image. Build the jar first, then the image:
#   mvn -DskipTests package && docker build -t orchestrator .
# Any Java 17 JRE base on Debian or Ubuntu works (BASE_IMAGE): eclipse-temurin's, or e.g. a debian:bookworm-slim
# with openjdk-17-jre-headless installed. deploy.KubernetesManifestsTest checks this file's user and entrypoint.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it (a user name cannot be checked).
RUN groupadd --system --gid 10001 orchestrator \
 && useradd --system --uid 10001 --gid orchestrator --home-dir /app --shell /usr/sbin/nologin orchestrator \
 && mkdir -p /app/data && chown -R 10001:10001 /app/data

WORKDIR /app
COPY --chown=0:0 target/orchestrator.jar /app/orchestrator.jar
COPY --chown=0:0 scripts/jvm-options.sh /app/jvm-options.sh
COPY --chown=0:0 deploy/docker-entrypoint.sh /app/docker-entrypoint.sh

# What makes sense in any container; the rest comes from the environment (deploy/kubernetes/configmap.yaml).
# Listen on every interface: 127.0.0.1 inside a container is reachable from nowhere else. The addresses other
# nodes are told (ORCH_HOSTNAME, on Kubernetes the pod IP) cannot be known here.
ENV ORCH_HTTP_HOST=0.0.0.0 \
    ORCH_MANAGEMENT_BIND_HOST=0.0.0.0 \
    ORCH_REMOTE_BIND_HOST=0.0.0.0 \
    ORCH_DATA_DIR=/app/data

USER 10001:10001
# HTTP (public API, webhooks), Akka Management (/alive, /ready, /metrics, /cluster/members, bootstrap), remoting.
EXPOSE 8080 8558 25520

# Docker's own check (Kubernetes ignores it and uses the Deployment's probes): Akka Management's readiness,
# i.e. this node is Up in the cluster and the journal answers. curl is not in every JRE base, so bash's /dev/tcp.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ORCH_MANAGEMENT_PORT:-8558} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["serve"]
