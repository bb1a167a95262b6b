package ai.mercury.replication;

/** Replication could not start or go on: the message says what and where (broker, topic). */
public final class ReplicationException extends RuntimeException {
    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
