// Smoke test: a few requests of each slice, every answer checked in full.
//   k6 run k6/smoke.js                       (BASE_URL defaults to http://127.0.0.1:8080)
//   ITERATIONS=30 BASE_URL=http://host:8080 k6 run k6/smoke.js
import { sleep } from 'k6';
import exec from 'k6/execution';
import { DATA, SUMMARY_TREND_STATS, checkRecommendation, envNumber, ready, recommend, requestMix } from './lib/mercury.js';

const requests = requestMix(() => open(DATA));
const K = 100;

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    smoke: { executor: 'shared-iterations', vus: 1, iterations: envNumber('ITERATIONS', 12), maxDuration: '1m' },
  },
  thresholds: {
    checks: ['rate==1'],
    'http_req_failed{name:recommend}': ['rate==0'],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  const r = ready();
  console.log(`serving ${r.model_version}: ${r.items} items, index ${r.index}; ${requests.length} bodies in the mix`);
  return { items: r.items };
}

/** @param {{ items: number }} data */
export default function (data) {
  // Spread the iterations over the file so that every slice is hit.
  const i = exec.scenario.iterationInTest;
  const step = Math.max(1, Math.floor(requests.length / envNumber('ITERATIONS', 12)));
  const req = requests[(i * step) % requests.length];
  const res = recommend(req);
  checkRecommendation(res, K, data.items);
  sleep(0.05);
}
