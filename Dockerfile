# Mercury container image: a build stage (JDK + Maven) then a JRE-only runtime stage.
#
#   docker build -t mercury .                       with Docker Hub: maven + eclipse-temurin images
#   docker run -p 8080:8080 mercury                 serves the committed default bundle
#
# No registry? Build the jar on the host and start from a locally imported base (scripts/container-test):
#   mmdebstrap --variant=minbase --include=ca-certificates,openjdk-17-jre-headless bookworm base.tar
#   podman import base.tar localhost/mercury-base:bookworm
#   podman build --build-arg BASE_IMAGE=localhost/mercury-base:bookworm --build-arg JAR_FROM=context -t mercury .
# (JAR_FROM=context copies target/mercury.jar from the build context instead of building it.)
# Runtime settings: docs/deploy.md.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG BASE_IMAGE=eclipse-temurin:17-jre
ARG JAR_FROM=build

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
COPY src ./src
RUN mvn -B -q -DskipTests package && cp target/mercury.jar /mercury.jar

# The jar from the host's build context (the no-registry path); never built, just copied.
FROM ${BASE_IMAGE} AS jar-context
COPY target/mercury.jar /mercury.jar

FROM build AS jar-build

FROM jar-${JAR_FROM} AS jar

FROM ${BASE_IMAGE}
# A non-root user owning only what the server writes: bundles, the journal, the event log, native-library caches.
RUN (getent group mercury || groupadd --system --gid 10001 mercury) \
 && (getent passwd mercury || useradd --system --uid 10001 --gid mercury --home-dir /home/mercury --create-home --shell /usr/sbin/nologin mercury) \
 && mkdir -p /app/conf /data/artifacts /data/journal /data/events \
 && chown -R mercury:mercury /data /home/mercury
WORKDIR /app
COPY --from=jar /mercury.jar /app/mercury.jar
COPY conf/mercury.json /app/conf/mercury.json
COPY conf/profiles /app/conf/profiles
COPY --chown=mercury:mercury artifacts /app/default-artifacts
COPY deploy/container/entrypoint.sh /app/entrypoint.sh
COPY deploy/container/healthcheck.sh /app/healthcheck.sh
USER mercury
ENV MERCURY_ARTIFACTS_DIR=/data/artifacts \
    MERCURY_ITEMS_JOURNAL_DIR=/data/journal \
    MERCURY_EVENTS_DIR=/data/events \
    MERCURY_PROFILE=auto \
    HOME=/home/mercury \
    DJL_CACHE_DIR=/home/mercury/.djl.ai
VOLUME ["/data/artifacts", "/data/journal", "/data/events"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["bash", "/app/healthcheck.sh"]
ENTRYPOINT ["bash", "/app/entrypoint.sh"]
CMD ["serve"]
