package ai.mercury.live;

import java.nio.file.Path;

/** The journal cannot be opened, read or written; the message says where and what to do. */
public final class JournalException extends RuntimeException {
    public JournalException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
