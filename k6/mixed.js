// Reads with a share of item upserts (PUT /items/{id}, issue 6's live items), both open-model.
//
//   ADMIN_TOKEN=… k6 run k6/mixed.js                       1000 req/s in all, 5 % of them upserts
//   ADMIN_TOKEN=… RATE=2000 WRITE_SHARE=0.2 k6 run k6/mixed.js
//   WRITE_SHARE=0 k6 run k6/mixed.js                       reads only (no token needed)
//
// The upserts re-list real catalog items (the data file's "items": title, price) under new ids
// ITEM_PREFIX + n (ITEM_PREFIX defaults to "k6-"); UPDATE_SHARE (0.3) of them change the price of an
// id written before (a metadata-only update). They are durable on a server with live items: run
// mixed.js against a test server, not production.
//
// The thresholds on latency and failures hold for the reads ({scenario:reads}); for the writes,
// item_upserts_failed (any status other than 2xx, e.g. 401 for a wrong token or 404 from a server
// with items.enabled=false) must stay 0. item_upsert_duration is the write's acknowledgement time:
// embedded, journaled (fsync) and visible to /recommend (docs/live-items.md).
//
// Env: BASE_URL, RATE (total req/s, 1000), WRITE_SHARE (0.05), UPDATE_SHARE (0.3), DURATION (60s),
// CATALOG / P99_MS (the read threshold; default bundle: 2 ms), MAX_ERROR_RATE (0.0001), ADMIN_TOKEN,
// ITEM_PREFIX, MIX, VUS / MAX_VUS, DATA.
import { check } from 'k6';
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { SharedArray } from 'k6/data';
import {
  ADMIN_TOKEN, BASE_URL, DATA, MIX, SUMMARY_TREND_STATS, adminHeaders, arrivalScenario, checkStatus, env, envNumber,
  nextRequest, parseItems, ready, recommend, requestMix, target,
} from './lib/mercury.js';

const requests = requestMix(() => open(DATA));
const items = new SharedArray('items', () => parseItems(open(DATA)));
const { p99 } = target();
const RATE = envNumber('RATE', 1000);
const WRITE_SHARE = envNumber('WRITE_SHARE', 0.05);
const UPDATE_SHARE = envNumber('UPDATE_SHARE', 0.3);
const DURATION = env('DURATION', '60s');
const MAX_ERROR_RATE = envNumber('MAX_ERROR_RATE', 0.0001);
const ITEM_PREFIX = env('ITEM_PREFIX', 'k6-');
if (WRITE_SHARE < 0 || WRITE_SHARE >= 1) throw new Error(`WRITE_SHARE must be in [0, 1), got ${WRITE_SHARE}`);
if (WRITE_SHARE > 0 && ADMIN_TOKEN === '') throw new Error('the upserts need ADMIN_TOKEN (the server\'s admin.token); WRITE_SHARE=0 for reads only');

const upsertsOk = new Counter('item_upserts_ok');
const upsertsFailed = new Counter('item_upserts_failed');
const upsertDuration = new Trend('item_upsert_duration', true);

/** @type {{ [name: string]: import('k6/options').Scenario }} */
const scenarios = { reads: arrivalScenario('read', RATE * (1 - WRITE_SHARE), DURATION) };
if (WRITE_SHARE > 0) scenarios.writes = arrivalScenario('write', RATE * WRITE_SHARE, DURATION);

/** @type {{ [name: string]: string[] }} */
const thresholds = {
  'http_req_duration{scenario:reads}': [`p(99)<${p99}`],
  'http_req_failed{scenario:reads}': [`rate<${MAX_ERROR_RATE}`],
  'dropped_iterations{scenario:reads}': ['count==0'],
  'checks{scenario:reads}': ['rate==1'],
};
if (WRITE_SHARE > 0) {
  thresholds.item_upserts_failed = ['count==0'];
  thresholds.item_upserts_ok = ['count>=0'];
  thresholds.item_upsert_duration = ['max>=0'];
}

/** @type {import('k6/options').Options} */
export const options = { scenarios, thresholds, summaryTrendStats: SUMMARY_TREND_STATS };

export function setup() {
  const r = ready();
  console.log(`mixed: ${RATE} req/s, ${(WRITE_SHARE * 100).toFixed(1)} % upserts, for ${DURATION}; MIX=${MIX}; serving ${r.model_version} (${r.items} items)`);
  return {};
}

export function read() {
  checkStatus(recommend(nextRequest(requests)));
}

export function write() {
  const n = exec.scenario.iterationInTest;
  const update = n > 0 && Math.random() < UPDATE_SHARE;
  const id = `${ITEM_PREFIX}${update ? Math.floor(Math.random() * n) : n}`;
  const src = items[n % items.length];
  const price = Math.round(src.price * (update ? 0.8 + Math.random() * 0.4 : 1) * 100) / 100;
  const body = JSON.stringify({
    title: src.title,
    description: `re-listing of ${src.item_id} by k6/mixed.js`,
    price,
    in_stock: true,
  });
  const res = http.put(`${BASE_URL}/items/${encodeURIComponent(id)}`, body, {
    headers: adminHeaders(ADMIN_TOKEN),
    tags: { name: 'upsert', kind: update ? 'update' : 'new' },
    responseCallback: http.expectedStatuses({ min: 200, max: 299 }),
    timeout: env('TIMEOUT', '5s'),
  });
  upsertDuration.add(res.timings.duration);
  if (res.status >= 200 && res.status < 300) upsertsOk.add(1);
  else upsertsFailed.add(1, { status: String(res.status) });
  check(res, { 'upsert answered 2xx': (r) => r.status >= 200 && r.status < 300 });
}
