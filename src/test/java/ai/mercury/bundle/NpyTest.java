package ai.mercury.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.index.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NpyTest {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    @TempDir
    Path tmp;

    @Test
    void writeThenRead_roundTripsShapeAndBits() throws Exception {
        float[] data = {0f, -0f, 1.5f, -2.25f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN,
                (float) Math.PI, 1e-30f, -7f, 42f};
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(3, 4, data));

        Vectors read = Npy.read(file);

        assertEquals(3, read.count());
        assertEquals(4, read.dim());
        for (int i = 0; i < data.length; i++) {
            assertEquals(Float.floatToIntBits(data[i]), Float.floatToIntBits(read.data()[i]), "float " + i);
        }
    }

    @Test
    void writeThenRead_zeroRows_roundTrips() throws Exception {
        Path file = tmp.resolve("empty.npy");
        Npy.write(file, new Vectors(0, 8, new float[0]));
        Vectors read = Npy.read(file);
        assertEquals(0, read.count());
        assertEquals(8, read.dim());
    }

    @Test
    void write_headerIsNumpyFormat10_alignedTo64_littleEndianFloat32() throws Exception {
        float[] data = {1f, 2f, 3f, 4f, 5f, 6f};
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(2, 3, data));
        byte[] bytes = Files.readAllBytes(file);

        assertArrayEquals(MAGIC, Arrays.copyOf(bytes, 6));
        assertEquals(1, bytes[6], "major version");
        assertEquals(0, bytes[7], "minor version");
        int headerLen = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        int dataStart = 10 + headerLen;
        assertEquals(0, dataStart % 64, "data must start at a multiple of 64, starts at " + dataStart);
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertEquals('\n', header.charAt(header.length() - 1));
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.stripTrailing());
        assertEquals(dataStart + data.length * 4, bytes.length);
        ByteBuffer body = ByteBuffer.wrap(bytes, dataStart, data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) assertEquals(f, body.getFloat());
    }

    @Test
    void write_matchesNumpySaveByteForByte() throws Exception {
        // What numpy.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) writes (numpy 2.4).
        ByteArrayOutputStream numpy = new ByteArrayOutputStream();
        numpy.write(MAGIC);
        numpy.write(new byte[] {1, 0, 118, 0});
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        numpy.write((dict + " ".repeat(118 - 1 - dict.length()) + "\n").getBytes(StandardCharsets.US_ASCII));
        ByteBuffer body = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) body.putFloat(i);
        numpy.write(body.array());

        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(2, 3, new float[] {0, 1, 2, 3, 4, 5}));

        assertArrayEquals(numpy.toByteArray(), Files.readAllBytes(file));
    }

    @Test
    void read_oldNumpyHeaderPaddedTo16_isAccepted() throws Exception {
        // numpy before 1.14 aligned the data to 16 bytes, not 64; readers must not insist on 64.
        Path file = write("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", 16, floats(3f, 4f));
        Vectors v = Npy.read(file);
        assertArrayEquals(new float[] {3f, 4f}, v.data());
    }

    @Test
    void read_version20Header_isAccepted() throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }";
        int unpadded = 12 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(12 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 2).put((byte) 0).putInt(header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        b.putFloat(5f).putFloat(6f);
        Path file = tmp.resolve("v2.npy");
        Files.write(file, b.array());

        Vectors v = Npy.read(file);

        assertEquals(2, v.count());
        assertEquals(1, v.dim());
        assertArrayEquals(new float[] {5f, 6f}, v.data());
    }

    @Test
    void read_keysInOtherOrderAndNoSpaces_isAccepted() throws Exception {
        Path file = write("{'shape':(1,2),'fortran_order':False,'descr':'<f4'}", 64, floats(1f, 2f));
        assertArrayEquals(new float[] {1f, 2f}, Npy.read(file).data());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        ">f4 big-endian     | {'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), } | 8  | dtype >f4",
        "<f8 float64        | {'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), } | 8  | dtype <f8",
        "1-D shape          | {'descr': '<f4', 'fortran_order': False, 'shape': (2,), }   | 8  | not 2-D",
        "3-D shape          | {'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2), } | 8 | not 2-D",
        "0-D shape          | {'descr': '<f4', 'fortran_order': False, 'shape': (), }     | 4  | not 2-D",
        "Fortran order      | {'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }  | 8  | Fortran",
        "no descr           | {'fortran_order': False, 'shape': (1, 2), }                 | 8  | descr",
        "zero columns       | {'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), } | 0  | no columns",
        "absurd shape       | {'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2), } | 8 | too large",
        "overflowing shape  | {'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), } | 8 | too large",
    })
    void read_unsupportedHeader_rejectedWithClearMessage(String name, String dict, int dataBytes, String expected) throws Exception {
        Path file = write(dict, 64, new byte[dataBytes]);
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "message should name the file: " + e.getMessage());
    }

    @Test
    void read_badMagic_rejected() throws Exception {
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(1, 2, new float[2]));
        byte[] bytes = Files.readAllBytes(file);
        bytes[1] = 'X';
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }

    @Test
    void read_unknownMajorVersion_rejected() throws Exception {
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(1, 2, new float[2]));
        byte[] bytes = Files.readAllBytes(file);
        bytes[6] = 9;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("unsupported .npy version 9"), e.getMessage());
    }

    @Test
    void read_truncatedData_rejectedNamingTruncation() throws Exception {
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(3, 4, new float[12]));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("needs 48 data bytes, file has 47 (truncated)"), e.getMessage());
    }

    @Test
    void read_truncatedHeader_rejectedNamingTruncation() throws Exception {
        Path file = tmp.resolve("v.npy");
        Npy.write(file, new Vectors(3, 4, new float[12]));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, 30));
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(file, Arrays.copyOf(bytes, 5));
        e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void read_trailingBytes_rejected() throws Exception {
        Path file = write("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", 64, new byte[12]);
        IOException e = assertThrows(IOException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("needs 8 data bytes, file has 12"), e.getMessage());
    }

    /** A format-1.0 file with {@code dict} as header, padded so the data starts at a multiple of {@code align}. */
    private Path write(String dict, int align, byte[] data) throws IOException {
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((align - unpadded % align) % align) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        Path file = Files.createTempFile(tmp, "crafted", ".npy");
        Files.write(file, b.array());
        return file;
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }
}
