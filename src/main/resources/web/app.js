// Mercury demo page. Plain browser JavaScript, no build step, no library. It only calls the public
// API (GET /model, POST /recommend, GET /items?query=, PUT /items/{id}, POST /events); ranking is the server's.
// Every value from the server is written with textContent, never as HTML.
'use strict';

const state = {
  context: {},          // context field -> chosen value ('' = not given)
  history: [],          // item ids clicked, most recent first (client-side session)
  sessionId: '',        // the session id sent with each click to POST /events
  eventsOff: false,     // POST /events refused (disabled, or events.token set): stop sending
  eventsLogged: 0,
  titles: new Map(),    // item id -> title, for the session chips
  listed: new Set(),    // ids listed from this page, marked "new"
  recsSeq: 0,           // only the answer of the latest request is shown
  searchSeq: 0,
  searchTimer: 0,
};
const MAX_HISTORY = 20;
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/** Calls the API; resolves with the JSON body, rejects with the server's message for an error status. */
async function api(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['authorization'] = 'Bearer ' + token;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!res.ok) {
    const message = json && json.message ? json.message : res.status + ' ' + res.statusText;
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return json;
}

function showStatus(node, message, isError) {
  node.textContent = message || '';
  node.classList.toggle('error', !!isError);
}

function price(p) {
  return typeof p === 'number' ? '£' + p.toFixed(2) : '';
}

// ---- the model: facts, vocabularies, evaluation, swaps ----

async function loadModel() {
  let model;
  try {
    model = await api('GET', '/model');
  } catch (e) {
    showStatus($('model-line'), 'No model is serving yet (' + e.message + '). Retrying…', true);
    setTimeout(loadModel, 2000);
    return;
  }
  $('model-line').textContent = 'Model ' + model.model_version + ' · ' + model.items.toLocaleString() + ' items · '
      + model.index + ' index' + (model.trained_at ? ' · trained ' + model.trained_at.slice(0, 10) : '');
  renderFacts(model);
  renderEvaluation(model.evaluation);
  renderSwaps(model.swaps);
  renderContextFields(model.features.context);
  recommend();
}

function renderFacts(m) {
  const facts = $('model-facts');
  facts.replaceChildren();
  const rows = [
    ['version', m.model_version], ['trained', m.trained_at || 'unknown'], ['created', m.created_at],
    ['serving since', m.loaded_at], ['items', m.items.toLocaleString()], ['index', m.index],
    ['text encoder', m.text_encoder.name + ' (' + m.text_encoder.dim + ' dims)'],
    ['context read', m.features.context.map((f) => f.name).join(', ') || 'none'],
    ['search text in user tower', m.features.query ? 'yes' : 'no (search uses the item tower)'],
  ];
  for (const [k, v] of rows) { facts.append(el('dt', k), el('dd', v)); }
}

function renderEvaluation(ev) {
  const head = $('evaluation').tHead;
  const body = $('evaluation').tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  if (!ev || !ev.slices || Object.keys(ev.slices).length === 0) {
    const tr = el('tr');
    tr.append(el('td', 'This bundle has no evaluation.'));
    body.append(tr);
    return;
  }
  const metrics = ['queries', 'recall@100', 'ndcg@10', 'hitrate@10', 'coverage@10'];
  const hr = el('tr');
  hr.append(el('th', 'slice'));
  metrics.forEach((m) => hr.append(el('th', m)));
  head.append(hr);
  for (const [slice, figures] of Object.entries(ev.slices)) {
    const tr = el('tr');
    tr.append(el('td', slice));
    for (const m of metrics) {
      const v = figures[m];
      tr.append(el('td', v === undefined ? '–' : (m === 'queries' ? v : Number(v).toFixed(3))));
    }
    body.append(tr);
  }
  if (ev['ann_recall@100'] != null) {
    const tr = el('tr');
    tr.append(el('td', 'ANN recall@100: ' + Number(ev['ann_recall@100']).toFixed(3) + (ev.protocol ? ' · protocol ' + ev.protocol : '')));
    tr.firstChild.colSpan = metrics.length + 1;
    body.append(tr);
  }
}

