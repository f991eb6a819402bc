package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import redis.clients.jedis.HostAndPort;

/**
 * A Redis Cluster as one node's {@code CLUSTER NODES} describes it: its nodes, its primaries (flag {@code master},
 * not {@code fail}) and the slots they serve. The sink compares {@link #signature()}s to notice a failover.
 *
 * <p>A line: {@code <id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...}, a slot
 * being {@code n}, {@code a-b}, or a migration in brackets (ignored: the slot still belongs to its primary).
 */
record ClusterTopology(List<HostAndPort> nodes, List<HostAndPort> primaries, String signature, String uncovered) {

    static ClusterTopology parse(String clusterNodes) {
        List<HostAndPort> nodes = new ArrayList<>();
        Set<HostAndPort> primaries = new LinkedHashSet<>();
        Set<String> owners = new TreeSet<>();
        BitSet served = new BitSet(KeySpace.SLOTS);
        for (String line : clusterNodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            HostAndPort address = address(f[1]);
            if (address != null) {
                nodes.add(address);
            }
            Set<String> flags = Set.of(f[2].split(","));
            if (!flags.contains("master") || flags.contains("fail") || address == null) {
                continue;
            }
            StringBuilder slots = new StringBuilder();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue;
                }
                int dash = f[i].indexOf('-');
                int from = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(f[i].substring(dash + 1));
                served.set(from, to + 1);
                slots.append(' ').append(f[i]);
            }
            if (!slots.isEmpty()) {
                primaries.add(address);
                owners.add(f[0] + slots);
            }
        }
        return new ClusterTopology(List.copyOf(nodes), List.copyOf(primaries), String.join("; ", owners),
                ranges(served));
    }

    /** "127.0.0.1:7000@17000,host" to 127.0.0.1:7000; null for a node without an address yet (":0@0"). */
    private static HostAndPort address(String field) {
        String hostPort = field.split("[@,]")[0];
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        return port == 0 ? null : new HostAndPort(hostPort.substring(0, colon), port);
    }

    /** The slots no primary serves, as "a-b, c"; empty when all are served. */
    private static String ranges(BitSet served) {
        List<String> gaps = new ArrayList<>();
        for (int from = served.nextClearBit(0); from < KeySpace.SLOTS; from = served.nextClearBit(from)) {
            int to = Math.min(served.nextSetBit(from) < 0 ? KeySpace.SLOTS : served.nextSetBit(from), KeySpace.SLOTS) - 1;
            gaps.add(from == to ? Integer.toString(from) : from + "-" + to);
            from = to + 1;
        }
        return String.join(", ", gaps);
    }
}
