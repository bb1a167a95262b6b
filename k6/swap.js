// Steady open-model load while the served bundle changes: no request may fail.
//
// Two ways to change the bundle mid-run:
//  a) publish a new bundle while the test runs (k6 cannot copy files; run the publisher beside it):
//       k6 run k6/swap.js & sleep 20; scripts/publish-bundle /path/to/new-bundle; wait
//  b) let the script switch versions through the admin API (POST /admin/bundles/{v}/activate), which pins:
//       ADMIN_TOKEN=… SWAP_VERSIONS=20261126T084016Z,20261201T120000Z k6 run k6/swap.js
//     It activates each listed version in turn, SWAP_EVERY apart from SWAP_AT on, and lifts the pin
//     at the end (DELETE /admin/bundles/pin; UNPIN=0 keeps it), after which the newest bundle serves again.
//
// Env: BASE_URL, RATE (1000 req/s), DURATION (60s), MIX, ADMIN_TOKEN, SWAP_VERSIONS (comma-separated),
// SWAP_AT (15s), SWAP_EVERY (15s) (durations: 15s, 500ms, 2m, 1m30s, or a plain number of seconds), UNPIN (1), P99_MS (unset: no latency threshold), VUS / MAX_VUS, DATA.
// Reports model_version_changes: how often a VU saw the version change between two of its answers.
import { check, sleep } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import {
  ADMIN_TOKEN, BASE_URL, DATA, MIX, SUMMARY_TREND_STATS, adminHeaders, arrivalScenario, checkStatus, env, envFlag,
  envNumber, envSeconds, modelVersion, nextRequest, ready, recommend, requestMix,
} from './lib/mercury.js';
import { k6Duration } from './lib/duration.js';

const requests = requestMix(() => open(DATA));
const RATE = envNumber('RATE', 1000);
const DURATION = env('DURATION', '60s');
const VERSIONS = env('SWAP_VERSIONS', '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);
const SWAP_AT = envSeconds('SWAP_AT', '15s');
const SWAP_EVERY = envSeconds('SWAP_EVERY', '15s');
const UNPIN = envFlag('UNPIN', true);
const P99_MS = env('P99_MS', '');
const adminSwaps = VERSIONS.length > 0;
if (adminSwaps && ADMIN_TOKEN === '') throw new Error('SWAP_VERSIONS needs ADMIN_TOKEN (the server\'s admin.token)');

const versionChanges = new Counter('model_version_changes');
/** The last version this VU saw (each VU is its own JS runtime). */
let lastVersion = '';

/** @type {{ [name: string]: import('k6/options').Scenario }} */
const scenarios = { reads: arrivalScenario('read', RATE, DURATION) };
if (adminSwaps) {
  scenarios.swap = {
    executor: 'per-vu-iterations', exec: 'swap', vus: 1, iterations: VERSIONS.length, startTime: k6Duration(SWAP_AT),
    maxDuration: DURATION, gracefulStop: '30s',
  };
}

/** @type {{ [name: string]: string[] }} */
const thresholds = {
  'http_req_failed{scenario:reads}': ['rate==0'],
  'checks{scenario:reads}': ['rate==1'],
  'dropped_iterations{scenario:reads}': ['count==0'],
};
if (P99_MS !== '') thresholds['http_req_duration{scenario:reads}'] = [`p(99)<${Number(P99_MS)}`];
if (adminSwaps) {
  thresholds['checks{scenario:swap}'] = ['rate==1'];
  thresholds['http_req_failed{scenario:swap}'] = ['rate==0'];
}

/** @type {import('k6/options').Options} */
export const options = { scenarios, thresholds, summaryTrendStats: SUMMARY_TREND_STATS };

export function setup() {
  const r = ready();
  console.log(`swap: ${RATE} req/s for ${DURATION}, MIX=${MIX}; serving ${r.model_version} (${r.items} items)`
    + (adminSwaps ? `; will activate ${VERSIONS.join(' → ')} from ${SWAP_AT}s every ${SWAP_EVERY}s` : '; publish a bundle now (scripts/publish-bundle)'));
  return { initial: r.model_version };
}

export function read() {
  const res = recommend(nextRequest(requests));
  checkStatus(res);
  const v = modelVersion(res);
  if (v !== null) {
    if (lastVersion !== '' && v !== lastVersion) versionChanges.add(1, { from: lastVersion, to: v });
    lastVersion = v;
  }
}

export function swap() {
  const v = VERSIONS[__ITER];
  if (__ITER > 0) sleep(SWAP_EVERY);
  const res = http.post(`${BASE_URL}/admin/bundles/${encodeURIComponent(v)}/activate`, null, {
    headers: adminHeaders(ADMIN_TOKEN), tags: { name: 'activate' }, timeout: '120s',
  });
  check(res, {
    'activate answered 200': (r) => r.status === 200,
    'activated version serves': (r) => {
      if (typeof r.body !== 'string') return false;
      const s = JSON.parse(r.body);
      return s.active !== null && s.active.version === v;
    },
  });
  console.log(`activate ${v}: ${res.status} in ${res.timings.duration.toFixed(0)} ms`);
}

/** @param {{ initial: string }} data */
export function teardown(data) {
  const end = ready();
  console.log(`swap: started on ${data.initial}, ends on ${end.model_version}`);
  if (adminSwaps && UNPIN) {
    const res = http.del(`${BASE_URL}/admin/bundles/pin`, null, { headers: adminHeaders(ADMIN_TOKEN), tags: { name: 'unpin' } });
    console.log(`unpin: ${res.status}`);
  }
}
