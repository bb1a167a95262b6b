package ai.mercury.replication;

import ai.mercury.config.ReplicationConfig;
import ai.mercury.live.ItemWrite;
import ai.mercury.live.LiveItems;
import ai.mercury.live.SharedItemLog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live catalog's log on Kafka: one compacted topic with one partition, keyed by item id, whose
 * record values are {@link ItemWrite} JSON (the journal's payload) and whose offset + 1 is the
 * write's sequence. Writes are produced with {@code acks=all} by an idempotent producer; every
 * replica reads the whole topic with its own group-less consumer and hands the writes, in offset
 * order, to {@link LiveItems#applyFromLog} — the code that applies journaled writes on one node.
 *
 * <p>Start-up ({@link #start}) reads the topic from its beginning to the end it had when start-up
 * began, before the first bundle loads (the bundle then gets those writes replayed onto it, as it
 * would the journal's); a follower thread then applies new writes as they come. Compaction keeps
 * the latest write per item, so the topic (and start-up) stays as large as the live catalog.
 * Deletes are records with a value, not Kafka tombstones: a tombstone would be compacted away
 * after {@code delete.retention.ms}, and a deleted bundle item would come back on the next start.
 *
 * <p>Reachability: the follower asks for the topic's end offset (the probe) about once a second,
 * at once when a write has waited {@value #STALLED_MS} ms for the producer, and continuously while
 * the cluster is unreachable. A probe unanswered for {@value #PROBE_TIMEOUT_MS} ms is the verdict
 * "unreachable": new writes are refused at once (503) until a probe or a fetch succeeds again, and
 * the writes still waiting for Kafka are withdrawn: the producer is closed at once, which fails
 * the records it had not sent (they can no longer reach Kafka), and a fresh one takes the next
 * writes. So the first write after the cluster goes away answers 503 once the verdict is in, not
 * at the write timeout, and a refused write lands later only if its request was already on the
 * wire (like a write in flight at a crash). Nothing faster is sound: Kafka's clients retry
 * silently, and a broker that is slow or moving a partition's leadership looks like a dead one
 * until a request goes unanswered. Reads never depend on the broker.
 */
public final class KafkaItemLog implements SharedItemLog, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KafkaItemLog.class.getName());
    private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A probe unanswered this long means unreachable; a live broker answers ListOffsets in milliseconds. */
    static final long PROBE_TIMEOUT_MS = 1_000;
    /** A write waiting this long for the producer (normally milliseconds) makes the follower probe now. */
    static final long STALLED_MS = 250;

    private final ReplicationConfig config;
    private final TopicPartition partition;
    private final Object producerLock = new Object(); // guards replacing the producer against close()
    private volatile KafkaProducer<String, byte[]> producer;
    private volatile KafkaProducer<String, byte[]> withdrawnProducer; // the last one closed by withdrawSends
    private final AtomicInteger sending = new AtomicInteger(); // writes handed to the producer, not answered by it yet
    private volatile long progressNanos; // when the producer last answered a write, or a write was handed to an idle one
    private final KafkaConsumer<String, byte[]> consumer;
    private volatile boolean reachable = true;
    private volatile boolean closed;
    private volatile long position; // next offset to read = the catalog's offset
    private volatile long endOffset;
    private volatile Instant lastContact;
    private volatile String lastError;
    private volatile long startupMillis = -1;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong produceFailures = new AtomicLong();
    private final AtomicLong withdrawn = new AtomicLong();
    private Thread follower;
    private int missingCodecs; // follower thread only
    private LiveItems live;

    /** What {@code GET /admin/replication} and {@code /health/ready} report about the catalog log. */
    public record Status(String topic, boolean reachable, long offset, long endOffset, long lag, Instant lastContactAt, String lastError,
                         long recordsApplied, long recordsSkipped, long produced, long produceFailures, long withdrawn, long startupCatchUpMs,
                         boolean following) {}

    /** Creates the clients (no connection yet). @throws ReplicationException when Kafka refuses the settings (e.g. no resolvable bootstrap server) */
    public KafkaItemLog(ReplicationConfig config) {
        KafkaClients.quietLogging();
        this.config = config;
        this.partition = new TopicPartition(config.itemsTopic(), 0);
        try {
            this.producer = new KafkaProducer<>(KafkaClients.producer(config, "items-producer"));
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException(e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()), e);
        }
        KafkaConsumer<String, byte[]> c;
        try {
            c = new KafkaConsumer<>(KafkaClients.consumer(config, "items-consumer"));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw new ReplicationException(e.getMessage(), e);
        }
        this.consumer = c;
    }

    /**
     * Sets up the topic, reads it to its current end into {@code live} (blocking, at most
     * {@code replication.kafka.startup_timeout_ms}), then follows it on a daemon thread.
     *
     * @throws ReplicationException when the cluster cannot be reached or the topic read in time
     */
    public void start(LiveItems live) {
        try {
            catchUp(live);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException("cannot read topic " + config.itemsTopic() + " on " + config.bootstrapServers() + ": " + e.getMessage(), e);
        }
        follower = new Thread(this::follow, "mercury-replication-items");
        follower.setDaemon(true);
        follower.start();
    }

    private void catchUp(LiveItems live) {
        this.live = live;
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(config.startupTimeoutMs());
        KafkaClients.ensureTopic(config, config.itemsTopic(), 1, true, config.startupTimeoutMs());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end;
        try {
            end = consumer.endOffsets(Set.of(partition), Duration.ofNanos(remaining(deadline))).get(partition);
            producer.partitionsFor(config.itemsTopic()); // fetches the producer's metadata now, not in the first write
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ReplicationException("cannot read the end of topic " + config.itemsTopic() + " on " + config.bootstrapServers() + ": " + e.getMessage(), e);
        }
        endOffset = end;
        while (consumer.position(partition, Duration.ofNanos(remaining(deadline))) < end) {
            if (remaining(deadline) <= 1) {
                throw new ReplicationException("topic " + config.itemsTopic() + " could not be read to offset " + end + " within "
                        + config.startupTimeoutMs() + " ms (at " + position + "); see replication.kafka.startup_timeout_ms");
            }
            try {
                applyBatch(consumer.poll(Duration.ofMillis(Math.min(500, TimeUnit.NANOSECONDS.toMillis(remaining(deadline)) + 1))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReplicationException("interrupted while reading topic " + config.itemsTopic(), e);
            }
        }
        position = consumer.position(partition);
        lastContact = Instant.now();
        startupMillis = (System.nanoTime() - t0) / 1_000_000;
        LOG.log(System.Logger.Level.INFO, "read topic " + config.itemsTopic() + " to offset " + position + " (" + applied.get() + " writes, "
                + live.journaledItems() + " items) from " + config.bootstrapServers() + " in " + startupMillis + " ms; following it");
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    private void follow() {
        long nextProbe = 0;
        while (!closed) {
            try {
                applyBatch(consumer.poll(Duration.ofMillis(reachable ? 200 : 50)));
                long now = System.nanoTime();
                boolean stalled = sending.get() > 0 && now - progressNanos > TimeUnit.MILLISECONDS.toNanos(STALLED_MS);
                if (now >= nextProbe || stalled || !reachable) {
                    nextProbe = now + PROBE_EVERY_NANOS;
                    probe();
                }
                if (!reachable && sending.get() > 0) withdrawSends();
            } catch (WakeupException e) {
                if (closed) break;
            } catch (LinkageError e) { // NoClassDefFoundError/UnsatisfiedLinkError of a left-out codec
                lastError = KafkaClients.missingCodec(config.itemsTopic(), e, missingCodecs++ == 0);
                sleepQuietly(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (closed) break;
                lastError = e.toString();
                LOG.log(System.Logger.Level.ERROR, "following topic " + config.itemsTopic() + " failed at offset " + position + "; retrying from there", e);
                try {
                    consumer.seek(partition, position); // the failed batch was polled: read it again (applying a write twice is harmless)
                } catch (RuntimeException again) {
                    lastError = again.toString();
                }
                sleepQuietly(1_000);
            }
        }
    }

    /** Asks the broker for the topic's end: the lag, and whether writes can be taken. */
    private void probe() {
        try {
            endOffset = consumer.endOffsets(Set.of(partition), Duration.ofMillis(PROBE_TIMEOUT_MS)).get(partition);
            contact();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            if (reachable) LOG.log(System.Logger.Level.WARNING, "the Kafka cluster at " + config.bootstrapServers() + " is unreachable; writes answer 503 until it is back");
            reachable = false;
            lastError = "unreachable: " + e.getMessage();
        }
    }

    private void contact() {
        if (!reachable) LOG.log(System.Logger.Level.INFO, "the Kafka cluster at " + config.bootstrapServers() + " is reachable again");
        reachable = true;
        lastContact = Instant.now();
    }

    private void applyBatch(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        if (records.isEmpty()) return;
        List<ItemWrite> writes = new ArrayList<>(records.count());
        long last = -1;
        for (ConsumerRecord<String, byte[]> r : records.records(partition)) {
            last = r.offset();
            ItemWrite w = decode(r);
            if (w != null) writes.add(w);
        }
        if (last < 0) return;
        try {
            live.applyFromLog(writes, last + 1).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ReplicationException("applying writes up to offset " + last + " failed: " + e.getCause(), e.getCause());
        }
        applied.addAndGet(writes.size());
        position = last + 1;
        if (position > endOffset) endOffset = position;
        contact();
    }

    /** The write in {@code r}, or null (logged) when the record is not one: the topic is shared with whoever can write to it. */
    private ItemWrite decode(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.value() == null) throw new IllegalArgumentException("a tombstone (Mercury writes deletes as records with a value)");
            ItemWrite w = ItemWrite.fromBytes(r.value());
            if (!w.itemId().equals(r.key())) throw new IllegalArgumentException("key " + r.key() + " holds a write of item " + w.itemId());
            return w.withSeq(r.offset() + 1);
        } catch (RuntimeException e) {
            long n = skipped.incrementAndGet();
            if (n <= 10 || Long.bitCount(n) == 1) {
                LOG.log(System.Logger.Level.WARNING, "skipped record " + r.offset() + " of " + config.itemsTopic() + ": not a Mercury item write ("
                        + e.getMessage() + "); " + n + " skipped so far");
            }
            return null;
        }
    }

    /**
     * The cluster is unreachable and writes still wait for the producer: closes it at once, which
     * fails every record it holds (a send blocked on metadata included) so that none reaches Kafka
     * after its write was answered 503, and puts a fresh producer in its place. Follower thread.
     */
    private void withdrawSends() {
        KafkaProducer<String, byte[]> old;
        synchronized (producerLock) {
            if (closed) return;
            old = producer;
        }
        int waiting = sending.get();
        withdrawnProducer = old;
        old.close(Duration.ZERO); // closed before the new one exists: they share a client id (and its JMX name)
        synchronized (producerLock) {
            if (closed) return;
            try {
                producer = new KafkaProducer<>(KafkaClients.producer(config, "items-producer"));
            } catch (RuntimeException e) { // the settings were accepted at start; keep refusing writes through the closed one
                lastError = "producer: " + e;
                LOG.log(System.Logger.Level.ERROR, "could not replace the Kafka producer; writes fail until restart", e);
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "withdrew " + waiting + " write(s) waiting for the unreachable Kafka cluster; they answer 503 unavailable");
    }

    @Override
    public CompletableFuture<Long> append(ItemWrite write) {
        CompletableFuture<Long> taken = new CompletableFuture<>();
        KafkaProducer<String, byte[]> p = producer;
        java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
        if (sending.getAndIncrement() == 0) progressNanos = System.nanoTime();
        try {
            p.send(new ProducerRecord<>(config.itemsTopic(), 0, write.itemId(), write.toBytes()), (metadata, error) -> {
                if (!answered.compareAndSet(false, true)) return;
                sending.decrementAndGet();
                progressNanos = System.nanoTime();
                if (error != null) {
                    failed(taken, p, error);
                } else {
                    produced.incrementAndGet();
                    contact();
                    taken.complete(metadata.offset() + 1);
                }
            });
        } catch (RuntimeException e) { // metadata or buffer wait past max.block.ms, or the producer was closed (withdrawn)
            if (answered.compareAndSet(false, true)) sending.decrementAndGet();
            failed(taken, p, e);
        }
        return taken;
    }

    private void failed(CompletableFuture<Long> taken, KafkaProducer<String, byte[]> by, Throwable error) {
        produceFailures.incrementAndGet();
        if (by == withdrawnProducer && !closed) { // withdrawn by withdrawSends: say why rather than "producer closed"
            withdrawn.incrementAndGet();
            error = new ReplicationException("the Kafka cluster at " + config.bootstrapServers() + " is unreachable; the write was withdrawn", error);
        }
        lastError = "produce: " + error;
        taken.completeExceptionally(error);
    }

    @Override
    public boolean writable() {
        return reachable && !closed;
    }

    public Status status() {
        long pos = position;
        long end = Math.max(endOffset, pos);
        return new Status(config.itemsTopic(), reachable, pos, end, end - pos, lastContact, lastError, applied.get(), skipped.get(),
                produced.get(), produceFailures.get(), withdrawn.get(), startupMillis, follower != null && follower.isAlive());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops following and producing: sends in flight get up to a second, then fail (their writes answer 503 or were answered). */
    @Override
    public void close() {
        synchronized (producerLock) { // no replacement of the producer after this
            if (closed) return;
            closed = true;
        }
        KafkaClients.stop(consumer, follower, producer);
    }
}
