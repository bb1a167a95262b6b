// Shared pieces of Mercury's k6 scripts: environment, the request mix, the /recommend call and its checks.
// Type-checked with @types/k6 (see k6/tsconfig.json); k6 runs it as plain JavaScript.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { parseSeconds } from './duration.js';

/**
 * One request of the mix: its slice and the POST /recommend body, already serialized.
 * @typedef {{ slice: string, body: string }} MixRequest
 */
/**
 * A catalog item that mixed.js re-lists as a new product.
 * @typedef {{ item_id: string, title: string, price: number }} MixItem
 */
/**
 * The data file (k6/data/requests.json, written by scripts/bench/make-k6-data).
 * @typedef {{ format: string, k: number, requests: { slice: string, body: object }[], items: MixItem[] }} MixFile
 */

/** @param {string} name @param {string} fallback @returns {string} */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

/** @param {string} name @param {number} fallback @returns {number} */
export function envNumber(name, fallback) {
  const v = __ENV[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${v}'`);
  return n;
}

/**
 * Seconds in a duration variable: "15s", "500ms", "2m", "1m30s", or a plain number of seconds.
 * @param {string} name @param {string} fallback @returns {number}
 */
export function envSeconds(name, fallback) {
  return parseSeconds(name, env(name, fallback));
}

/** @param {string} name @param {boolean} fallback @returns {boolean} */
export function envFlag(name, fallback) {
  const v = __ENV[name];
  if (v === undefined || v === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
}

export const BASE_URL = env('BASE_URL', 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const ADMIN_TOKEN = env('ADMIN_TOKEN', '');
/** Which bodies to send: realistic (the 40/30/30 mix), context, first_item or warm. */
export const MIX = env('MIX', 'realistic');
/** The data file, relative to the script that opens it (all scripts live in k6/). */
export const DATA = env('DATA', './data/requests.json');

/**
 * The targets of issue 7 by catalog (server on 1 core, top-100, the realistic mix):
 * the open-model rate and the p99 (ms) that must hold at it.
 * @type {{ [catalog: string]: { rate: number, p99: number } }}
 */
export const TARGETS = {
  default: { rate: 4000, p99: 2 },
  '100k': { rate: 2000, p99: 5 },
  '1m': { rate: 1000, p99: 10 },
};

/** @returns {{ catalog: string, rate: number, p99: number }} the CATALOG preset, with RATE and P99_MS overriding it */
export function target() {
  const catalog = env('CATALOG', 'default').toLowerCase();
  const preset = TARGETS[catalog];
  if (!preset) throw new Error(`CATALOG must be one of ${Object.keys(TARGETS).join(', ')}, got '${catalog}'`);
  return { catalog, rate: envNumber('RATE', preset.rate), p99: envNumber('P99_MS', preset.p99) };
}

/**
 * Parses the data file and keeps the bodies of MIX. Call it from a script's init context, inside the
 * SharedArray callback, with the file's text: open() is called by the script itself so that the
 * path resolves next to it.
 * @param {string} text
 * @returns {MixRequest[]}
 */
export function parseRequests(text) {
  /** @type {MixFile} */
  const file = JSON.parse(text);
  if (file.format !== 'mercury-load-requests/1') throw new Error(`${DATA}: unknown format '${file.format}'`);
  const kept = file.requests.filter((r) => MIX === 'realistic' || r.slice === MIX);
  if (kept.length === 0) throw new Error(`${DATA}: no requests for MIX=${MIX} (realistic, context, first_item, warm)`);
  return kept.map((r) => ({ slice: r.slice, body: JSON.stringify(r.body) }));
}

/** @param {string} text @returns {MixItem[]} */
export function parseItems(text) {
  /** @type {MixFile} */
  const file = JSON.parse(text);
  return file.items;
}

/**
 * The request mix as a SharedArray (one copy for all VUs).
 * @param {() => string} read returns the data file's text (the caller's open(DATA))
 * @returns {MixRequest[]}
 */
export function requestMix(read) {
  return new SharedArray(`requests-${MIX}`, () => parseRequests(read()));
}

/**
 * The next request: round robin over the whole test (not per VU), so any window of the run sends the
 * file's mix.
 * @param {MixRequest[]} requests
 * @returns {MixRequest}
 */
export function nextRequest(requests) {
  return requests[exec.scenario.iterationInTest % requests.length];
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/**
 * POST /recommend, tagged with the request's slice.
 * @param {MixRequest} req
 */
export function recommend(req) {
  return http.post(`${BASE_URL}/recommend`, req.body, {
    headers: JSON_HEADERS,
    tags: { name: 'recommend', slice: req.slice },
    timeout: env('TIMEOUT', '5s'),
  });
}

/** @param {string} token @returns {{ [name: string]: string }} */
export function adminHeaders(token) {
  return { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
}

/**
 * The model version of a /recommend answer without parsing all of it (it is the first field).
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @returns {string | null}
 */
export function modelVersion(res) {
  if (typeof res.body !== 'string') return null;
  const m = /"model_version"\s*:\s*"([^"]+)"/.exec(res.body.substring(0, 200));
  return m ? m[1] : null;
}

/**
 * Cheap check: the status only (used on every request of the load scripts).
 * @param {import('k6/http').RefinedResponse<'text'>} res
 */
export function checkStatus(res) {
  return check(res, { 'status is 200': (r) => r.status === 200 });
}

/**
 * Full check of a /recommend answer: status, k items (or the whole catalog when it is smaller),
 * a model version, scores in order.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @param {number} k
 * @param {number} catalogItems the served catalog's size (from /health/ready), 0 when unknown
 */
export function checkRecommendation(res, k, catalogItems) {
  /** @type {{ model_version?: unknown, items?: { item_id: string, score: number }[] } | null} */
  let body = null;
  try {
    body = res.status === 200 && typeof res.body === 'string' ? JSON.parse(res.body) : null;
  } catch (e) {
    body = null;
  }
  const expected = catalogItems > 0 ? Math.min(k, catalogItems) : k;
  return check(res, {
    'status is 200': (r) => r.status === 200,
    'items.length is k': () => body !== null && Array.isArray(body.items) && body.items.length === expected,
    'model_version is set': () => body !== null && typeof body.model_version === 'string' && body.model_version.length > 0,
    'scores are sorted': () => {
      const items = body && Array.isArray(body.items) ? body.items : [];
      for (let i = 1; i < items.length; i++) if (items[i].score > items[i - 1].score) return false;
      return items.length > 0;
    },
  });
}

/**
 * GET /health/ready: the served version and catalog size, or an error naming BASE_URL.
 * @returns {{ model_version: string, items: number, index: string }}
 */
export function ready() {
  const res = http.get(`${BASE_URL}/health/ready`, { tags: { name: 'ready' } });
  if (res.status !== 200 || typeof res.body !== 'string') {
    throw new Error(`${BASE_URL}/health/ready answered ${res.status} (${res.error || 'not ready'}): start the server (scripts/serve) and set BASE_URL`);
  }
  return JSON.parse(res.body);
}

/** The summary's trend columns: the percentiles the targets are stated in. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(99)', 'p(99.9)', 'max', 'count'];

/**
 * A constant-arrival-rate scenario (open model: k6 starts iterations at the rate whatever the
 * latency; when every VU is busy it adds VUs up to MAX_VUS, then counts dropped_iterations).
 * @param {string} execName
 * @param {number} rate requests per second
 * @param {string} duration
 * @param {string} [startTime]
 * @returns {import('k6/options').Scenario}
 */
export function arrivalScenario(execName, rate, duration, startTime) {
  const r = Math.max(1, Math.round(rate));
  /** @type {import('k6/options').ConstantArrivalRateScenario} */
  const s = {
    executor: 'constant-arrival-rate',
    exec: execName,
    rate: r,
    timeUnit: '1s',
    duration,
    preAllocatedVUs: envNumber('VUS', Math.max(10, Math.ceil(r / 100))),
    maxVUs: envNumber('MAX_VUS', Math.max(100, Math.ceil(r / 10))),
    gracefulStop: '10s',
  };
  if (startTime) s.startTime = startTime;
  return s;
}

/** @type {{ [unit: string]: number }} */
const DURATION_UNITS = { ms: 1, s: 1000, m: 60000, h: 3600000 };

/**
 * Adds k6 duration strings of the form 10s / 2m / 1m30s / 500ms, for startTime.
 * @param {string[]} parts
 * @returns {string}
 */
export function addDurations(...parts) {
  let ms = 0;
  for (const p of parts) {
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
    let m;
    let matched = '';
    while ((m = re.exec(p)) !== null) {
      matched += m[0];
      ms += Number(m[1]) * (DURATION_UNITS[m[2]] || 0);
    }
    if (matched !== p) throw new Error(`'${p}' is not a duration like 30s, 2m or 1m30s`);
  }
  return `${Math.round(ms)}ms`;
}
