import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;

/**
 * Creates the stack's SCRAM-SHA-512 users that the cluster does not have yet, each password read from
 * its file: never on a command line (kafka-storage format --add-scram and kafka-configs --add-config
 * take them as arguments, which any local user reads in /proc/<pid>/cmdline). Runs with Java's
 * single-file source launcher against the pinned Kafka jars, over the nodes' mutual-TLS listener as
 * User:broker (a super user).
 *
 * Usage: java -cp '<kafka libs>/*' native/ScramUsers.java <bootstrap> <client properties> <secrets dir> <user>...
 * Prints one line: the users created and the users already there.
 */
public class ScramUsers {
    private static final int ITERATIONS = 8192;

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ScramUsers <bootstrap> <client properties> <secrets dir> <user>...");
            System.exit(2);
        }
        Properties props = new Properties();
        try (var in = Files.newInputStream(Path.of(args[1]))) {
            props.load(in);
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        Path secrets = Path.of(args[2]);
        List<String> users = List.of(args).subList(3, args.length);
        try (Admin admin = Admin.create(props)) {
            Set<String> present = new HashSet<>();
            for (UserScramCredentialsDescription d : admin.describeUserScramCredentials().all().get(60, TimeUnit.SECONDS).values()) {
                if (d.credentialInfos().stream().anyMatch(c -> c.mechanism() == ScramMechanism.SCRAM_SHA_512)) present.add(d.name());
            }
            List<UserScramCredentialAlteration> create = new ArrayList<>();
            for (String user : users) {
                if (present.contains(user)) continue;
                Path file = secrets.resolve("kafka-" + user + ".password");
                String password = Files.readString(file).trim();
                if (password.isEmpty()) throw new IllegalStateException(file + " is empty");
                create.add(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password));
            }
            if (!create.isEmpty()) admin.alterUserScramCredentials(create).all().get(60, TimeUnit.SECONDS);
            List<String> made = create.stream().map(UserScramCredentialAlteration::user).toList();
            List<String> kept = users.stream().filter(present::contains).toList();
            System.out.println("created " + (made.isEmpty() ? "none" : String.join(",", made)) + "; already there " + (kept.isEmpty() ? "none" : String.join(",", kept)));
        }
    }
}
