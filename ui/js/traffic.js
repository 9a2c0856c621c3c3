// The Traffic Dashboard (/traffic/admin): tabs by URL hash, one period
// picker shared by the report tabs, each tab a module in pages/.
import { el, fill, loadSettings, watchInbox, state, today, addDays, day, api, failed, loading } from './lib.js';

const PAGES = {
  overview: { title: 'Обзор', load: () => import('./pages/overview.js'), period: true },
  sales: { title: 'Продажи', load: () => import('./pages/sales.js'), period: true },
  utm: { title: 'UTM-источники', load: () => import('./pages/utm.js'), period: true },
  funnel: { title: 'Воронка', load: () => import('./pages/funnel.js'), period: true },
  roi: { title: 'ROI', load: () => import('./pages/roi.js'), period: true },
  integrations: { title: 'Интеграции', load: () => import('./pages/integrations.js') },
  teams: { title: 'Конструктор команд', load: () => import('./pages/teams.js') },
  pipelines: { title: 'Воронки и продукты', load: () => import('./pages/pipelines.js') },
};

const PRESETS = [
  ['today', 'Сегодня'], ['yesterday', 'Вчера'], ['7', '7 дней'], ['30', '30 дней'], ['90', '90 дней'], ['custom', 'Период'],
];

// The period every report tab reads: {preset, start, end} (days of the
// business time zone, both included).
export const period = { preset: '30', start: null, end: null };

function setPreset(p) {
  const t = today();
  period.preset = p;
  if (p === 'today') { period.start = t; period.end = t; }
  else if (p === 'yesterday') { period.start = addDays(t, -1); period.end = period.start; }
  else if (p !== 'custom') { period.start = addDays(t, -(Number(p) - 1)); period.end = t; }
  try { sessionStorage.setItem('amosync.period', JSON.stringify(period)); } catch (e) { /* private mode */ }
}

// The period before the current one, of the same length.
export function previous() {
  const n = Math.round((new Date(period.end) - new Date(period.start)) / 86400000) + 1;
  return { start: addDays(period.start, -n), end: addDays(period.start, -1) };
}

let teamsCache = null;
// The teams of the Team Constructor (colours, emoji), cached per load.
export async function teams(reload) {
  if (!teamsCache || reload) teamsCache = api('/api/traffic/teams').then((d) => d.teams).catch((e) => { teamsCache = null; throw e; });
  return teamsCache;
}

function periodBar(onChange) {
  const bar = document.getElementById('period');
  const seg = el('div', { class: 'seg', role: 'group', 'aria-label': 'Период' });
  const from = el('input', { type: 'date', value: period.start, 'aria-label': 'С', id: 'period-start' });
  const to = el('input', { type: 'date', value: period.end, 'aria-label': 'По', id: 'period-end' });
  const custom = el('span', { class: period.preset === 'custom' ? '' : 'hidden', id: 'period-custom' }, from, ' — ', to,
    el('button', {
      class: 'btn small', type: 'button', id: 'period-apply',
      onclick: () => {
        if (!from.value || !to.value || from.value > to.value) return;
        period.start = from.value; period.end = to.value; setPreset('custom'); draw(); onChange();
      },
    }, 'Показать'));
  const label = el('span', { class: 'muted', id: 'period-label' });
  function draw() {
    for (const b of seg.children) b.setAttribute('aria-pressed', String(b.dataset.preset === period.preset));
    custom.classList.toggle('hidden', period.preset !== 'custom');
    from.value = period.start; to.value = period.end;
    label.textContent = period.start === period.end ? day(period.start) : `${day(period.start)} — ${day(period.end)}`;
  }
  for (const [p, t] of PRESETS) {
    seg.appendChild(el('button', {
      type: 'button', dataset: { preset: p },
      onclick: () => {
        if (p === 'custom') { period.preset = 'custom'; draw(); return; }
        setPreset(p); draw(); onChange();
      },
    }, t));
  }
  fill(bar, seg, custom, label);
  draw();
}

let current = null;
async function route() {
  const name = (location.hash.slice(1).split('?')[0]) || 'overview';
  const def = PAGES[name] || PAGES.overview;
  const key = PAGES[name] ? name : 'overview';
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.getAttribute('href') === '#' + key) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${def.title} — amosync`;
  const root = document.getElementById('page');
  const bar = document.getElementById('period');
  bar.classList.toggle('hidden', !def.period);
  loading(root);
  current = key;
  let mod;
  try {
    mod = await def.load();
  } catch (e) {
    failed(root, e, route);
    return;
  }
  if (current !== key) return;
  const render = () => mod.render(root, { period, previous: previous(), teams });
  if (def.period) periodBar(() => { if (current === key) render(); });
  await render();
}

async function main() {
  await loadSettings();
  document.getElementById('user').textContent = state.user ? `Администратор: ${state.user}` : '';
  watchInbox(document.getElementById('inbox'));
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem('amosync.period') || 'null'); } catch (e) { saved = null; }
  if (saved && saved.preset === 'custom' && saved.start && saved.end) Object.assign(period, saved);
  else setPreset(saved && saved.preset && saved.preset !== 'custom' ? saved.preset : '30');
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = '1';
}

main();
