package ai.mercury.replication;

import ai.mercury.config.ReplicationConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Kafka client settings shared by the items and events logs, and the topic set-up. */
final class KafkaClients {
    /** Held so that the level sticks (java.util.logging keeps loggers weakly). */
    private static final Logger KAFKA_LOGGER = Logger.getLogger("org.apache.kafka");
    /** Logs two WARN lines per reconnect attempt while the broker is down; {@link KafkaItemLog} logs the outage once instead. */
    private static final Logger NETWORK_LOGGER = Logger.getLogger("org.apache.kafka.clients.NetworkClient");

    /**
     * Topic compression types whose batches the serving jar can read: the broker keeps the
     * producer's (uncompressed) batches, or recompresses with a codec the jar carries. The jar
     * leaves zstd-jni and snappy-java out (pom.xml).
     */
    static final List<String> READABLE_COMPRESSION = List.of("producer", "uncompressed", "gzip", "lz4");

    private KafkaClients() {}

    /** Kafka's clients log every setting at INFO and each reconnect attempt at WARN; keep warnings and errors only. */
    static void quietLogging() {
        if (KAFKA_LOGGER.getLevel() == null) KAFKA_LOGGER.setLevel(Level.WARNING);
        if (NETWORK_LOGGER.getLevel() == null) NETWORK_LOGGER.setLevel(Level.SEVERE);
    }

    static String clientId(ReplicationConfig config, String role) {
        String base = config.clientId();
        if (base.isEmpty()) {
            try {
                base = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                base = "mercury";
            }
        }
        return "mercury-" + base + "-" + ProcessHandle.current().pid() + "-" + role;
    }

    /**
     * An idempotent producer that waits for every in-sync replica ({@code acks=all}) and gives up
     * on a record within the write timeout, so that no send outlives the answer by much.
     */
    static Properties producer(ReplicationConfig config, String role) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId(config, role));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"); // the jar carries no zstd/snappy codec (pom.xml); records are small JSON
        int timeout = config.writeTimeoutMs();
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(500, timeout * 4 / 5));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(timeout, 2_000));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** A consumer without a group: every replica reads the whole topic itself ({@code assign}, not {@code subscribe}). */
    static Properties consumer(ReplicationConfig config, String role) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(config, role));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 200);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /**
     * Creates {@code topic} when it is missing (and {@code replication.kafka.create_topics} allows),
     * then checks it: {@code partitions} when not null must match, and a compacted topic must be compacted.
     */
    static void ensureTopic(ReplicationConfig config, String topic, Integer partitions, boolean compacted, long timeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId(config, "admin"));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, timeoutMs));
        try (Admin admin = Admin.create(p)) {
            if (config.createTopics()) {
                NewTopic t = new NewTopic(topic, Optional.ofNullable(partitions), Optional.empty());
                if (compacted) t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(List.of(t)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            boolean mayBeNew = config.createTopics();
            TopicDescription d = untilKnown(mayBeNew, deadline, () -> admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(remainingMs(deadline), TimeUnit.MILLISECONDS).get(topic));
            if (partitions != null && d.partitions().size() != partitions) {
                throw new ReplicationException("topic " + topic + " has " + d.partitions().size() + " partitions; Mercury needs exactly " + partitions
                        + " (one order for the whole catalog)");
            }
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config c = untilKnown(mayBeNew, deadline, () -> admin.describeConfigs(List.of(r)).all().get(remainingMs(deadline), TimeUnit.MILLISECONDS).get(r));
            String compression = c.get(TopicConfig.COMPRESSION_TYPE_CONFIG) == null ? "producer" : c.get(TopicConfig.COMPRESSION_TYPE_CONFIG).value();
            if (!READABLE_COMPRESSION.contains(compression)) {
                throw new ReplicationException("topic " + topic + " has compression.type=" + compression + "; Mercury's jar carries the codecs for "
                        + READABLE_COMPRESSION + " only (its producers send uncompressed batches): use one of those for this topic");
            }
            if (compacted) {
                String policy = c.get(TopicConfig.CLEANUP_POLICY_CONFIG) == null ? "" : c.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
                if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                    throw new ReplicationException("topic " + topic + " has cleanup.policy=" + policy + "; the catalog topic must be compacted"
                            + " (a deleting policy would drop live items after the retention time)");
                }
            }
        } catch (ExecutionException e) {
            throw new ReplicationException("cannot set up topic " + topic + " on " + config.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ReplicationException("the Kafka cluster at " + config.bootstrapServers() + " did not answer within " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicationException("interrupted while setting up topic " + topic, e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException("cannot set up topic " + topic + " on " + config.bootstrapServers() + ": " + e.getMessage(), e);
        }
    }

    /** One request of the admin client, waited for. */
    interface AdminCall<T> {
        T call() throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException;
    }

    /** Pause between two tries of {@link #untilKnown}. */
    static final long UNKNOWN_TOPIC_RETRY_MS = 100;

    /**
     * Runs {@code call}, and again while it fails with "unknown topic or partition" and {@code mayBeNew}:
     * right after a topic is created, a broker can answer that way until its metadata has caught up
     * (a KRaft broker did, in CI). Gives the last failure up at {@code deadlineNanos}.
     */
    static <T> T untilKnown(boolean mayBeNew, long deadlineNanos, AdminCall<T> call)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        while (true) {
            try {
                return call.call();
            } catch (ExecutionException e) {
                boolean unknown = e.getCause() instanceof UnknownTopicOrPartitionException;
                if (!mayBeNew || !unknown || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNKNOWN_TOPIC_RETRY_MS) >= deadlineNanos) throw e;
                Thread.sleep(UNKNOWN_TOPIC_RETRY_MS);
            }
        }
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /**
     * A fetched batch needs a codec the jar leaves out (zstd or snappy: another writer on the topic,
     * or its compression.type changed after start-up). Said once per thread, loudly; the follower
     * retries and stays behind (its lag grows) until the batch is rewritten or the codec added.
     */
    static String missingCodec(String topic, LinkageError e, boolean first) {
        String message = "a batch of topic " + topic + " needs a compression codec this jar leaves out (only " + READABLE_COMPRESSION
                + " are readable): " + e;
        if (first) System.getLogger(KafkaClients.class.getName()).log(System.Logger.Level.ERROR, message + "; this replica cannot follow the topic past it");
        return message;
    }

    /**
     * Stops a follower thread and its clients: wakes the consumer's poll, waits up to 5 s for the
     * follower, gives the producer's sends in flight a second, and closes the consumer only once
     * its thread is gone (a KafkaConsumer is not safe to close from another thread while in use).
     */
    static void stop(org.apache.kafka.clients.consumer.KafkaConsumer<?, ?> consumer, Thread follower,
                     org.apache.kafka.clients.producer.KafkaProducer<?, ?> producer) {
        consumer.wakeup();
        if (follower != null) {
            try {
                follower.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(java.time.Duration.ofSeconds(1));
        if (follower == null || !follower.isAlive()) consumer.close(java.time.Duration.ofSeconds(1));
    }
}
