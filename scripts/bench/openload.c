// An open-model HTTP/1.1 load generator in C, for overload measurements on a small machine: the
// JVM generator (ai.mercury.bench.LoadGenerator) needs its whole core at twice the server's capacity,
// so its own queueing showed up as the server's latency. This one sends POST requests at a constant
// rate over keep-alive connections from one epoll thread and measures every answer from its due time
// (a request due while every connection is busy waits, and that wait counts: no coordinated omission).
//
//   gcc -O2 -o openload scripts/bench/openload.c -lm
//   openload --port 18080 --path /recommend --bodies FILE --rate 9000 --duration 60 --warmup 0
//            --connections 512 --label overload-2x > result.json      (one command line)
//
// FILE holds one request body per line. Prints one JSON object: answers split into accepted (2xx) and
// refused (503), their percentiles from the due time, how many took over 50 ms (accepted) and over
// 5 ms (refused), the generator's own send lag (due to written) and CPU, and a timeline per --slot-ms of
// due time (1000 by default) [slot, accepted, accepted over 50 ms, refused, refused over 5 ms, slowest
// answer in ms]. Only 127.0.0.1; stops by itself.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { IDLE, CONNECTING, BUSY, DEAD };

typedef struct {
    int fd, state, status;
    double due;            // due time of the request in flight (s since start)
    size_t sent, len;      // bytes of the request written, and its length
    const char *req;
    char buf[65536];
    size_t have;
} conn_t;

typedef struct { double *v; size_t n, cap; } vec_t;

static void push(vec_t *a, double x) {
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 65536;
        a->v = realloc(a->v, a->cap * sizeof(double));
        if (!a->v) { perror("realloc"); exit(1); }
    }
    a->v[a->n++] = x;
}

static int cmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(vec_t *a, double p) {
    if (a->n == 0) return 0;
    size_t i = (size_t)(p * (a->n - 1) + 0.5);
    return a->v[i];
}

static struct timespec t0;
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

static int port = 18080, connections = 512, epfd;
static struct sockaddr_in addr;

static void open_conn(conn_t *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { perror("socket"); exit(1); }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->have = 0;
    int r = connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    c->state = (r == 0) ? IDLE : CONNECTING;
    if (r < 0 && errno != EINPROGRESS) { close(c->fd); c->state = DEAD; return; }
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void close_conn(conn_t *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = DEAD;
}

// Writes what is left of the request; 0 when all of it is out or it must wait, -1 on error.
static int flush_req(conn_t *c) {
    while (c->sent < c->len) {
        ssize_t w = write(c->fd, c->req + c->sent, c->len - c->sent);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->sent += (size_t)w;
    }
    return 0;
}

// A complete response in c->buf: its total length, or 0 when more bytes are needed.
static size_t response_len(conn_t *c) {
    if (c->have < 12) return 0;
    char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buf) + 4;
    c->status = atoi(c->buf + 9);
    long body = 0;
    for (char *p = c->buf; p < end; p++) {
        if ((*p == 'c' || *p == 'C') && strncasecmp(p, "content-length:", 15) == 0) { body = atol(p + 15); break; }
    }
    return c->have >= head + (size_t)body ? head + (size_t)body : 0;
}

