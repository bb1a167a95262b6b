package ai.mercury.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JitSchedulingTest {

    @Test
    void theStatLineIsReadFromTheLastParenthesis_soANameWithSpacesAndParenthesesParses() {
        // 52 fields as in /proc/PID/task/TID/stat; policy (field 41) = 5, rt_priority (40) = 0
        StringBuilder rest = new StringBuilder("S");
        for (int field = 4; field <= 52; field++) rest.append(' ').append(field == 41 ? "5" : field == 40 ? "0" : Integer.toString(field * 7));
        JitScheduling.Task t = JitScheduling.parseStat(42, "42 (C2 Compiler) x) " + rest);
        assertEquals("C2 Compiler) x", t.name());
        assertEquals(JitScheduling.SCHED_IDLE, t.policy());
        assertEquals(42, t.tid());
    }

    @Test
    void aMatchingThreadOfThisProcess_movesToTheIdleClass_andOnlyOnce() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: not Linux");
        assumeTrue(onPath("chrt"), "no chrt on PATH (util-linux): skipped");
        CountDownLatch stop = new CountDownLatch(1);
        AtomicLong tid = new AtomicLong();
        Thread background = new Thread(() -> {
            tid.set(ownTid());
            try {
                stop.await();
            } catch (InterruptedException ignored) {
                // ends the thread
            }
        }, "bgsched-probe-1");
        Thread other = new Thread(() -> {
            try {
                stop.await();
            } catch (InterruptedException ignored) {
                // ends the thread
            }
        }, "unrelated-probe");
        background.start();
        other.start();
        try {
            while (tid.get() == 0) Thread.onSpinWait();
            JitScheduling sched = new JitScheduling(Path.of("/proc/self/task"), List.of("bgsched-probe"), "chrt");
            assumeTrue(sched.usable(), "this process may not raise a thread back from the idle class (RLIMIT_NICE): skipped");
            assertEquals(List.of("bgsched-probe-1 -> idle"), sched.apply());
            JitScheduling.Task after = JitScheduling.read(Path.of("/proc/self/task/" + tid.get()));
            assertNotNull(after);
            assertEquals(JitScheduling.SCHED_IDLE, after.policy());
            assertEquals(List.of(), sched.apply(), "a thread already idle is left alone");
            for (JitScheduling.Task t : new JitScheduling(Path.of("/proc/self/task"), List.of("unrelated-probe"), "chrt").background()) {
                assertNotEquals(JitScheduling.SCHED_IDLE, t.policy(), "only the named threads move");
            }
        } finally {
            stop.countDown();
            background.join();
            other.join();
        }
    }

    @Test
    void withoutChrt_nothingMovesAndNothingThrows() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: not Linux");
        JitScheduling sched = new JitScheduling(Path.of("/proc/self/task"), List.of(""), "/nonexistent/chrt");
        assertTrue(sched.background().size() > 1, "every thread matches the empty prefix");
        assertEquals(List.of(), sched.apply());
    }

    @Test
    void theModesNameTheCompilerThreads() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: not Linux");
        // this JVM has both compilers (tiered compilation): c2 finds only C2's threads, all finds both
        List<String> c2 = JitScheduling.jit("c2").background().stream().map(JitScheduling.Task::name).distinct().toList();
        List<String> all = JitScheduling.jit("all").background().stream().map(JitScheduling.Task::name).distinct().sorted().toList();
        assertEquals(List.of(JitScheduling.C2), c2);
        assertEquals(List.of(JitScheduling.C1, JitScheduling.C2), all);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> JitScheduling.jit("off"));
    }

    @Test
    void aStarvedIdleCompiler_goesBackToNormal_andReturnsToIdleOnceAsleep(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // a /proc/self/task of one compiler thread, and a chrt that records what it was asked
        Path task = Files.createDirectories(dir.resolve("task/101"));
        Path calls = dir.resolve("calls.txt");
        Path chrt = dir.resolve("chrt");
        Files.writeString(chrt, "#!/bin/sh\necho \"$@\" >> " + calls + "\n");
        assumeTrue(chrt.toFile().setExecutable(true) && Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh: skipped");
        JitScheduling sched = new JitScheduling(dir.resolve("task"), List.of(JitScheduling.C2), chrt.toString());

        writeTask(task, 'R', JitScheduling.SCHED_IDLE, 0);
        assertEquals(List.of(), sched.apply(), "first pass: no earlier wait to compare with");
        assertEquals(List.of(), sched.apply(), "ran (no run-queue wait since the last pass): not starved");
        Thread.sleep(20);
        writeTask(task, 'R', JitScheduling.SCHED_IDLE, 60_000_000_000L);
        assertEquals(List.of("C2 CompilerThre -> normal (starved)"), sched.apply());
        assertEquals(1, sched.starvedCount());
        writeTask(task, 'R', 0, 60_000_000_000L);
        assertEquals(List.of(), sched.apply(), "still compiling: stays normal");
        writeTask(task, 'S', 0, 60_000_000_000L);
        assertEquals(List.of("C2 CompilerThre -> idle"), sched.apply(), "asleep: its queue is empty");
        assertEquals(List.of("--other --pid 0 101", "--idle --pid 0 101"), Files.readAllLines(calls));
    }

    private static void writeTask(Path task, char state, int policy, long runQueueWaitNanos) throws Exception {
        StringBuilder stat = new StringBuilder("101 (C2 CompilerThre) ").append(state);
        for (int field = 4; field <= 52; field++) stat.append(' ').append(field == 41 ? policy : 0);
        Files.writeString(task.resolve("stat"), stat + "\n");
        Files.writeString(task.resolve("schedstat"), "123456 " + runQueueWaitNanos + " 7\n");
    }

    @Test
    void withoutProc_thereIsNothingToMove() {
        JitScheduling sched = new JitScheduling(Path.of("/nonexistent/proc/self/task"), List.of(""), "chrt");
        assertEquals(List.of(), sched.background());
        assertEquals(List.of(), sched.apply());
    }

    private static long ownTid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
