// Open-model load at a constant arrival rate, with the targets of issue 7 as thresholds.
//
//   k6 run k6/load.js                                   default bundle: 4000 req/s, p99 < 2 ms, < 0.01 % errors
//   CATALOG=100k k6 run k6/load.js                      2000 req/s, p99 < 5 ms
//   CATALOG=1m   k6 run k6/load.js                      1000 req/s, p99 < 10 ms
//   RATE=1500 P99_MS=3 DURATION=2m MIX=context k6 run k6/load.js
//
// Env: BASE_URL (http://127.0.0.1:8080), CATALOG (default|100k|1m), RATE (req/s), P99_MS,
// MAX_ERROR_RATE (0.0001), DURATION (60s, measured), WARMUP (30s at the same rate, not measured; 0s
// for none), MIX (realistic|context|first_item|warm), VUS / MAX_VUS (pre-allocated / most VUs),
// CHECK_EVERY (check one answer in full every N iterations; 100), DATA (./data/requests.json).
// The thresholds hold for the measured scenario only ({scenario:main}); a dropped iteration (k6 ran
// out of VUs, i.e. the server fell behind the rate) fails the run too.
import exec from 'k6/execution';
import {
  DATA, MIX, SUMMARY_TREND_STATS, addDurations, arrivalScenario, checkRecommendation, checkStatus, env, envNumber,
  nextRequest, ready, recommend, requestMix, target,
} from './lib/mercury.js';

const requests = requestMix(() => open(DATA));
const { catalog, rate, p99 } = target();
const DURATION = env('DURATION', '60s');
const WARMUP = env('WARMUP', '30s');
const MAX_ERROR_RATE = envNumber('MAX_ERROR_RATE', 0.0001);
const CHECK_EVERY = Math.max(1, envNumber('CHECK_EVERY', 100));
const K = 100;
const warm = addDurations(WARMUP) !== '0ms';

/** @type {{ [name: string]: import('k6/options').Scenario }} */
const scenarios = {};
if (warm) scenarios.warmup = arrivalScenario('recommendation', rate, WARMUP);
scenarios.main = arrivalScenario('recommendation', rate, DURATION, warm ? addDurations(WARMUP, '5s') : undefined);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios,
  thresholds: {
    'http_req_duration{scenario:main}': [`p(99)<${p99}`],
    'http_req_failed{scenario:main}': [`rate<${MAX_ERROR_RATE}`],
    'dropped_iterations{scenario:main}': ['count==0'],
    'checks{scenario:main}': ['rate==1'],
    // Per-slice figures in the summary (no limit beyond the overall one).
    'http_req_duration{scenario:main,slice:context}': ['max>=0'],
    'http_req_duration{scenario:main,slice:first_item}': ['max>=0'],
    'http_req_duration{scenario:main,slice:warm}': ['max>=0'],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
  discardResponseBodies: false,
};

export function setup() {
  const r = ready();
  console.log(`load: CATALOG=${catalog} RATE=${rate}/s p99<${p99} ms for ${DURATION} after ${WARMUP} warm-up; MIX=${MIX} (${requests.length} bodies); `
    + `serving ${r.model_version}: ${r.items} items, index ${r.index}`);
  return { items: r.items };
}

/** @param {{ items: number }} data */
export function recommendation(data) {
  const res = recommend(nextRequest(requests));
  if (exec.scenario.iterationInTest % CHECK_EVERY === 0) checkRecommendation(res, K, data.items);
  else checkStatus(res);
}
