package ai.mercury.bundle;

import ai.mercury.index.Vectors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes 2-D little-endian float32 NumPy {@code .npy} files (format 1.0), the
 * {@code item_vectors.npy} of a bundle. Only C-order {@code <f4} arrays are accepted.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,?\\s*\\)");

    private Npy() {}

    private static ByteBuffer header(long count, int dim) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + count + ", " + dim + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        head.put(header.getBytes(StandardCharsets.US_ASCII)).flip();
        return head;
    }

    /**
     * Writes a [count, dim] {@code <f4} array row by row through a small buffer, so that arrays
     * larger than the heap can be written; {@link #close()} checks that exactly {@code count} rows
     * came and forces the file to disk. Not thread-safe.
     */
    public static final class RowWriter implements AutoCloseable {
        private final FileChannel ch;
        private final Path file;
        private final long count;
        private final int dim;
        private final ByteBuffer buf;
        private long rows;

        public RowWriter(Path file, long count, int dim) throws IOException {
            this.file = file;
            this.count = count;
            this.dim = dim;
            this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            ByteBuffer head = header(count, dim);
            while (head.hasRemaining()) ch.write(head);
            this.buf = ByteBuffer.allocate(Math.max(dim * Float.BYTES, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        }

        public void write(float[] row) throws IOException {
            if (row.length != dim) throw new IllegalArgumentException("row of " + row.length + " values, expected " + dim);
            if (rows == count) throw new IllegalStateException(file + ": more than " + count + " rows");
            if (buf.remaining() < dim * Float.BYTES) flush();
            for (float v : row) buf.putFloat(v);
            rows++;
        }

        private void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
                if (rows != count) throw new IOException(file + ": " + rows + " rows written, the header says " + count);
                ch.force(true);
            } finally {
                ch.close();
            }
        }
    }

    /** Writes {@code vectors} as a {@code <f4} array of shape [count, dim]. */
    public static void write(Path file, Vectors vectors) throws IOException {
        ByteBuffer head = header(vectors.count(), vectors.dim());
        ByteBuffer body = ByteBuffer.allocate(vectors.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(vectors.data());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            while (body.hasRemaining()) ch.write(body);
            ch.force(true);
        }
    }

    /**
     * Reads a [count, dim] {@code <f4} array.
     *
     * @throws IOException with a message saying what is wrong (bad magic, dtype, shape, truncation)
     */
    public static Vectors read(Path file) throws IOException {
        long fileSize = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, file);
            pre.flip();
            for (byte b : MAGIC) {
                if (pre.get() != b) throw new IOException(file + ": not a .npy file (bad magic)");
            }
            int major = pre.get();
            pre.get();
            int headerLen;
            int prefix;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(pre.getShort());
                prefix = 10;
            } else if (major == 2 || major == 3) {
                ByteBuffer more = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, more, file);
                more.flip();
                headerLen = (Short.toUnsignedInt(pre.getShort())) | (Short.toUnsignedInt(more.getShort()) << 16);
                prefix = 12;
            } else {
                throw new IOException(file + ": unsupported .npy version " + major);
            }
            ByteBuffer hb = ByteBuffer.allocate(headerLen);
            readFully(ch, hb, file);
            String header = new String(hb.array(), StandardCharsets.US_ASCII);
            String descr = group(DESCR, header, file, "descr");
            if (!descr.equals("<f4")) throw new IOException(file + ": dtype " + descr + ", expected <f4 (little-endian float32)");
            if (group(FORTRAN, header, file, "fortran_order").equals("True")) {
                throw new IOException(file + ": Fortran-order arrays are not supported");
            }
            Matcher shape = SHAPE.matcher(header);
            if (!shape.find()) throw new IOException(file + ": shape is not 2-D in header " + header.trim());
            long count;
            long dim;
            long expectedBytes;
            try {
                count = Long.parseLong(shape.group(1));
                dim = Long.parseLong(shape.group(2));
                expectedBytes = Math.multiplyExact(Math.multiplyExact(count, dim), (long) Float.BYTES);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IOException(file + ": shape (" + shape.group(1) + ", " + shape.group(2) + ") is too large", e);
            }
            if (dim == 0) throw new IOException(file + ": shape (" + count + ", 0) has no columns");
            long actualBytes = fileSize - prefix - headerLen;
            if (actualBytes != expectedBytes) {
                throw new IOException(file + ": shape (" + count + ", " + dim + ") needs " + expectedBytes
                        + " data bytes, file has " + actualBytes + (actualBytes < expectedBytes ? " (truncated)" : ""));
            }
            if (count * dim > Integer.MAX_VALUE - 8) throw new IOException(file + ": array too large");
            // In chunks: a buffer of the whole file beside the array would double the peak heap
            // (another 512 MB for 1M items of 128 dims).
            float[] floats = new float[(int) (count * dim)];
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            int filled = 0;
            while (filled < floats.length) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), (long) (floats.length - filled) * Float.BYTES));
                readFully(ch, chunk, file);
                chunk.flip();
                int n = chunk.remaining() / Float.BYTES;
                chunk.asFloatBuffer().get(floats, filled, n);
                filled += n;
            }
            return new Vectors((int) count, (int) dim, floats);
        }
    }

    private static String group(Pattern p, String header, Path file, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(file + ": header has no valid '" + key + "': " + header.trim());
        return m.group(1);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) throw new IOException(file + ": unexpected end of file (truncated)");
        }
    }
}
