// Issue 17's ingest bar as a k6 run: POST /events at BATCHES batches of BATCH events a second (200 x 100 =
// 20,000 events/s) while /recommend runs at RATE a second (1,000), both in the open model for DURATION
// after WARMUP of the same traffic (not measured). Thresholds: /recommend p99 < RECOMMEND_P99_MS (5) beside
// the ingest, every batch accepted whole (200, no rejected event), no failure, no dropped iteration.
//
//   k6 run k6/events.js
//   BATCHES=100 BATCH=50 DURATION=2m k6 run k6/events.js
//
// Events are view (3 in 4) and click events of random sessions among SESSIONS (200,000) on the data file's
// catalog items, as scripts/bench/events sends them (docs/bench/events.md). k6 needs CPU of its own at
// these rates: on the server's machine its queueing counts as the server's latency (docs/loadtest.md).
// Env: BASE_URL, RATE (1000), BATCHES (200), BATCH (100), SESSIONS (200000), DURATION (60s), WARMUP (20s;
// 0s for none), RECOMMEND_P99_MS (5), EVENTS_TOKEN (when the server sets events.token), MIX, DATA, VUS / MAX_VUS.
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import {
  BASE_URL, DATA, SUMMARY_TREND_STATS, addDurations, arrivalScenario, env, envNumber, nextRequest, parseItems, ready,
  recommend, requestMix,
} from './lib/mercury.js';

const requests = requestMix(() => open(DATA));
const itemIds = new SharedArray('event-items', () => parseItems(open(DATA)).map((i) => i.item_id));
const RATE = envNumber('RATE', 1000);
const BATCHES = envNumber('BATCHES', 200);
const BATCH = envNumber('BATCH', 100);
const SESSIONS = envNumber('SESSIONS', 200000);
const DURATION = env('DURATION', '60s');
const WARMUP = env('WARMUP', '20s');
const RECOMMEND_P99_MS = envNumber('RECOMMEND_P99_MS', 5);
const EVENTS_TOKEN = env('EVENTS_TOKEN', '');
if (!(BATCH >= 1 && BATCH <= 1000)) throw new Error(`BATCH must be 1 to 1000 (events.max_batch's default), got ${BATCH}`);
const warm = addDurations(WARMUP) !== '0ms';
const measuredStart = warm ? addDurations(WARMUP, '5s') : '0s';

/** @type {{ [name: string]: string }} */
const EVENTS_HEADERS = { 'Content-Type': 'application/json' };
if (EVENTS_TOKEN) EVENTS_HEADERS.Authorization = `Bearer ${EVENTS_TOKEN}`;

/** @type {{ [name: string]: import('k6/options').Scenario }} */
const scenarios = {};
if (warm) {
  scenarios.warmup_recommend = arrivalScenario('recommendOnly', RATE, WARMUP);
  scenarios.warmup_events = arrivalScenario('ingest', BATCHES, WARMUP);
}
scenarios.recommend = arrivalScenario('recommendOnly', RATE, DURATION, measuredStart);
scenarios.events = arrivalScenario('ingest', BATCHES, DURATION, measuredStart);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios,
  thresholds: {
    'http_req_duration{scenario:recommend}': [`p(99)<${RECOMMEND_P99_MS}`],
    'http_req_failed{scenario:recommend}': ['rate==0'],
    'http_req_failed{scenario:events}': ['rate==0'],
    'dropped_iterations{scenario:recommend}': ['count==0'],
    'dropped_iterations{scenario:events}': ['count==0'],
    'checks{scenario:events}': ['rate==1'],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  const r = ready();
  console.log(`events: ${BATCHES} batches/s of ${BATCH} events (${BATCHES * BATCH} events/s) beside /recommend at ${RATE}/s `
    + `for ${DURATION}; recommend p99 < ${RECOMMEND_P99_MS} ms; serving ${r.model_version} (${r.items} items)`);
}

export function recommendOnly() {
  recommend(nextRequest(requests));
}

/** One batch body: BATCH view or click events of random sessions on random catalog items. */
function batchBody() {
  const events = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    events[i] = {
      event_type: i % 4 === 3 ? 'click' : 'view',
      session_id: `k6-${1 + Math.floor(Math.random() * SESSIONS)}`,
      item_id: itemIds[Math.floor(Math.random() * itemIds.length)],
    };
  }
  return JSON.stringify({ events });
}

export function ingest() {
  const res = http.post(`${BASE_URL}/events`, batchBody(), {
    headers: EVENTS_HEADERS,
    tags: { name: 'events' },
    timeout: env('TIMEOUT', '5s'),
  });
  check(res, {
    'batch accepted whole': (r) => {
      if (r.status !== 200 || typeof r.body !== 'string') return false;
      const body = JSON.parse(r.body);
      return body.accepted === BATCH && Array.isArray(body.rejected) && body.rejected.length === 0;
    },
  });
}
