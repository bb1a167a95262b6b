package ai.mercury.data;

import java.io.IOException;

/**
 * A data file or a dataset config that cannot be used: a missing column, too many unparsable rows,
 * an invalid config key. The message is a sentence for the user that names the file and the
 * column or key at fault.
 */
public final class DatasetException extends IOException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
