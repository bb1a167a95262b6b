package ai.mercury.replication;

import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Setting up a topic waits out a broker that does not know a just-created topic yet, and nothing else. */
class KafkaClientsTest {
    private static long in(long ms) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void untilKnown_retriesAnUnknownTopicOfANewTopic_untilTheBrokerKnowsIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String got = KafkaClients.untilKnown(true, in(5_000), () -> {
            if (calls.incrementAndGet() < 3) throw new ExecutionException(new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
            return "described";
        });
        assertEquals("described", got);
        assertEquals(3, calls.get());
    }

    @Test
    void untilKnown_doesNotRetryOtherFailures_norATopicItMayNotCreate_norPastTheDeadline() {
        AtomicInteger calls = new AtomicInteger();
        ExecutionException denied = assertThrows(ExecutionException.class, () -> KafkaClients.untilKnown(true, in(5_000), () -> {
            calls.incrementAndGet();
            throw new ExecutionException(new TopicAuthorizationException("denied"));
        }));
        assertInstanceOf(TopicAuthorizationException.class, denied.getCause());
        assertEquals(1, calls.get(), "another failure is given up at once");

        calls.set(0);
        assertThrows(ExecutionException.class, () -> KafkaClients.untilKnown(false, in(5_000), () -> {
            calls.incrementAndGet();
            throw new ExecutionException(new UnknownTopicOrPartitionException("missing"));
        }));
        assertEquals(1, calls.get(), "create_topics off: a missing topic is missing");

        calls.set(0);
        long t0 = System.nanoTime();
        assertThrows(ExecutionException.class, () -> KafkaClients.untilKnown(true, in(350), () -> {
            calls.incrementAndGet();
            throw new ExecutionException(new UnknownTopicOrPartitionException("never"));
        }));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(calls.get() >= 2 && tookMs < 5_000, "retried, then gave up at the deadline: " + calls.get() + " calls in " + tookMs + " ms");
    }
}
