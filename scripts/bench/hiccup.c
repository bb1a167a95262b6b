/*
 * The machine's own hiccups: spins on the clock for SECONDS and counts the gaps longer than
 * 1 ms, i.e. the times this thread was not running although it never blocked (the hypervisor,
 * other tenants, interrupts). Whatever a server pinned to the same core does, its latency
 * cannot be better than this floor. Built and run by scripts/bench/hiccup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 20;
    const long bounds[] = {5000000L, 10000000L, 20000000L, 50000000L, 100000000L};
    long counts[6] = {0}, longest = 0, lost = 0;
    long end = now_ns() + (long) (seconds * 1e9), last = now_ns();
    for (;;) {
        long t = now_ns(), gap = t - last;
        last = t;
        if (gap > longest) longest = gap;
        if (gap > 1000000L) {
            int b = 0;
            while (b < 5 && gap > bounds[b]) b++;
            counts[b]++;
            lost += gap;
        }
        if (t > end) break;
    }
    printf("{\"seconds\":%.0f,\"gaps_1_5ms\":%ld,\"gaps_5_10ms\":%ld,\"gaps_10_20ms\":%ld,\"gaps_20_50ms\":%ld,"
           "\"gaps_50_100ms\":%ld,\"gaps_over_100ms\":%ld,\"longest_ms\":%.1f,\"lost_ms\":%.1f}\n",
           seconds, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], longest / 1e6, lost / 1e6);
    return 0;
}
