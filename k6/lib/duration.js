// Durations in the k6 scripts' environment: "15s", "500ms", "2m", "1h", "1m30s", or a plain number of seconds.
// No k6 imports, so that `node --test k6/test` can check it (k6 itself is not a Node runtime).

const UNIT_SECONDS = /** @type {{ [unit: string]: number }} */ ({ ms: 0.001, s: 1, m: 60, h: 3600 });

/**
 * Seconds in a duration such as "15s", "500ms", "2m", "1m30s" or a plain number ("15" = 15 s).
 * @param {string} name the variable's name, for the error message
 * @param {string} text
 * @returns {number}
 */
export function parseSeconds(name, text) {
  const t = text.trim();
  if (t !== '' && Number.isFinite(Number(t))) {
    const n = Number(t);
    if (n < 0) throw new Error(`${name} must not be negative, got '${text}'`);
    return n;
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let seconds = 0;
  let matched = 0;
  for (let m = part.exec(t); m !== null; m = part.exec(t)) {
    seconds += Number(m[1]) * UNIT_SECONDS[m[2]];
    matched = part.lastIndex;
  }
  if (t === '' || matched !== t.length) {
    throw new Error(`${name} must be a duration like 15s, 500ms, 2m, 1m30s or a number of seconds, got '${text}'`);
  }
  return seconds;
}

/**
 * A k6 duration string for a number of seconds (k6 options take "1500ms", not 1.5).
 * @param {number} seconds
 * @returns {string}
 */
export function k6Duration(seconds) {
  return `${Math.round(seconds * 1000)}ms`;
}
