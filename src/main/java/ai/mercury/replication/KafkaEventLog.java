package ai.mercury.replication;

import ai.mercury.config.ReplicationConfig;
import ai.mercury.events.Events;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions on every replica: the events (and forget tombstones) a replica logs are also produced to
 * the events topic, keyed by session id (so one session's events stay in order in one partition),
 * with this replica's id in a header; every replica reads every partition and records the other
 * replicas' events into its session store. Its own it skips: they are in its store and local log
 * already. At start the consumer seeks to {@code sessions.idle_ttl_ms} ago, the part of the topic
 * that can still be in a session.
 *
 * <p>Guarantees: {@code POST /events} answers once the local log has the events (as on one node);
 * the produce is asynchronous, so another replica sees a session's events after the produce and
 * its fetch (tens of milliseconds), and events produced while the broker is down for longer than
 * {@code replication.kafka.write_timeout_ms} reach only the replica that took them (its log has them).
 */
public final class KafkaEventLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KafkaEventLog.class.getName());
    static final String ORIGIN_HEADER = "mercury-origin";
    static final String REPLICA_ID_FILE = "replica.id";

    private final ReplicationConfig config;
    private final Events events;
    private final long idleTtlMs;
    private final byte[] replicaId;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong produceFailures = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong skippedOwn = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private volatile Map<TopicPartition, Long> positions = Map.of();
    private volatile long lag;
    private volatile String lastError;
    private volatile boolean closed;
    private Thread follower;
    private int missingCodecs; // follower thread only

    /** What {@code GET /admin/replication} reports about the events topic. */
    public record Status(String topic, String replicaId, int partitions, long lag, long produced, long produceFailures, long applied,
                         long skippedOwn, long unreadable, String lastError, boolean following) {}

    /**
     * @param eventsDir where this replica's id is kept ({@code replica.id}), so that after a restart
     *                  it still recognises (and skips) the events it produced before
     */
    public KafkaEventLog(ReplicationConfig config, Events events, Path eventsDir, long idleTtlMs) {
        KafkaClients.quietLogging();
        this.config = config;
        this.events = events;
        this.idleTtlMs = idleTtlMs;
        this.replicaId = replicaId(eventsDir).getBytes(StandardCharsets.UTF_8);
        try {
            this.producer = new KafkaProducer<>(KafkaClients.producer(config, "events-producer"));
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException(e.getMessage(), e);
        }
        try {
            this.consumer = new KafkaConsumer<>(KafkaClients.consumer(config, "events-consumer"));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw new ReplicationException(e.getMessage(), e);
        }
    }

    private static String replicaId(Path dir) {
        Path file = dir.resolve(REPLICA_ID_FILE);
        try {
            if (Files.isRegularFile(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) return id;
            }
            Files.createDirectories(dir);
            String id = UUID.randomUUID().toString();
            Files.writeString(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new ReplicationException("cannot keep the replica id in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Sets up the topic, seeks every partition to the session window, hooks the producer in, and follows. */
    public void start() {
        try {
            KafkaClients.ensureTopic(config, config.eventsTopic(), null, false, config.startupTimeoutMs());
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(config.eventsTopic(), Duration.ofMillis(config.startupTimeoutMs()))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> since = new HashMap<>();
            long from = System.currentTimeMillis() - idleTtlMs;
            for (TopicPartition tp : partitions) since.put(tp, from);
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(since, Duration.ofMillis(config.startupTimeoutMs()));
            consumer.seekToEnd(partitions.stream().filter(tp -> found.get(tp) == null).toList());
            found.forEach((tp, o) -> {
                if (o != null) consumer.seek(tp, o.offset());
            });
            producer.partitionsFor(config.eventsTopic());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException("cannot read topic " + config.eventsTopic() + " on " + config.bootstrapServers() + ": " + e.getMessage(), e);
        }
        events.replicateTo(this::publish);
        follower = new Thread(this::follow, "mercury-replication-events");
        follower.setDaemon(true);
        follower.start();
        LOG.log(System.Logger.Level.INFO, "following topic " + config.eventsTopic() + " from " + idleTtlMs / 1000 + " s ago as replica "
                + new String(replicaId, StandardCharsets.UTF_8));
    }

    /** Called on the event log's writer thread after the local write: asynchronous, never blocks for long. */
    private void publish(List<?> records) {
        if (closed) return;
        for (Object r : records) {
            try {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(config.eventsTopic(), Events.key(r), Events.encode(r));
                record.headers().add(ORIGIN_HEADER, replicaId);
                producer.send(record, (metadata, error) -> {
                    if (error == null) {
                        produced.incrementAndGet();
                    } else {
                        produceFailures.incrementAndGet();
                        lastError = "produce: " + error;
                    }
                });
            } catch (RuntimeException e) {
                produceFailures.incrementAndGet();
                lastError = "produce: " + e;
            }
        }
    }

    private void follow() {
        long nextLag = 0;
        while (!closed) {
            try {
                List<Object> batch = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header origin = r.headers().lastHeader(ORIGIN_HEADER);
                    if (origin != null && java.util.Arrays.equals(origin.value(), replicaId)) {
                        skippedOwn.incrementAndGet();
                        continue;
                    }
                    Object record = r.value() == null ? null : Events.decode(r.value());
                    if (record == null) unreadable.incrementAndGet();
                    else batch.add(record);
                }
                if (!batch.isEmpty()) {
                    events.applyReplicated(batch);
                    applied.addAndGet(batch.size());
                }
                if (System.nanoTime() >= nextLag) {
                    nextLag = System.nanoTime() + 1_000_000_000L;
                    Map<TopicPartition, Long> pos = new HashMap<>();
                    long total = 0;
                    for (TopicPartition tp : consumer.assignment()) {
                        pos.put(tp, consumer.position(tp, Duration.ofMillis(500)));
                        total += consumer.currentLag(tp).orElse(0);
                    }
                    positions = pos;
                    lag = total;
                }
            } catch (WakeupException e) {
                if (closed) break;
            } catch (LinkageError e) { // NoClassDefFoundError/UnsatisfiedLinkError of a left-out codec
                lastError = KafkaClients.missingCodec(config.eventsTopic(), e, missingCodecs++ == 0);
                sleepQuietly(1_000);
            } catch (RuntimeException e) {
                if (closed) break;
                lastError = e.toString();
                if (!(e instanceof org.apache.kafka.common.errors.TimeoutException)) {
                    LOG.log(System.Logger.Level.ERROR, "following topic " + config.eventsTopic() + " failed; retrying", e);
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Status status() {
        return new Status(config.eventsTopic(), new String(replicaId, StandardCharsets.UTF_8), positions.size(), lag, produced.get(),
                produceFailures.get(), applied.get(), skippedOwn.get(), unreadable.get(), lastError, follower != null && follower.isAlive());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        events.replicateTo(null);
        KafkaClients.stop(consumer, follower, producer);
    }
}
