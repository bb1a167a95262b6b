package ai.mercury.config;

import java.util.Map;

/**
 * The {@code replication.kafka.*} keys: replicas kept consistent through Apache Kafka. Off unless
 * {@code replication.kafka.bootstrap_servers} names a broker; then live item writes (and events)
 * go through Kafka topics instead of staying on the replica that took them. Part of
 * {@link MercuryConfig}; see docs/scale-out.md.
 *
 * @param bootstrapServers  {@code host:port[,host:port...]} of the Kafka cluster; empty = off (the local journal, as on one node)
 * @param itemsTopic        the compacted, single-partition topic of live item writes, keyed by item id
 * @param eventsTopic       the topic of events, keyed by session id
 * @param replicateEvents   produce {@code POST /events} to {@code eventsTopic} and keep sessions from it on every replica
 * @param writeTimeoutMs    longest a write waits for Kafka's acknowledgement; past it (or at once while the broker is known
 *                          to be unreachable) it answers 503 {@code unavailable}
 * @param readYourWrites    a write's answer also waits for this replica to apply it (so the writer reads it back here)
 * @param startupTimeoutMs  longest start-up waits to read the items topic to its end before giving up (the process exits)
 * @param createTopics      create the topics at start when they do not exist (with the broker's default replication factor)
 * @param clientId          Kafka client id prefix of this replica (empty: the host name); shows in broker logs and metrics
 */
public record ReplicationConfig(String bootstrapServers, String itemsTopic, String eventsTopic, boolean replicateEvents,
                                int writeTimeoutMs, boolean readYourWrites, int startupTimeoutMs, boolean createTopics, String clientId) {

    /** Topic names Kafka accepts. */
    static final String TOPIC_PATTERN = "[A-Za-z0-9._-]{1,249}";

    public boolean enabled() {
        return !bootstrapServers.isEmpty();
    }

    static void putDefaults(Map<String, Object> d) {
        d.put("replication.kafka.bootstrap_servers", "");
        d.put("replication.kafka.items_topic", "mercury.items");
        d.put("replication.kafka.events_topic", "mercury.events");
        d.put("replication.kafka.replicate_events", true);
        d.put("replication.kafka.write_timeout_ms", 5_000);
        d.put("replication.kafka.read_your_writes", true);
        d.put("replication.kafka.startup_timeout_ms", 120_000);
        d.put("replication.kafka.create_topics", true);
        d.put("replication.kafka.client_id", "");
    }

    static ReplicationConfig from(Map<String, Object> v) {
        String servers = MercuryConfig.str(v, "replication.kafka.bootstrap_servers").trim();
        for (String server : servers.isEmpty() ? new String[0] : servers.split(",")) {
            if (!server.trim().matches("[A-Za-z0-9._\\[\\]:-]+:[0-9]{1,5}")) {
                throw new MercuryConfig.ConfigException("replication.kafka.bootstrap_servers must be host:port[,host:port...], got '" + servers + "'");
            }
        }
        String items = topic(v, "replication.kafka.items_topic");
        String events = topic(v, "replication.kafka.events_topic");
        if (items.equals(events)) throw new MercuryConfig.ConfigException("replication.kafka.items_topic and replication.kafka.events_topic must differ");
        String clientId = MercuryConfig.str(v, "replication.kafka.client_id").trim();
        if (!clientId.isEmpty() && !clientId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new MercuryConfig.ConfigException("replication.kafka.client_id must be 1 to 100 letters, digits, '.', '_' or '-', got '" + clientId + "'");
        }
        return new ReplicationConfig(servers.replace(" ", ""), items, events, MercuryConfig.bool(v, "replication.kafka.replicate_events"),
                MercuryConfig.intIn(v, "replication.kafka.write_timeout_ms", 1_000, 120_000),
                MercuryConfig.bool(v, "replication.kafka.read_your_writes"),
                MercuryConfig.intIn(v, "replication.kafka.startup_timeout_ms", 1_000, 3_600_000),
                MercuryConfig.bool(v, "replication.kafka.create_topics"), clientId);
    }

    private static String topic(Map<String, Object> v, String key) {
        String t = MercuryConfig.str(v, key).trim();
        if (!t.matches(TOPIC_PATTERN) || t.equals(".") || t.equals("..")) {
            throw new MercuryConfig.ConfigException(key + " must be a Kafka topic name (1 to 249 of letters, digits, '.', '_', '-'), got '" + t + "'");
        }
        return t;
    }
}
