#!/usr/bin/env bash
# KAFKA_FOO_BAR=x becomes foo.bar=x, as in the official image; then format once and run.
set -euo pipefail
: "${CLUSTER_ID:?CLUSTER_ID must be set}"
config=/tmp/server.properties
{
  echo "log.dirs=${KAFKA_LOG_DIRS:-/var/lib/kafka/data}"
  env | grep '^KAFKA_' | grep -v '^KAFKA_LOG_DIRS=\|^KAFKA_HEAP_OPTS=\|^KAFKA_OPTS=' | while IFS='=' read -r name value; do
    key="$(echo "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | tr '_' '.')"
    echo "$key=$value"
  done
} > "$config"
classpath="/opt/kafka/libs/*"
data="${KAFKA_LOG_DIRS:-/var/lib/kafka/data}"
if [ ! -f "$data/meta.properties" ]; then
  java -cp "$classpath" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$config" --ignore-formatted
fi
exec java ${KAFKA_HEAP_OPTS:--Xmx512m} ${KAFKA_OPTS:-} -cp "$classpath" kafka.Kafka "$config"
