package ai.mercury.live;

import ai.mercury.bundle.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The live-item journal: an append-only file of framed {@link ItemWrite} records, fsynced before a
 * write is acknowledged. Layout: the 8-byte magic {@code MERCJNL1}, then records of
 * {@code [int32 payload length][int32 CRC32C of the payload][payload]} (big-endian).
 *
 * <p>Reading: a record that runs past the end of the file, or whose checksum fails while it is the
 * last thing in the file, is a torn tail (a crash mid-append, never acknowledged): it is reported
 * and truncated away. A bad record followed by more data is corruption of acknowledged writes, and
 * opening fails with the offset rather than silently dropping them.
 *
 * <p>One process owns a journal: {@link #open} takes an exclusive file lock, so a second server
 * pointed at the same directory fails at start-up. Not thread-safe: the live-item writer thread is
 * the only user.
 */
public final class Journal implements AutoCloseable {
    public static final String FILE_NAME = "items.journal";
    static final byte[] MAGIC = {'M', 'E', 'R', 'C', 'J', 'N', 'L', '1'};
    private static final int HEADER = 8;
    /** Largest payload accepted when reading: guards against a garbage length field. */
    static final int MAX_PAYLOAD = 16 * 1024 * 1024;
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    private final Path file;
    private FileChannel channel;
    private FileLock lock;
    private long records;

    /** What {@link #open} found. */
    public record Replay(List<ItemWrite> writes, long tornBytes) {}

    private Journal(Path file) {
        this.file = file;
    }

    /** Opens (or creates) the journal in {@code dir}, reads it and truncates a torn tail. */
    public static Journal open(Path dir, List<ItemWrite> into) {
        Path file = dir.resolve(FILE_NAME);
        Journal j = new Journal(file);
        try {
            Files.createDirectories(dir);
            j.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                j.lock = j.channel.tryLock();
            } catch (OverlappingFileLockException e) {
                j.lock = null;
            }
            if (j.lock == null) {
                j.channel.close();
                throw new JournalException(file, "locked by another process (another server uses this journal directory)", null);
            }
            Replay replay = read(file, j.channel);
            into.addAll(replay.writes());
            j.records = replay.writes().size();
            if (j.channel.size() == 0) {
                j.channel.write(ByteBuffer.wrap(MAGIC), 0);
                j.channel.force(true);
                AtomicFiles.fsyncDirectory(dir);
            } else if (replay.tornBytes() > 0) {
                long keep = j.channel.size() - replay.tornBytes();
                LOG.log(System.Logger.Level.WARNING, file + ": dropped a torn tail of " + replay.tornBytes()
                        + " bytes at offset " + keep + " (a write that was never acknowledged)");
                j.channel.truncate(keep);
                j.channel.force(true);
            }
            j.channel.position(j.channel.size());
            return j;
        } catch (IOException e) {
            j.closeQuietly();
            throw new JournalException(file, "cannot open: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            j.closeQuietly();
            throw e;
        }
    }

    /** Reads every record of an open journal without changing it. */
    static Replay read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        List<ItemWrite> out = new ArrayList<>();
        if (size == 0) return new Replay(out, 0);
        ByteBuffer magic = ByteBuffer.allocate(HEADER);
        readFully(ch, magic, 0);
        if (size < HEADER || !java.util.Arrays.equals(magic.array(), MAGIC)) {
            throw new JournalException(file, "not a Mercury journal (bad magic); move it away to start with an empty journal", null);
        }
        long pos = HEADER;
        ByteBuffer frame = ByteBuffer.allocate(8);
        CRC32C crc = new CRC32C();
        long lastSeq = 0;
        while (pos < size) {
            if (size - pos < 8) return new Replay(out, size - pos);
            frame.clear();
            readFully(ch, frame, pos);
            int len = frame.getInt(0);
            int sum = frame.getInt(4);
            if (len <= 0 || len > MAX_PAYLOAD || pos + 8 + len > size) {
                // Runs past the end, or zeros where a record should start (a crash after the file grew): torn.
                if ((len > 0 && pos + 8 + (long) len > size) || zerosFrom(ch, pos, size)) return new Replay(out, size - pos);
                throw corrupt(file, pos, "bad record length " + len);
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(ch, payload, pos + 8);
            crc.reset();
            crc.update(payload.array(), 0, len);
            boolean last = pos + 8 + len == size;
            if ((int) crc.getValue() != sum) {
                if (last || zerosFrom(ch, pos + 8 + len, size)) return new Replay(out, size - pos);
                throw corrupt(file, pos, "checksum mismatch");
            }
            ItemWrite w;
            try {
                w = ItemWrite.fromBytes(payload.array());
            } catch (IllegalArgumentException e) {
                throw corrupt(file, pos, "unreadable record: " + e.getMessage());
            }
            if (w.seq() <= lastSeq) throw corrupt(file, pos, "sequence " + w.seq() + " after " + lastSeq);
            lastSeq = w.seq();
            out.add(w);
            pos += 8 + len;
        }
        return new Replay(out, 0);
    }

    private static boolean zerosFrom(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long pos = from; pos < size; ) {
            buf.clear();
            int n = ch.read(buf, pos);
            if (n <= 0) return true;
            for (int i = 0; i < n; i++) if (buf.get(i) != 0) return false;
            pos += n;
        }
        return true;
    }

    private static JournalException corrupt(Path file, long offset, String what) {
        return new JournalException(file, what + " at offset " + offset + " with more records after it: the journal is corrupt, not torn."
                + " Acknowledged writes would be lost, so the server does not start; restore the file or move it away", null);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Appends the records and fsyncs once (group commit). They are durable when this returns. */
    public void append(List<ItemWrite> writes) {
        if (writes.isEmpty()) return;
        long start = -1;
        try {
            start = channel.position();
            ByteBuffer buf = ByteBuffer.wrap(frames(writes));
            while (buf.hasRemaining()) channel.write(buf);
            channel.force(false);
            records += writes.size();
        } catch (IOException e) {
            // Cut what was written of the group: later appends must not follow a half record.
            try {
                if (start >= 0) {
                    channel.truncate(start);
                    channel.position(start);
                }
            } catch (IOException ignored) {
                // the next open treats the remains as a torn tail only if nothing follows them
            }
            throw new JournalException(file, "append failed: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the journal with {@code writes} (compaction): a new file is written, fsynced and
     * renamed over the old one, so a crash leaves either the old or the new journal.
     */
    public void rewrite(List<ItemWrite> writes) {
        Path tmp = file.resolveSibling(FILE_NAME + ".compact");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(concat(MAGIC, frames(writes)));
                while (buf.hasRemaining()) out.write(buf);
                out.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.fsyncDirectory(file.getParent());
            FileLock oldLock = lock;
            FileChannel old = channel;
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            lock = channel.tryLock();
            channel.position(channel.size());
            oldLock.release();
            old.close();
            records = writes.size();
        } catch (IOException e) {
            throw new JournalException(file, "compaction failed (the old journal is intact): " + e.getMessage(), e);
        }
    }

    /** Records in the file now (including superseded ones until the next compaction). */
    public long records() {
        return records;
    }

    public Path file() {
        return file;
    }

    private static byte[] frames(List<ItemWrite> writes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(writes.size() * 256);
        CRC32C crc = new CRC32C();
        for (ItemWrite w : writes) {
            byte[] payload = w.toBytes();
            crc.reset();
            crc.update(payload, 0, payload.length);
            ByteBuffer head = ByteBuffer.allocate(8).putInt(payload.length).putInt((int) crc.getValue());
            out.writeBytes(head.array());
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        try {
            if (lock != null && lock.isValid()) lock.release();
            if (channel != null) channel.close();
        } catch (IOException e) {
            throw new JournalException(file, "close failed: " + e.getMessage(), e);
        }
    }
}