function renderSwaps(swaps) {
  const list = $('swaps');
  list.replaceChildren();
  for (const s of swaps) {
    list.append(el('li', s.version + ' — ' + (s.cause || 'loaded') + ', from ' + s.activated_at
        + (s.retired_at ? ' to ' + s.retired_at : ' (serving)') + ', load ' + s.load_ms + ' ms'));
  }
  if (swaps.length === 0) list.append(el('li', 'none yet'));
}

function renderContextFields(fields) {
  const box = $('context-fields');
  box.replaceChildren();
  for (const f of fields) {
    const label = el('label', f.name.replace(/_/g, ' '));
    const select = el('select');
    select.id = 'ctx-' + f.name;
    select.append(new Option('(not given)', ''));
    for (const v of f.vocabulary) select.append(new Option(v, v));
    if (!(f.name in state.context)) state.context[f.name] = f.vocabulary.length ? f.vocabulary[0] : '';
    select.value = state.context[f.name];
    select.addEventListener('change', () => { state.context[f.name] = select.value; recommend(); });
    label.append(select);
    box.append(label);
  }
}

// ---- recommendations ----

function requestBody() {
  const context = {};
  for (const [k, v] of Object.entries(state.context)) if (v) context[k] = v;
  const time = $('time-of-day').value;
  if (time) context.timestamp = '2011-11-04T' + time + ':00Z'; // a Friday inside the training data's period
  const body = { context, k: Number($('k').value) };
  if (state.history.length) body.history = state.history.slice();
  return body;
}

async function recommend() {
  const seq = ++state.recsSeq;
  const body = requestBody();
  showStatus($('status'), 'asking…');
  let answer;
  try {
    answer = await api('POST', '/recommend', body);
  } catch (e) {
    if (seq === state.recsSeq) showStatus($('status'), 'Could not get recommendations: ' + e.message, true);
    return;
  }
  if (seq !== state.recsSeq) return; // a newer request is on its way
  renderRecommendations(answer);
  const ctx = Object.entries(body.context).map(([k, v]) => k + ' ' + v).join(', ') || 'no context';
  showStatus($('status'), ctx + (state.history.length ? ' · after ' + state.history.length + ' click(s)' : ' · first visit')
      + (answer.unknown_history.length ? ' · unknown: ' + answer.unknown_history.join(', ') : ''));
}

function renderRecommendations(answer) {
  const list = $('recs');
  list.replaceChildren();
  answer.items.forEach((item, i) => {
    const card = el('li', null, 'card');
    card.tabIndex = 0;
    card.dataset.itemId = item.item_id;
    const title = el('span', (i + 1) + '. ' + item.title, 'title');
    if (state.listed.has(item.item_id)) title.append(el('span', 'new', 'badge'));
    card.append(title, el('span', price(item.price) + (item.in_stock ? '' : ' · out of stock'), 'meta'),
        el('span', 'score ' + item.score.toFixed(3) + ' · ' + item.item_id, 'meta'));
    card.addEventListener('click', () => touch(item, answer.recommendation_id));
    card.addEventListener('keydown', (e) => { if (e.key === 'Enter') touch(item, answer.recommendation_id); });
    list.append(card);
  });
  $('recs-meta').textContent = '(model ' + answer.model_version + ', ' + answer.took_ms + ' ms on the server)';
  list.dataset.renders = String(Number(list.dataset.renders || 0) + 1);
}

// ---- the session (client-side history, and each click sent to POST /events) ----

function newSessionId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return 'demo-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function startSession() {
  state.sessionId = newSessionId();
  state.eventsLogged = 0;
  $('session').dataset.sessionId = state.sessionId;
  $('session-id').textContent = state.sessionId;
  $('session-events').textContent = '';
}

