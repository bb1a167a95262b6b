package ai.mercury.events;

import ai.mercury.bundle.AtomicFiles;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The append-only event log: JSON lines in segment files {@code events-YYYYMMDD-NNNNNN.jsonl} under
 * one directory, written by one thread.
 *
 * <p><b>Durability.</b> {@link #append} completes once its records are written to the segment
 * file (the operating system's page cache): from then on a crash of the <em>process</em> (kill -9,
 * out of memory) loses nothing. The file is fsynced at least every {@code flushMs} while there are
 * unsynced writes (group commit), so a crash of the <em>machine</em> (power loss, kernel panic)
 * loses at most the records acknowledged in the last {@code flushMs}. An append with
 * {@code sync = true} completes only after an fsync that covers it (one fsync serves every sync
 * append of a group).
 *
 * <p><b>Segments.</b> A new segment starts at every start-up, when the current one passes
 * {@code segmentBytes}, and when the UTC day changes. Segments whose day is more than
 * {@code retentionDays} old are deleted at start-up and at each rotation. A torn last line (a
 * crash mid-write, never acknowledged) is truncated away at start-up.
 *
 * <p>One process owns a directory ({@code events.lock} is locked). Thread-safe: {@link #append}
 * may be called from any thread.
 */
public final class EventLog implements AutoCloseable {
    public static final String LOCK_FILE = "events.lock";
    private static final System.Logger LOG = System.getLogger(EventLog.class.getName());
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final JsonFactory JSON = new JsonFactory();

    /** Size, day, retention and flush settings. */
    public record Options(Path dir, int flushMs, long segmentBytes, int retentionDays) {}

    private record Pending(List<?> records, boolean sync, CompletableFuture<Void> done) {}

    private static final Pending STOP = new Pending(List.of(), false, new CompletableFuture<>());

    private final Options options;
    private final Consumer<List<?>> applied;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Records appended that the writer has not taken yet: what it owes. */
    private final AtomicLong pendingRecords = new AtomicLong();
    private final Thread writer;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private FileChannel segment;
    private Path segmentPath;
    private String segmentDay;
    private int segmentSeq;
    private long segmentSize;
    private boolean dirty;
    private long lastForceNanos = System.nanoTime();
    private volatile long lastForceMs = System.currentTimeMillis();
    private volatile boolean closed;

    /**
     * Opens the log, truncates a torn tail, applies retention, and starts the writer thread.
     *
     * @param applied called on the writer thread with each appended record list after it is written
     *                and before its append completes (the session store is updated there, so an
     *                acknowledged event is visible to the next {@code /recommend})
     */
    public EventLog(Options options, Consumer<List<?>> applied) {
        this.options = options;
        this.applied = applied;
        try {
            Files.createDirectories(options.dir());
            lockChannel = FileChannel.open(options.dir().resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new IllegalStateException(options.dir() + " is locked by another process (another server uses this event log directory)");
            }
            lock = l;
            List<Path> existing = EventLogReader.segments(options.dir());
            if (!existing.isEmpty()) {
                truncateTornTail(existing.get(existing.size() - 1));
                segmentSeq = EventLogReader.seqOf(existing.get(existing.size() - 1));
            }
            openSegment();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the event log in " + options.dir() + ": " + e.getMessage(), e);
        }
        writer = new Thread(this::run, "mercury-event-log");
        writer.setDaemon(true);
        writer.start();
    }

    private static void truncateTornTail(Path last) throws IOException {
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') break;
                keep--;
            }
            if (keep < size) {
                LOG.log(System.Logger.Level.WARNING, last + ": dropped a torn last line of " + (size - keep) + " bytes (a write that was never acknowledged)");
                ch.truncate(keep);
                ch.force(true);
            }
        }
    }

    /**
     * Appends {@link Event}s and {@link Forget}s in order. Completes after the write (or, with
     * {@code sync}, after the fsync); fails with an {@link UncheckedIOException} when the disk
     * refuses, in which case none of these records is in the log or was applied.
     */
    public CompletableFuture<Void> append(List<?> records, boolean sync) {
        pendingRecords.addAndGet(records.size());
        return enqueue(records, sync);
    }

    /**
     * {@link #append}, unless that would leave more than {@code maxPending} records waiting for the
     * writer: then nothing is appended and the answer is null. Check and count are one atomic step,
     * so callers on several threads together never pass the bound.
     */
    public CompletableFuture<Void> appendWithin(List<?> records, boolean sync, long maxPending) {
        long current;
        do {
            current = pendingRecords.get();
            if (current + records.size() > maxPending) return null;
        } while (!pendingRecords.compareAndSet(current, current + records.size()));
        return enqueue(records, sync);
    }

    /** Queues records already counted in {@link #pendingRecords}. */
    private CompletableFuture<Void> enqueue(List<?> records, boolean sync) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            pendingRecords.addAndGet(-records.size());
            done.completeExceptionally(new IllegalStateException("the event log is closed"));
            return done;
        }
        queue.add(new Pending(records, sync, done));
        return done;
    }

    /** Records appended that the writer has not started to write: grows when the writer cannot keep up. */
    public long pendingRecords() {
        return pendingRecords.get();
    }

    /** When the last fsync completed (epoch ms): everything appended before it survives a machine crash. */
    public long lastForceMs() {
        return lastForceMs;
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        List<Pending> waitingSync = new ArrayList<>();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
        boolean stopping = false;
        while (true) {
            try {
                long waitNanos = dirty ? Math.max(0, lastForceNanos + TimeUnit.MILLISECONDS.toNanos(options.flushMs()) - System.nanoTime())
                        : TimeUnit.MILLISECONDS.toNanos(options.flushMs());
                Pending first = stopping ? queue.poll() : queue.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (first != null) {
                    group.add(first);
                    queue.drainTo(group);
                }
                if (group.remove(STOP)) stopping = true;
                for (Pending p : group) { // one write per request (page cache, cheap); rotation between them keeps segments near their size
                    rotateIfDue();
                    pendingRecords.addAndGet(-p.records().size()); // taken: before its ack, which may come from inside write
                    write(List.of(p), waitingSync, buffer);
                }
                group.clear();
                boolean due = System.nanoTime() - lastForceNanos >= TimeUnit.MILLISECONDS.toNanos(options.flushMs());
                if (dirty && (!waitingSync.isEmpty() || due || stopping)) force(waitingSync);
                if (stopping && queue.isEmpty()) break;
            } catch (InterruptedException e) {
                stopping = true;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "event log writer failed; continuing", e);
            }
        }
        try {
            segment.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + segmentPath + ": " + e.getMessage());
        }
    }

    private void write(List<Pending> group, List<Pending> waitingSync, ByteArrayOutputStream buffer) {
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            for (Pending p : group) {
                for (Object r : p.records()) {
                    if (r instanceof Event e) e.write(g);
                    else ((Forget) r).write(g);
                    g.writeRaw('\n');
                }
            }
        } catch (IOException e) {
            failAll(group, new UncheckedIOException("cannot encode events: " + e.getMessage(), e));
            return;
        }
        long start = segmentSize;
        try {
            ByteBuffer bytes = ByteBuffer.wrap(buffer.toByteArray());
            while (bytes.hasRemaining()) segment.write(bytes);
            segmentSize = segment.position();
            dirty = true;
        } catch (IOException e) {
            try { // cut what was written of the group: a later append must not follow half a line
                segment.truncate(start);
                segment.position(start);
                segmentSize = start;
            } catch (IOException ignored) {
                // a torn line at the end is dropped at the next start-up
            }
            failAll(group, new UncheckedIOException("event log write failed: " + e.getMessage(), e));
            return;
        }
        for (Pending p : group) {
            try {
                applied.accept(p.records());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "applying logged events to the session store failed", e);
            }
            if (p.sync()) waitingSync.add(p);
            else p.done().complete(null);
        }
    }

    private void force(List<Pending> waitingSync) {
        try {
            segment.force(false);
            dirty = false;
            lastForceNanos = System.nanoTime();
            lastForceMs = System.currentTimeMillis();
            for (Pending p : waitingSync) p.done().complete(null);
        } catch (IOException e) {
            failAll(waitingSync, new UncheckedIOException("event log fsync failed: " + e.getMessage(), e));
        }
        waitingSync.clear();
    }

    private static void failAll(List<Pending> group, Throwable t) {
        for (Pending p : group) p.done().completeExceptionally(t);
    }

    private void rotateIfDue() {
        String today = LocalDate.now(ZoneOffset.UTC).format(DAY);
        if (segmentSize < options.segmentBytes() && today.equals(segmentDay)) return;
        try {
            segment.force(false);
            dirty = false;
            segment.close();
            openSegment();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rotate the event log segment " + segmentPath + ": " + e.getMessage(), e);
        }
    }

    private void openSegment() throws IOException {
        segmentDay = LocalDate.now(ZoneOffset.UTC).format(DAY);
        segmentSeq++;
        segmentPath = options.dir().resolve(String.format("events-%s-%06d.jsonl", segmentDay, segmentSeq));
        segment = FileChannel.open(segmentPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        segmentSize = 0;
        AtomicFiles.fsyncDirectory(options.dir());
        applyRetention();
    }

    private void applyRetention() {
        if (options.retentionDays() <= 0) return;
        String oldestKept = LocalDate.now(ZoneOffset.UTC).minusDays(options.retentionDays()).format(DAY);
        for (Path p : EventLogReader.segments(options.dir())) {
            if (p.equals(segmentPath) || EventLogReader.dayOf(p).compareTo(oldestKept) >= 0) continue;
            try {
                Files.deleteIfExists(p);
                LOG.log(System.Logger.Level.INFO, "event log retention: deleted " + p.getFileName());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "event log retention: cannot delete " + p + ": " + e.getMessage());
            }
        }
    }

    /** The segment being written. */
    public Path currentSegment() {
        return segmentPath;
    }

    /** Writes what is queued, fsyncs, stops the writer and releases the directory. Blocking. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(STOP);
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (lock.isValid()) lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing " + LOCK_FILE + ": " + e.getMessage());
        }
    }
}
