# syntax=docker/dockerfile:1
#
# plexd as a container: a node agent (host network) or a sidecar (sharing a pod's network namespace).
#
#   docker build -t plexd .
#   docker run -d --name plexd --network host \
#     --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW --device /dev/net/tun \
#     -v /etc/plexd:/etc/plexd:ro -v plexd-state:/var/lib/plexd plexd
#
# It runs as the unprivileged user "plexd" (uid 10001). NET_ADMIN (interfaces, routes, nftables) and
# NET_RAW are the only capabilities it needs: the JVM carries them as a file capability, which the
# kernel grants only when the container was started with them (--cap-add NET_ADMIN; Docker's
# default set already has NET_RAW). Without --cap-add NET_ADMIN the JVM cannot start ("Operation
# not permitted"). See docs/operations.md, "Container".

# ---- build: JDK 25 and the project's Maven wrapper -----------------------------------------------
FROM eclipse-temurin:25-jdk AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY src/ src/
# Tests run in CI (.ci/run), as root with network namespaces, which a build container does not have.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -q -DskipTests package \
 && install -D -m 0644 target/plexd.jar /out/plexd.jar

# ---- runtime: slim JRE 25 -----------------------------------------------------------------------
FROM eclipse-temurin:25-jre
# nft/iptables drive the firewall, ip and wg the interfaces; curl is for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nftables iptables iproute2 wireguard-tools curl libcap2-bin \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 plexd \
 && useradd --system --uid 10001 --gid plexd --home-dir /var/lib/plexd --no-create-home --shell /usr/sbin/nologin plexd \
 && install -d -o plexd -g plexd -m 0700 /var/lib/plexd \
 && install -d -o plexd -g plexd -m 0750 /run/plexd \
 && install -d -o plexd -g plexd -m 0750 /run/wireguard \
 && install -d -m 0755 /etc/plexd
# A file capability gives the JVM NET_ADMIN/NET_RAW when run by "plexd"; at start plexd makes them
# ambient so nft, iptables, ip and wg, which it runs, inherit them (capabilities are otherwise lost
# at exec, and ip drops them on purpose unless they are inheritable). A process with file
# capabilities runs in secure mode, where the loader ignores java's $ORIGIN-relative library path,
# so the JDK's lib directory goes into ld.so.conf.
RUN echo "$JAVA_HOME/lib" > /etc/ld.so.conf.d/plexd-java.conf && ldconfig \
 && setcap cap_net_admin,cap_net_raw=ep "$JAVA_HOME/bin/java" \
 && apt-get purge -y --auto-remove libcap2-bin
COPY --from=build /out/plexd.jar /opt/plexd/plexd.jar
COPY config/jvm.options /opt/plexd/jvm.options
COPY config/plexd.yaml /usr/share/doc/plexd/plexd.yaml.example
USER plexd
WORKDIR /var/lib/plexd
ENV PLEXD_CONFIG=/etc/plexd/plexd.yaml MALLOC_ARENA_MAX=2
# plexd answers /healthz on its unix socket as long as the process serves requests.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--unix-socket", "/run/plexd/api.sock", "http://plexd/healthz"]
ENTRYPOINT ["java", "@/opt/plexd/jvm.options", "--enable-native-access=ALL-UNNAMED", "-jar", "/opt/plexd/plexd.jar"]
CMD ["up"]
