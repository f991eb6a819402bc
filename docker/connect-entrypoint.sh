#!/bin/sh
# Renders the worker config like the native launcher does: the shared config/connect/worker.properties
# plus the lines that depend on where the worker runs (values come from compose's environment).
set -eu
props=/tmp/worker.properties
cat /opt/rastro/config/worker.properties > "$props"
# SECURITY on (compose.secure.yml sets RASTRO_SECURITY): the shared security settings, secrets via ${env:…}.
if [ "${RASTRO_SECURITY:-off}" = on ]; then
  printf '\n' >> "$props"
  cat /opt/rastro/config/security.properties >> "$props"
fi
cat >> "$props" <<PROPS

# --- docker worker (rendered by docker/connect-entrypoint.sh) ---
bootstrap.servers=${CONNECT_BOOTSTRAP_SERVERS}
group.id=${CONNECT_GROUP_ID}
config.storage.topic=${CONNECT_CONFIG_TOPIC}
offset.storage.topic=${CONNECT_OFFSET_TOPIC}
status.storage.topic=${CONNECT_STATUS_TOPIC}
listeners=http://0.0.0.0:8083
rest.advertised.host.name=connect
rest.advertised.port=8083
plugin.path=/opt/rastro/plugins
PROPS
exec /opt/kafka/bin/connect-distributed.sh "$props"
