package ai.mercury.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Moves the JIT's compiler threads into Linux's {@code SCHED_IDLE} class once the server is warm
 * ({@code sched.idle_jit}). Why: on one core, a C2 compilation runs for milliseconds at a time, and a
 * request that wakes the event loop meanwhile waits for the compiler's time slice; in the first
 * seconds after ready, when real traffic deoptimises and recompiles paths the warm-up did not teach,
 * those waits were the p99 (docs/bench/warmup.md, run 5). The kernel preempts an idle-class thread as
 * soon as a normal one wakes, so compilation fills the gaps between requests instead of delaying them;
 * it still has the whole core when nothing else runs.
 *
 * <p>The cost: while the core is saturated an idle-class thread barely runs, so code waiting for C2
 * stays at C1's speed longer. The default ({@code c2}) therefore leaves C1 at normal priority: a
 * deoptimised method is back in compiled (C1) code within a millisecond or two, never stuck
 * interpreted. {@code all} moves C1 too; {@code off} keeps the OS defaults.
 *
 * <p>Linux only, through {@code /proc/self/task} and util-linux's {@code chrt} (lowering one's own
 * threads needs no privilege). Compiler threads the JVM adds later are started by a compiler thread
 * and inherit its class; {@link #apply()} may be called again and only touches threads not yet idle.
 * Where {@code /proc} or {@code chrt} is missing it does nothing.
 */
public final class JitScheduling {
    private static final System.Logger LOG = System.getLogger(JitScheduling.class.getName());
    /** {@code SCHED_IDLE} in {@code /proc/.../stat}'s policy field. */
    static final int SCHED_IDLE = 5;
    /** Thread names as the kernel shows them (15 characters at most). */
    static final String C1 = "C1 CompilerThre";
    static final String C2 = "C2 CompilerThre";

    private final Path tasks;
    private final List<String> names;
    private final String chrt;
    private final java.util.Map<Long, Long> lastWaitNanos = new java.util.HashMap<>();
    private long lastPassNanos = System.nanoTime();
    private long starvedCount;
    private long lastStarvedLogNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);
    /** Set after chrt failed once: the rule stops rather than fork a failing process every pass. */
    private volatile boolean disabled;

    /** {@code sched.idle_jit}: {@code c2} (C2 compiler threads) or {@code all} (C1 and C2). */
    public static JitScheduling jit(String which) {
        List<String> names = switch (which) {
            case "c2" -> List.of(C2);
            case "all" -> List.of(C1, C2);
            default -> throw new IllegalArgumentException("sched.idle_jit: " + which);
        };
        return new JitScheduling(Path.of("/proc/self/task"), names, "chrt");
    }

    JitScheduling(Path tasks, List<String> names, String chrt) {
        this.tasks = tasks;
        this.names = List.copyOf(names);
        this.chrt = chrt;
    }

    /** A thread of this process as the kernel lists it. */
    record Task(long tid, String name, char state, int policy) {
    }

    /**
     * One pass of the rule: a compiler thread at normal priority that is asleep (its queue is empty)
     * moves to the idle class; an idle one that spent more than half of the time since the last pass
     * waiting in the run queue is starved (the core is saturated and code waits for C2 at C1's speed)
     * and goes back to normal priority until its queue is empty again. Blocking (reads {@code /proc},
     * runs {@code chrt}): call it off the event loop. Returns what it changed, e.g. {@code "C2 CompilerThre -> idle"}.
     */
    public List<String> apply() {
        long now = System.nanoTime();
        long since = now - lastPassNanos;
        lastPassNanos = now;
        List<String> changed = new ArrayList<>();
        if (disabled) return changed;
        for (Task t : background()) {
            long waited = runQueueWaitNanos(t.tid());
            Long before = lastWaitNanos.put(t.tid(), waited);
            if (t.policy() != SCHED_IDLE && t.state() == 'S') {
                if (!setPolicy(t.tid(), "--idle")) return changed;
                changed.add(t.name() + " -> idle");
            } else if (t.policy() == SCHED_IDLE && before != null && waited >= 0 && waited - before > since / 2) {
                if (!setPolicy(t.tid(), "--other")) return changed;
                starvedCount++;
                changed.add(t.name() + " -> normal (starved)");
            }
        }
        return changed;
    }

    /**
     * Whether this process may both lower a thread to the idle class and raise it back: without the
     * way back the starvation rule cannot work, so nothing is moved. Unprivileged processes need
     * {@code RLIMIT_NICE} of 20 ({@code ulimit -e 20}, systemd's {@code LimitNICE=20}) or
     * {@code CAP_SYS_NICE}. Tried on a thread of its own, which then ends. Blocking.
     */
    public boolean usable() {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong tid = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Thread probe = new Thread(() -> {
            try {
                tid.set(Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()));
            } catch (IOException | RuntimeException e) {
                // no /proc: tid stays -1
            }
            started.countDown();
            try {
                done.await();
            } catch (InterruptedException ignored) {
                // ends the probe
            }
        }, "mercury-sched-probe");
        probe.setDaemon(true);
        probe.start();
        try {
            started.await();
            if (tid.get() < 0) return false;
            if (!setPolicy(tid.get(), "--idle")) return false;
            if (!setPolicy(tid.get(), "--other")) {
                LOG.log(System.Logger.Level.INFO, "sched.idle_jit: this process cannot raise a thread back from the idle class "
                        + "(needs RLIMIT_NICE 20, e.g. ulimit -e 20 or systemd LimitNICE=20, or CAP_SYS_NICE); compiler threads keep their scheduling");
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            done.countDown();
        }
    }

    /** How often a compiler thread was found starved and put back to normal priority. */
    public long starvedCount() {
        return starvedCount;
    }

    /** Applies the rule every {@code periodMs} on a daemon thread of its own, from now on. */
    public Thread watch(long periodMs) {
        Thread t = new Thread(() -> {
            while (!disabled) {
                long starvedBefore = starvedCount;
                List<String> changed = apply();
                if (!changed.isEmpty()) LOG.log(System.Logger.Level.DEBUG, "sched.idle_jit: " + changed);
                if (starvedCount > starvedBefore && System.nanoTime() - lastStarvedLogNanos > TimeUnit.MINUTES.toNanos(1)) {
                    lastStarvedLogNanos = System.nanoTime();
                    LOG.log(System.Logger.Level.INFO, "sched.idle_jit: a JIT compiler thread was starved (the core is saturated) and runs at normal "
                            + "priority until its queue is empty; " + starvedCount + " times since start");
                }
                try {
                    Thread.sleep(periodMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "mercury-jit-sched");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Nanoseconds the thread has waited in a run queue since it started ({@code schedstat}); -1 when unknown. */
    private long runQueueWaitNanos(long tid) {
        try {
            String[] f = Files.readString(tasks.resolve(Long.toString(tid)).resolve("schedstat"), StandardCharsets.US_ASCII).trim().split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The matching threads of this process and their scheduling policy; empty where there is no {@code /proc}. */
    List<Task> background() {
        List<Task> found = new ArrayList<>();
        if (!Files.isDirectory(tasks)) return found;
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path dir : (Iterable<Path>) list::iterator) {
                Task t = read(dir);
                if (t != null && names.stream().anyMatch(t.name()::startsWith)) found.add(t);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot list " + tasks + ": " + e.getMessage());
        }
        return found;
    }

    /** Reads one {@code /proc/self/task/TID}; null when the thread has gone meanwhile. */
    static Task read(Path dir) {
        try {
            long tid = Long.parseLong(dir.getFileName().toString());
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
            return parseStat(tid, stat);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code pid (comm) state ...}: the name may hold spaces and parentheses, so fields are counted
     * from the last ')'; the policy is field 41 of the line.
     */
    static Task parseStat(long tid, String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) throw new IllegalArgumentException("not a stat line");
        String[] rest = stat.substring(close + 1).trim().split(" ");
        return new Task(tid, stat.substring(open + 1, close), rest[0].charAt(0), Integer.parseInt(rest[41 - 3]));
    }

    private boolean setPolicy(long tid, String policy) {
        try {
            Process p = new ProcessBuilder(chrt, policy, "--pid", "0", Long.toString(tid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.log(System.Logger.Level.INFO, "sched.idle_jit: " + chrt + " did not finish; compiler threads keep their scheduling");
                disabled = true;
                return false;
            }
            if (p.exitValue() != 0) {
                LOG.log(System.Logger.Level.INFO, "sched.idle_jit: " + chrt + " " + policy + " failed (exit " + p.exitValue() + "); compiler threads keep their scheduling");
                disabled = true;
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "sched.idle_jit: cannot run " + chrt + " (" + e.getMessage() + "); compiler threads keep their scheduling");
            disabled = true;
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
