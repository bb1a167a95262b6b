package ai.mercury.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes objects between verticles of one JVM by reference: no serialization. Sending across a
 * cluster is not supported (Mercury replicas share nothing but bundles).
 */
final class LocalCodec<T> implements MessageCodec<T, T> {
    private final String name;

    LocalCodec(Class<T> type) {
        this.name = "local-" + type.getName();
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
        throw new UnsupportedOperationException(name + " is local only");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException(name + " is local only");
    }

    @Override
    public T transform(T t) {
        return t;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