/** The recommendations follow state.history (sent explicitly); recording the click as an event is a side show. */
function touch(item, recommendationId) {
  state.history = [item.item_id].concat(state.history.filter((id) => id !== item.item_id)).slice(0, MAX_HISTORY);
  state.titles.set(item.item_id, item.title);
  renderHistory();
  recommend();
  logClick(item, recommendationId);
}

/** POST /events: a click in this page's session, attributed to the answer that showed the item when there was one. */
async function logClick(item, recommendationId) {
  if (state.eventsOff) return;
  const event = { event_type: 'click', session_id: state.sessionId, item_id: item.item_id };
  if (recommendationId) event.recommendation_id = recommendationId;
  const session = state.sessionId;
  try {
    await api('POST', '/events', event);
    if (session !== state.sessionId) return; // the session was cleared meanwhile
    state.eventsLogged++;
    $('session-events').textContent = ' · ' + state.eventsLogged + ' click(s) recorded by POST /events';
  } catch (e) {
    if (e.status === 401 || e.status === 404) state.eventsOff = true; // events need a token or are disabled here
    $('session-events').textContent = ' · clicks not recorded: ' + e.message;
  }
}

function renderHistory() {
  const list = $('history');
  list.replaceChildren();
  for (const id of state.history) list.append(el('li', state.titles.get(id) || id));
  if (state.history.length === 0) list.append(el('li', 'nothing clicked yet'));
}

// ---- search ----

function scheduleSearch() {
  clearTimeout(state.searchTimer);
  state.searchTimer = setTimeout(search, 250);
}

async function search() {
  const q = $('query').value.trim();
  const seq = ++state.searchSeq;
  const list = $('search-results');
  if (!q) { list.replaceChildren(); return; }
  let answer;
  try {
    answer = await api('GET', '/items?query=' + encodeURIComponent(q) + '&k=8');
  } catch (e) {
    if (seq === state.searchSeq) list.replaceChildren(el('li', 'Search failed: ' + e.message, 'error'));
    return;
  }
  if (seq !== state.searchSeq) return;
  list.replaceChildren();
  for (const item of answer.items) {
    const li = el('li', item.title + ' · ' + price(item.price), 'clickable');
    li.dataset.itemId = item.item_id;
    if (state.listed.has(item.item_id)) li.append(el('span', 'new', 'badge'));
    li.title = item.match === 'prefix' ? 'title starts with the query' : 'similar text (score ' + item.score.toFixed(3) + ')';
    li.addEventListener('click', () => touch(item));
    list.append(li);
  }
  if (answer.items.length === 0) list.append(el('li', 'no match'));
}

// ---- admin: list a new product ----

async function listProduct(event) {
  event.preventDefault();
  const status = $('admin-status');
  const title = $('new-title').value.trim();
  const item = { title, price: Number($('new-price').value) };
  const category = $('new-category').value.trim();
  if (category) item.category = category;
  const id = 'DEMO-' + Date.now().toString(36).toUpperCase();
  showStatus(status, 'listing…');
  try {
    const r = await api('PUT', '/items/' + encodeURIComponent(id), item, $('token').value.trim());
    state.listed.add(id);
    state.titles.set(id, title);
    showStatus(status, 'Listed ' + id + ' (' + r.status + ', embedded in ' + r.took_ms.toFixed(1)
        + ' ms). It is marked "new" wherever it appears; below, the search for its title.');
    $('query').value = title;
    search();
    recommend();
  } catch (e) {
    showStatus(status, 'Not listed: ' + e.message, true);
  }
}

function start() {
  $('query').addEventListener('input', scheduleSearch);
  $('time-of-day').addEventListener('change', recommend);
  $('k').addEventListener('change', recommend);
  $('clear-history').addEventListener('click', () => { state.history = []; startSession(); renderHistory(); recommend(); });
  $('new-item').addEventListener('submit', listProduct);
  startSession();
  renderHistory();
  loadModel();
}

start();
