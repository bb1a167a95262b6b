package ai.mercury.model;

import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Response caches key on (version, cache epoch): two snapshots of the same bundle (an index
 * rebuild, a rollback to a version served before) must never hand out the same epoch.
 */
class SnapshotEpochTest {

    @Test
    void snapshotsOfOneVersionNeverShareAnEpoch(@TempDir Path artifacts) throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        SnapshotLoader.Options options = new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.EXACT), 1, 1, null);
        Snapshot first = SnapshotLoader.load(dir, options, l -> { });
        Snapshot second = SnapshotLoader.load(dir, options, l -> { });
        try {
            assertEquals(first.version(), second.version());
            Set<Long> seen = new HashSet<>();
            assertTrue(seen.add(first.cacheEpoch()));
            assertTrue(seen.add(second.cacheEpoch()));
            for (int write = 1; write <= 5; write++) {
                first.liveWriteApplied(write);
                assertTrue(seen.add(first.cacheEpoch()), "a write moves the epoch to one never used");
                second.liveWriteApplied(write);
                assertTrue(seen.add(second.cacheEpoch()), "the same writes on another snapshot of the version give other epochs");
            }
            assertEquals(5, first.journalSequence());
        } finally {
            first.retire();
            second.retire();
        }
    }
}
