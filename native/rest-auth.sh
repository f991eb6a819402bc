#!/bin/sh
# Kafka's Connect basic-auth REST extension, compiled for the pinned Kafka: the one recipe both runtimes
# build it with (scripts/lib/native/install.ts natively, docker/Dockerfile's Maven stage for the image).
# Maven Central has no build of it for every Kafka release, and an older jar does not load in a newer
# Kafka (AppInfoParser moved to ...utils.internals; Jersey 3 wants jakarta's @Priority): so Kafka's own
# sources of CONNECT_BASIC_AUTH_VERSION are compiled against the pinned Kafka jars, with those two
# imports as the only changes.
#   sh native/rest-auth.sh <mvn command> <kafka version> <extension version> <kafka libs dir> <out dir>
# Writes <out dir>/classes (with META-INF/services); run from the repository root.
set -eu
mvn=$1 kafka=$2 version=$3 libs=$4 out=$5
src="$out/src"
rm -rf "$out"
mkdir -p "$out/classes"
# Through native/pom.xml: without a POM, unpack writes its markers to a literal ${project.basedir}/target/.
# overWriteReleases: the unpack markers of an earlier build (native/target/) must not make it skip this one.
$mvn -B -q -f native/pom.xml -Dkafka.version="$kafka" -Dmdep.overWriteReleases=true dependency:unpack \
  -Dartifact="org.apache.kafka:connect-basic-auth-extension:$version:jar:sources" -DoutputDirectory="$src"
pkg="$src/org/apache/kafka/connect/rest/basic/auth/extension"
sed -i -e 's/^import org\.apache\.kafka\.common\.utils\.AppInfoParser;/import org.apache.kafka.common.utils.internals.AppInfoParser;/' \
  -e 's/^import javax\.annotation\.Priority;/import jakarta.annotation.Priority;/' "$pkg"/*.java
javac=javac
if [ -n "${JAVA_HOME:-}" ]; then javac="$JAVA_HOME/bin/javac"; fi
"$javac" -nowarn -d "$out/classes" -cp "$libs/*" "$pkg"/*.java
mkdir -p "$out/classes/META-INF"
cp -R "$src/META-INF/services" "$out/classes/META-INF/services"
