// node --test k6/test : the duration parsing of the k6 scripts' environment (no k6 needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { k6Duration, parseSeconds } from '../lib/duration.js';

test('durations as documented and plain numbers of seconds', () => {
  assert.equal(parseSeconds('SWAP_EVERY', '15s'), 15);
  assert.equal(parseSeconds('SWAP_EVERY', '10s'), 10);
  assert.equal(parseSeconds('SWAP_EVERY', '500ms'), 0.5);
  assert.equal(parseSeconds('SWAP_EVERY', '2m'), 120);
  assert.equal(parseSeconds('SWAP_EVERY', '1m30s'), 90);
  assert.equal(parseSeconds('SWAP_EVERY', '1h'), 3600);
  assert.equal(parseSeconds('SWAP_EVERY', '15'), 15);
  assert.equal(parseSeconds('SWAP_EVERY', '2.5'), 2.5);
  assert.equal(parseSeconds('SWAP_EVERY', ' 20s '), 20);
});

test('anything else is refused with the variable named', () => {
  for (const bad of ['', 'soon', '15x', 's', '10s junk', '-5', '-5s', '1.5.2s']) {
    assert.throws(() => parseSeconds('SWAP_EVERY', bad), /SWAP_EVERY must/, bad);
  }
});

test('k6 durations round-trip', () => {
  assert.equal(k6Duration(parseSeconds('SWAP_AT', '15s')), '15000ms');
  assert.equal(k6Duration(parseSeconds('SWAP_AT', '15')), '15000ms');
  assert.equal(k6Duration(0.5), '500ms');
});