int main(int argc, char **argv) {
    double rate = 1000, duration = 10, warmup = 0, slot_ms = 1000;
    const char *path = "/recommend", *bodies_file = NULL, *label = "openload";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rate")) rate = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--duration")) duration = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--slot-ms")) slot_ms = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--connections")) connections = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--path")) path = argv[i + 1];
        else if (!strcmp(argv[i], "--bodies")) bodies_file = argv[i + 1];
        else if (!strcmp(argv[i], "--label")) label = argv[i + 1];
        else { fprintf(stderr, "openload: unknown option %s\n", argv[i]); return 2; }
    }
    if (!bodies_file || rate <= 0) { fprintf(stderr, "openload: need --bodies FILE and --rate > 0\n"); return 2; }
    FILE *f = fopen(bodies_file, "r");
    if (!f) { perror(bodies_file); return 2; }
    char **reqs = NULL; size_t *lens = NULL, nreq = 0;
    char *line = NULL; size_t cap = 0; ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        reqs = realloc(reqs, (nreq + 1) * sizeof *reqs);
        lens = realloc(lens, (nreq + 1) * sizeof *lens);
        size_t sz = (size_t)n + 256 + strlen(path);
        reqs[nreq] = malloc(sz);
        lens[nreq] = (size_t)snprintf(reqs[nreq], sz,
            "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nContent-Length: %zd\r\n\r\n%s",
            path, port, n, line);
        nreq++;
    }
    fclose(f);
    if (nreq == 0) { fprintf(stderr, "openload: no bodies in %s\n", bodies_file); return 2; }

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    epfd = epoll_create1(0);
    conn_t *conns = calloc((size_t)connections, sizeof(conn_t));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < connections; i++) open_conn(&conns[i]);

    if (slot_ms < 1) slot_ms = 1;
    int seconds = (int)(duration * 1000 / slot_ms) + 1; // timeline slots (seconds by default)
    long (*timeline)[4] = calloc((size_t)seconds, sizeof *timeline);
    double *slowest = calloc((size_t)seconds, sizeof *slowest);
    vec_t acc = {0}, ref = {0}, lag = {0};
    long other = 0, errors = 0, scheduled = 0, sent_measured = 0;
    double end_send = warmup + duration, end_all = end_send + 5;
    long next = 0;                 // index of the next request due
    int *idle = malloc((size_t)connections * sizeof(int)), nidle = 0;
    struct epoll_event evs[256];
    double t = 0;
    for (;;) {
        t = now_s();
        // send every request that is due, on idle connections (in due order)
        nidle = 0;
        for (int i = 0; i < connections; i++) if (conns[i].state == IDLE) idle[nidle++] = i;
        int k = 0;
        while (k < nidle) {
            double due = next / rate;
            if (due > t || due >= end_send) break;
            conn_t *c = &conns[idle[k++]];
            c->req = reqs[next % nreq]; c->len = lens[next % nreq]; c->sent = 0;
            c->due = due; c->state = BUSY; c->have = 0;
            if (due >= warmup) { push(&lag, now_s() - due); sent_measured++; }
            next++;
            if (flush_req(c) < 0) { errors++; close_conn(c); }
        }
        for (int i = 0; i < connections; i++) if (conns[i].state == DEAD && t < end_send) open_conn(&conns[i]);
        double due = next / rate;
        if (t >= end_send) {
            int busy = 0;
            for (int i = 0; i < connections; i++) busy += conns[i].state == BUSY;
            if (busy == 0 || t >= end_all) break;
        }
        double wait = (due < end_send ? due : end_all) - now_s();
        struct timespec to = { 0, 0 };
        if (wait > 0 && nidle > k) { to.tv_sec = (time_t)wait; to.tv_nsec = (long)((wait - (double)to.tv_sec) * 1e9); }
        else if (nidle <= k) { to.tv_sec = 0; to.tv_nsec = 1000000; } // every connection busy: wake on answers
        int ne = epoll_pwait2(epfd, evs, 256, &to, NULL);
        double tr = now_s();
        for (int e = 0; e < ne; e++) {
            conn_t *c = evs[e].data.ptr;
            if (c->state == DEAD) continue;
            if (evs[e].events & (EPOLLERR | EPOLLHUP) && c->state != BUSY) { close_conn(c); continue; }
            if (c->state == CONNECTING && (evs[e].events & EPOLLOUT)) c->state = IDLE;
            if (c->state == BUSY && (evs[e].events & EPOLLOUT) && flush_req(c) < 0) { errors++; close_conn(c); continue; }
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            for (;;) {
                ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
                if (r > 0) {
                    c->have += (size_t)r;
                    size_t len;
                    while (c->state == BUSY && (len = response_len(c)) > 0) {
                        double latency = tr - c->due;
                        if (c->due >= warmup && c->due < end_send) {
                            int s = (int)((c->due - warmup) * 1000 / slot_ms);
                            if (s >= seconds) s = seconds - 1;
                            if (latency > slowest[s]) slowest[s] = latency;
                            if (c->status >= 200 && c->status < 300) {
                                push(&acc, latency); timeline[s][0]++; if (latency > 0.050) timeline[s][1]++;
                            } else if (c->status == 503) {
                                push(&ref, latency); timeline[s][2]++; if (latency > 0.005) timeline[s][3]++;
                            } else other++;
                        }
                        memmove(c->buf, c->buf + len, c->have - len);
                        c->have -= len;
                        c->state = IDLE;
                    }
                    if (c->have == sizeof c->buf) { errors++; close_conn(c); break; }
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    if (c->state == BUSY && c->due >= warmup) errors++;
                    close_conn(c);
                }
                break;
            }
        }
    }
    scheduled = (long)((end_send - warmup) * rate);
    long answered = (long)(acc.n + ref.n) + other;
    qsort(acc.v, acc.n, sizeof(double), cmp);
    qsort(ref.v, ref.n, sizeof(double), cmp);
    qsort(lag.v, lag.n, sizeof(double), cmp);
    long acc_slow = 0, ref_slow = 0;
    for (int s = 0; s < seconds; s++) { acc_slow += timeline[s][1]; ref_slow += timeline[s][3]; }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("{\"label\": \"%s\", \"generator\": \"openload\", \"target_rate\": %.1f, \"duration_s\": %.1f, \"warmup_s\": %.1f, "
           "\"connections\": %d, \"scheduled\": %ld, \"sent\": %ld, \"unsent\": %ld, \"answered\": %ld, \"errors\": %ld, \"other_status\": %ld, "
           "\"accepted\": %zu, \"accepted_rate\": %.1f, \"accepted_p50_ms\": %.3f, \"accepted_p99_ms\": %.3f, \"accepted_p999_ms\": %.3f, \"accepted_max_ms\": %.3f, \"accepted_over_50ms\": %ld, "
           "\"refused\": %zu, \"refused_p50_ms\": %.3f, \"refused_p99_ms\": %.3f, \"refused_max_ms\": %.3f, \"refused_over_5ms\": %ld, "
           "\"send_lag_p50_ms\": %.3f, \"send_lag_p99_ms\": %.3f, \"generator_cpu_util\": %.3f, \"slot_ms\": %.0f, \"timeline\": [",
           label, rate, duration, warmup, connections, scheduled, sent_measured, scheduled - sent_measured, answered, errors, other,
           acc.n, acc.n / duration, pct(&acc, .5) * 1e3, pct(&acc, .99) * 1e3, pct(&acc, .999) * 1e3, acc.n ? acc.v[acc.n - 1] * 1e3 : 0, acc_slow,
           ref.n, pct(&ref, .5) * 1e3, pct(&ref, .99) * 1e3, ref.n ? ref.v[ref.n - 1] * 1e3 : 0, ref_slow,
           pct(&lag, .5) * 1e3, pct(&lag, .99) * 1e3, cpu / now_s(), slot_ms);
    for (int s = 0; s < seconds - 1; s++)
        printf("%s[%d, %ld, %ld, %ld, %ld, %.1f]", s ? ", " : "", s, timeline[s][0], timeline[s][1], timeline[s][2], timeline[s][3], slowest[s] * 1e3);
    printf("]}\n");
    return 0;
}
