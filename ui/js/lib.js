// The dashboards' shared module: API calls with their errors, formatting
// (ru-RU, ₸, the business time zone), DOM building that only ever inserts
// text, the sortable/filterable/paginated table with its CSV link, charts.
//
// Every value from the database reaches the page through el()/text():
// they make text nodes (createTextNode), never HTML. UTM values, names and
// request bodies are attacker-controlled: they come from ad links and
// forms on the landing pages.

export const state = { tz: 'Asia/Almaty', user: '' };

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

// Calls a JSON API of the same origin. Changes send JSON (or the given
// content type) and X-Requested-With: the admin APIs refuse a change
// without them (the cross-site refusal, lib/io/route.c). Resolves to the
// parsed answer; rejects with an ApiError carrying the HTTP status and the
// API's message.
export async function api(path, opts = {}) {
  const headers = { 'Accept': 'application/json', 'X-Requested-With': 'amosync-ui' };
  const init = { method: opts.method || 'GET', headers, credentials: 'same-origin' };
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') {
      headers['Content-Type'] = opts.type || 'text/plain';
      init.body = opts.body;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeout || 60000);
  init.signal = ctl.signal;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, e.name === 'AbortError' ? 'сервер не ответил вовремя' : 'нет связи с сервером');
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  const text = await res.text();
  try {
    data = text ? JSON.parse(text) : {};
  } catch (e) {
    data = null;
  }
  if (!res.ok || data === null || data.success === false) {
    const msg = data && data.error ? data.error : `HTTP ${res.status}`;
    const err = new ApiError(res.status, msg, data && data.field);
    err.data = data;
    throw err;
  }
  return data;
}

// Builds a query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

// el('div', {class: 'x', onclick: fn, dataset: {a: 1}}, 'text', child, ...)
// Strings and numbers become text nodes; null/false children are skipped.
export function el(tag, attrs, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k === 'value') n.value = v;
    else if (k === 'checked') n.checked = !!v;
    else if (k === 'style') for (const [p, x] of Object.entries(v)) n.style.setProperty(p, x);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  append(n, children);
  return n;
}

function append(n, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    n.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the children of node.
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// --- formatting ---------------------------------------------------------

const nf0 = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 0 });
const nf2 = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 2 });

export function num(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? nf0.format(n) : '—';
}

// 1 234 567 ₸ (whole tenge, rounded half up, never cut: 4952.5 is 4 953 ₸;
// tiyn are not worth a column).
export function money(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? nf0.format(Math.round(n)) + ' ₸' : '—';
}

export function dec(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? nf2.format(n) : '—';
}

export function pct(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? nf2.format(n) + ' %' : '—';
}

// A timestamp (ISO, UTC) as a date and time of the business time zone.
export function datetime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat('ru-RU', {
    timeZone: state.tz, day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit',
  }).format(d);
}

// A calendar day YYYY-MM-DD (already a day of the business zone) as 27.11.2026.
export function day(ymd) {
  if (!ymd) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : String(ymd);
}

