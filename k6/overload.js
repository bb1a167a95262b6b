// Issue 15's overload bar as a k6 run: FACTOR x the server's capacity for DURATION (open model), then
// half the capacity right after. The requests it accepts keep p99 < ACCEPTED_P99_MS, the rest get
// 503 `overloaded` with Retry-After within REFUSED_P99_MS, and at half the capacity it answers at
// once again. Load shedding by rate is opt-in: start the server with
// `--set inference.admission_rate=true` (docs/operations.md#dispatch-and-overload); without it the
// server queues and the run fails on dropped iterations and latency.
//
//   CAPACITY=4500 k6 run k6/overload.js              2 x 4,500 req/s for 60 s, then 2,250 req/s for 20 s
//   CAPACITY=4500 FACTOR=3 DURATION=2m k6 run k6/overload.js
//
// CAPACITY (required) is the rate the server sustains: the closed loop of scripts/bench/loadtest, or
// k6's ramping-arrival-rate up to the knee. k6 needs CPU of its own at these rates: run it on another
// machine than the server, or its own queueing counts as the server's latency (docs/loadtest.md).
// Env: BASE_URL, CAPACITY, FACTOR (2), DURATION (60s), RECOVERY (20s), WARMUP (30s at half the
// capacity, not measured; 0s for none), ACCEPTED_P99_MS (50), REFUSED_P99_MS (5), RECOVERY_P99_MS (10),
// MAX_RECOVERY_REFUSED (0.01: share of 503s allowed at half the capacity, while the limit lifts),
// MIX, DATA, VUS / MAX_VUS.
import http from 'k6/http';
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import {
  DATA, SUMMARY_TREND_STATS, addDurations, arrivalScenario, env, envNumber, nextRequest, ready, recommend, requestMix,
} from './lib/mercury.js';

const requests = requestMix(() => open(DATA));
const CAPACITY = envNumber('CAPACITY', 0);
if (!(CAPACITY > 0)) throw new Error('CAPACITY must be the server\'s capacity in requests per second (e.g. CAPACITY=4500)');
const FACTOR = envNumber('FACTOR', 2);
const DURATION = env('DURATION', '60s');
const RECOVERY = env('RECOVERY', '20s');
const WARMUP = env('WARMUP', '30s');
const ACCEPTED_P99_MS = envNumber('ACCEPTED_P99_MS', 50);
const REFUSED_P99_MS = envNumber('REFUSED_P99_MS', 5);
const RECOVERY_P99_MS = envNumber('RECOVERY_P99_MS', 10);
const MAX_RECOVERY_REFUSED = envNumber('MAX_RECOVERY_REFUSED', 0.01);
const warm = addDurations(WARMUP) !== '0ms';
const overloadStart = warm ? addDurations(WARMUP, '5s') : '0s';

/** 503s at half the capacity, right after the overload (the limit should lift at once). */
const recoveryRefused = new Rate('recovery_refused');

// A 503 is an answer here, not a failure: http_req_failed then counts only what the bar forbids
// (5xx other than 503, timeouts, resets).
http.setResponseCallback(http.expectedStatuses(200, 503));

/** @type {{ [name: string]: import('k6/options').Scenario }} */
const scenarios = {};
if (warm) scenarios.warmup = arrivalScenario('warmup', CAPACITY / 2, WARMUP);
scenarios.overload = arrivalScenario('overload', CAPACITY * FACTOR, DURATION, overloadStart);
scenarios.recovery = arrivalScenario('recovery', CAPACITY / 2, RECOVERY, addDurations(overloadStart, DURATION));

/** @type {import('k6/options').Options} */
export const options = {
  scenarios,
  thresholds: {
    'http_req_duration{scenario:overload,status:200}': [`p(99)<${ACCEPTED_P99_MS}`],
    'http_req_duration{scenario:overload,status:503}': [`p(99)<${REFUSED_P99_MS}`],
    'http_req_failed{scenario:overload}': ['rate==0'],
    'dropped_iterations{scenario:overload}': ['count==0'],
    'checks{scenario:overload}': ['rate==1'],
    'http_req_duration{scenario:recovery}': [`p(99)<${RECOVERY_P99_MS}`],
    'http_req_failed{scenario:recovery}': ['rate==0'],
    'recovery_refused': [`rate<${MAX_RECOVERY_REFUSED}`],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  const r = ready();
  console.log(`overload: ${FACTOR} x ${CAPACITY} req/s for ${DURATION}, then ${CAPACITY / 2} req/s for ${RECOVERY}; `
    + `accepted p99 < ${ACCEPTED_P99_MS} ms, refused p99 < ${REFUSED_P99_MS} ms; serving ${r.model_version} (${r.items} items)`);
}

export function warmup() {
  recommend(nextRequest(requests));
}

export function overload() {
  const res = recommend(nextRequest(requests));
  check(res, {
    'answered 200 or refused 503': (r) => r.status === 200 || r.status === 503,
    'a refusal says overloaded and when to retry': (r) => r.status !== 503
      || (r.headers['Retry-After'] !== undefined && typeof r.body === 'string' && r.body.includes('"overloaded"')),
  });
}

export function recovery() {
  const res = recommend(nextRequest(requests));
  recoveryRefused.add(res.status === 503);
}
