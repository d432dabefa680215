# syntax=docker/dockerfile:1
# The images of spamcheck's services, one target each: gateway, lookup-worker, archiver,
# notifier, and twilio-stub (the devstack's Twilio stand-in, for the dev profile). They are made from the jars
# Maven built, so build after `./mvnw verify` (or `./mvnw package -DskipTests`):
#
#   docker build --target gateway -t spamcheck/gateway .
#
# BASE_IMAGE is any image with a Java 17+ runtime and bash. Where no registry is reachable, pass
# a locally built one (bin/container-smoke does: --build-arg BASE_IMAGE=localhost/spamcheck-base).
ARG BASE_IMAGE=eclipse-temurin:21-jre

# Each jar is split into Spring Boot's layers, least likely to change first, so a rebuild after
# a code change replaces only the last layer. A stage per jar, alike on purpose: a target then
# depends on its own jar only, and a change to one service leaves the others' build cache whole.
FROM ${BASE_IMAGE} AS gateway-layers
WORKDIR /extract
COPY gateway/target/gateway-*-exec.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination layers

FROM ${BASE_IMAGE} AS lookup-worker-layers
WORKDIR /extract
COPY lookup-worker/target/lookup-worker-*-exec.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination layers

FROM ${BASE_IMAGE} AS archiver-layers
WORKDIR /extract
COPY archiver/target/archiver-*-exec.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination layers

FROM ${BASE_IMAGE} AS notifier-layers
WORKDIR /extract
COPY notifier/target/notifier-*-exec.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination layers

FROM ${BASE_IMAGE} AS twilio-stub-layers
WORKDIR /extract
COPY devstack/target/spamcheck-devstack.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination layers

FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
# A fixed unprivileged id, not a named user: nothing is written into the image's /etc, and
# Kubernetes can check runAsNonRoot against a number.
USER 10001:10001
# The JVM sizes itself from the container's memory limit: 60 % for the heap, since a service's
# JVM holds about 220-240 MiB beside it (code, metaspace, threads; docs/BENCHMARKS.md), and with
# 75 % the worker's and notifier's resident sets would outgrow their limits once the heap has
# grown to its maximum. It exits on OutOfMemoryError so the orchestrator restarts it rather than
# leaving it half alive. No perf data file: the root file system may be read-only. The JDK's
# HTTP client (webhooks, Twilio) keeps idle connections 30 s, as since Java 20: on a Java 17
# runtime it keeps them 20 minutes and reuses the longest idle first, so a POST would go into a
# connection the receiver has since closed, and the JDK does not send a POST again.
# EXTRA_JAVA_OPTIONS (build argument) is empty for the images you run. bin/container-smoke passes
# -XX:TieredStopAtLevel=1: it starts nine JVMs at once on two cores to check the wiring, not the
# speed, and without C2's compiler threads they are ready about a fifth sooner. It goes into the
# java launcher's own JDK_JAVA_OPTIONS, which a manifest's JAVA_TOOL_OPTIONS (the gateway's) leaves alone.
ARG EXTRA_JAVA_OPTIONS=
ENV JDK_JAVA_OPTIONS="${EXTRA_JAVA_OPTIONS}"
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -Djdk.httpclient.keepalive.timeout=30" \
    SPAMCHECK_MANAGEMENT_ADDRESS=0.0.0.0
# exec form: java is process 1 and gets SIGTERM, on which Spring finishes in-flight requests,
# commits consumer offsets and leaves the consumer groups before it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
# Ready means UP on the service's management port (set by each target below). bash's /dev/tcp
# rather than curl, which a minimal JRE image may lack.
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SPAMCHECK_MANAGEMENT_PORT} && printf 'GET /actuator/health/readiness HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"UP\"' <&3"]

FROM runtime AS gateway
COPY --from=gateway-layers /extract/layers/dependencies/ ./
COPY --from=gateway-layers /extract/layers/spring-boot-loader/ ./
COPY --from=gateway-layers /extract/layers/snapshot-dependencies/ ./
COPY --from=gateway-layers /extract/layers/application/ ./
ENV SPAMCHECK_MANAGEMENT_PORT=8081
EXPOSE 8080 8081

FROM runtime AS lookup-worker
COPY --from=lookup-worker-layers /extract/layers/dependencies/ ./
COPY --from=lookup-worker-layers /extract/layers/spring-boot-loader/ ./
COPY --from=lookup-worker-layers /extract/layers/snapshot-dependencies/ ./
COPY --from=lookup-worker-layers /extract/layers/application/ ./
ENV SPAMCHECK_MANAGEMENT_PORT=8082
EXPOSE 8082

FROM runtime AS archiver
COPY --from=archiver-layers /extract/layers/dependencies/ ./
COPY --from=archiver-layers /extract/layers/spring-boot-loader/ ./
COPY --from=archiver-layers /extract/layers/snapshot-dependencies/ ./
COPY --from=archiver-layers /extract/layers/application/ ./
ENV SPAMCHECK_MANAGEMENT_PORT=8083
EXPOSE 8083

FROM runtime AS notifier
COPY --from=notifier-layers /extract/layers/dependencies/ ./
COPY --from=notifier-layers /extract/layers/spring-boot-loader/ ./
COPY --from=notifier-layers /extract/layers/snapshot-dependencies/ ./
COPY --from=notifier-layers /extract/layers/application/ ./
ENV SPAMCHECK_MANAGEMENT_PORT=8084
# Kafka Streams state (RocksDB): a cache of its changelog topics, rebuilt from them when lost. It
# grows with the numbers cached, so it belongs on a disk volume, not in /tmp (a tmpfs counts against
# the container's memory): the directory exists, owned by the service's user, so that a volume
# mounted on it (compose's named volume, Kubernetes' emptyDir) is writable.
USER root
RUN mkdir -p /var/lib/spamcheck/streams && chown 10001:10001 /var/lib/spamcheck/streams
USER 10001:10001
ENV SPAMCHECK_STREAMS_STATE_DIR=/var/lib/spamcheck/streams
EXPOSE 8084

# Dev only: it answers by the number's last four digits, never calls Twilio, and listens on
# loopback, so it runs in lookup-worker's network namespace (compose: network_mode, Kubernetes:
# a sidecar), the one place the worker sends credentials over plain HTTP.
FROM runtime AS twilio-stub
COPY --from=twilio-stub-layers /extract/layers/dependencies/ ./
COPY --from=twilio-stub-layers /extract/layers/spring-boot-loader/ ./
COPY --from=twilio-stub-layers /extract/layers/snapshot-dependencies/ ./
COPY --from=twilio-stub-layers /extract/layers/application/ ./
ENV TWILIO_STUB_PORT=8089
HEALTHCHECK NONE
ENTRYPOINT ["java", "-Dloader.main=dev.spamcheck.devstack.TwilioStubMain", "org.springframework.boot.loader.launch.PropertiesLauncher"]