// Seconds as "2 д 5 ч", "3 ч 10 мин", "45 мин".
export function duration(s) {
  if (s === null || s === undefined) return '—';
  s = Number(s);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} д ${h} ч`;
  if (h > 0) return `${h} ч ${m} мин`;
  if (m > 0) return `${m} мин`;
  return `${Math.floor(s)} с`;
}

// Today in the business time zone, YYYY-MM-DD.
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: state.tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

export function addDays(ymd, n) {
  const d = new Date(ymd + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(a, b) {
  return Math.round((new Date(b + 'T00:00:00Z') - new Date(a + 'T00:00:00Z')) / 86400000) + 1;
}

// Loads the business time zone once (GET /api/traffic/ui-settings).
// The header's "в обработке: N": webhook deliveries answered and kept but
// not applied yet (GET /api/integrations/inbox), looked at every 10 s;
// hidden when none wait. Sales of those deliveries are not in the
// figures yet.
export function watchInbox(node) {
  async function look() {
    try {
      const d = await api('/api/integrations/inbox');
      const n = Number(d.queued) || 0;
      node.dataset.queued = String(n);
      node.classList.toggle('hidden', n === 0);
      node.textContent = n === 0 ? '' : `в обработке: ${num(n)}`;
      node.title = n === 0 ? '' : 'Вебхуки приняты и сохранены, но ещё не применены: их продажи появятся в отчётах через несколько секунд';
    } catch (e) {
      node.classList.add('hidden');
    }
  }
  look();
  return setInterval(look, 10000);
}

export async function loadSettings() {
  try {
    const s = await api('/api/traffic/ui-settings');
    state.tz = s.timezone || state.tz;
    state.user = s.user || '';
  } catch (e) {
    // The default zone still gives sensible dates; the pages show their
    // own errors for the reports.
  }
  return state;
}

// --- states -------------------------------------------------------------

export function loading(node, what) {
  return fill(node, el('div', { class: 'loading', role: 'status' }, 'Загрузка', what ? ` ${what}` : '', '…'));
}

// Shows err in node with a retry button calling retry.
export function failed(node, err, retry) {
  return fill(node, errorBox(err, retry));
}

export function errorBox(err, retry) {
  return el('div', { class: 'error', role: 'alert' },
    el('strong', null, 'Ошибка: '),
    err && err.message ? err.message : String(err),
    err && err.status ? ` (HTTP ${err.status})` : '',
    retry ? el('button', { class: 'btn small', type: 'button', onclick: retry }, 'Повторить') : null);
}

export function empty(text) {
  return el('div', { class: 'empty' }, text || 'Нет данных за этот период');
}

// A short message at the top right that goes away by itself.
export function toast(text, kind) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = el('div', { id: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(box);
  }
  const t = el('div', { class: 'toast ' + (kind || 'ok') }, text);
  box.appendChild(t);
  setTimeout(() => t.remove(), 6000);
}

// Runs a button's action with the button disabled and a spinner label.
export async function busy(btn, fn) {
  const label = btn.textContent;
  btn.disabled = true;
  btn.classList.add('busy');
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.classList.remove('busy');
    btn.textContent = label;
  }
}

// --- the table ----------------------------------------------------------

// A sortable, filterable, paginated table.
//   cols: [{key, title, type: 'num'|'money'|'text'|'date'|'datetime'|'pct',
//           value: row => raw value (default row[key]),
//           render: row => Node|string (default: formatted value),
//           nosort}]
//   opts: {csv: URL of the API's ?format=csv, pageSize, onRow: row => ...,
//          filter: true, empty: text, id, rowData: row => {data-* of its tr}}
// Returns {node, setRows(rows)}.
export function table(cols, opts = {}) {
  const pageSize = opts.pageSize || 25;
  let rows = [], shown = [], page = 0, sortKey = null, sortDir = 1, query = '';
  const body = el('tbody');
  const head = el('tr');
  const info = el('span', { class: 'muted' });
  const prev = el('button', { class: 'btn small', type: 'button', onclick: () => go(page - 1), 'aria-label': 'Предыдущая страница' }, '‹');
  const next = el('button', { class: 'btn small', type: 'button', onclick: () => go(page + 1), 'aria-label': 'Следующая страница' }, '›');
  const search = el('input', {
    type: 'search', class: 'filter', placeholder: 'Фильтр по таблице', 'aria-label': 'Фильтр по таблице',
    oninput: () => { query = search.value.trim().toLowerCase(); page = 0; apply(); },
  });
  const val = (c, r) => (c.value ? c.value(r) : r[c.key]);
  for (const c of cols) {
    const th = el('th', { scope: 'col', class: c.type === 'num' || c.type === 'money' || c.type === 'pct' ? 'r' : '' }, c.title);
    if (!c.nosort) {
      th.classList.add('sortable');
      th.tabIndex = 0;
      const sort = () => {
        sortDir = sortKey === c.key ? -sortDir : (c.type === 'text' || !c.type ? 1 : -1);
        sortKey = c.key;
        for (const x of head.children) x.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
        apply();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter') sort(); });
    }
    head.appendChild(th);
  }
  const tools = el('div', { class: 'table-tools' },
    opts.filter === false ? null : search,
    opts.csv ? el('a', { class: 'btn small csv', href: opts.csv, download: '' }, 'CSV') : null,
    el('span', { class: 'pager' }, prev, info, next));
  const csvLink = tools.querySelector('a.csv');
  const node = el('div', { class: 'table-wrap', id: opts.id },
    tools,
    el('div', { class: 'scroll' }, el('table', { class: 'data' }, el('thead', null, head), body)));

  function fmt(c, r) {
    if (c.render) return c.render(r);
    const v = val(c, r);
    switch (c.type) {
      case 'money': return money(v);
      case 'num': return num(v);
      case 'pct': return pct(v);
      case 'date': return day(v);
      case 'datetime': return datetime(v);
      default: return v === null || v === undefined || v === '' ? '—' : String(v);
    }
  }
  function apply() {
    shown = !query ? rows.slice() : rows.filter((r) => cols.some((c) => {
      const v = val(c, r);
      return v !== null && v !== undefined && String(v).toLowerCase().includes(query);
    }));
    if (sortKey) {
      const c = cols.find((x) => x.key === sortKey);
      const numeric = c.type === 'num' || c.type === 'money' || c.type === 'pct';
      shown.sort((a, b) => {
        let x = val(c, a), y = val(c, b);
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        if (numeric) return (Number(x) - Number(y)) * sortDir;
        return String(x).localeCompare(String(y), 'ru') * sortDir;
      });
    }
    go(Math.min(page, Math.max(0, Math.ceil(shown.length / pageSize) - 1)));
  }
  function go(p) {
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.max(0, Math.min(p, pages - 1));
    body.replaceChildren();
    if (shown.length === 0) {
      body.appendChild(el('tr', null, el('td', { colspan: cols.length, class: 'empty' },
        rows.length ? 'Ничего не найдено' : (opts.empty || 'Нет данных'))));
    }
    for (const r of shown.slice(page * pageSize, (page + 1) * pageSize)) {
      const tr = el('tr', opts.rowData ? { dataset: opts.rowData(r) } : null);
      for (const c of cols) {
        tr.appendChild(el('td', { class: c.type === 'num' || c.type === 'money' || c.type === 'pct' ? 'r' : '', 'data-label': c.title }, fmt(c, r)));
      }
      if (opts.onRow) {
        tr.classList.add('clickable');
        tr.tabIndex = 0;
        tr.addEventListener('click', (e) => { if (!e.target.closest('button,a,input,select')) opts.onRow(r, tr); });
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) opts.onRow(r, tr); });
      }
      body.appendChild(tr);
    }
    info.textContent = shown.length ? `${page * pageSize + 1}–${Math.min(shown.length, (page + 1) * pageSize)} из ${num(shown.length)}` : '0';
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  go(0);
  return {
    node,
    setRows(r, csv) {
      rows = r || [];
      if (csv !== undefined && csvLink) csvLink.href = csv;
      apply();
    },
    setCsv(u) { if (csvLink) csvLink.href = u; },
    rows: () => shown,
  };
}

// --- charts (Chart.js from Debian's libjs-chart.js, window.Chart) -------

const charts = new WeakMap();

// Draws (or redraws) a chart in canvas; returns the Chart, or null when
// the library did not load (the page keeps its tables).
export function chart(canvas, config) {
  const old = charts.get(canvas);
  if (old) old.destroy();
  if (!window.Chart) {
    canvas.replaceWith(el('div', { class: 'muted' }, 'Графики недоступны: библиотека Chart.js не загружена'));
    return null;
  }
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, locale: 'ru-RU' }, config.options || {});
  const c = new window.Chart(canvas, config);
  charts.set(canvas, c);
  return c;
}

export const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9ca3af'];

// A colour for a team: its own from the Team Constructor, else the palette.
export function colourOf(name, teams, i) {
  const t = (teams || []).find((x) => x.name === name);
  if (t && /^#[0-9a-fA-F]{6}$/.test(t.color || '')) return t.color;
  return name === 'Unknown' ? '#9ca3af' : PALETTE[i % PALETTE.length];
}

// --- forms --------------------------------------------------------------

export function field(label, input, hint) {
  return el('label', { class: 'field' }, el('span', null, label), input, hint ? el('small', { class: 'muted' }, hint) : null);
}

export function select(options, value, attrs) {
  const s = el('select', attrs || {});
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    s.appendChild(el('option', { value: v }, t));
  }
  if (value !== undefined) s.value = value;
  return s;
}

// Named labels for values that the APIs return as codes.
export const CONFIDENCE = { high: 'высокая', medium: 'средняя', low: 'низкая' };
export const KIND = { exact: 'точное', prefix: 'префикс', token: 'слово', contains: 'содержит' };
export const FIELDS = { source: 'utm_source', medium: 'utm_medium', campaign: 'utm_campaign', content: 'utm_content', term: 'utm_term' };
