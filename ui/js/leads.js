// The Landing Admin (/integrator/admin/leads): the stats header, the leads
// with the leads API's filters (server-side, a page of 100 at a time),
// a lead's details, "Синхронизировать с AmoCRM" (the pull sync, its result
// and the history of runs), and "Отправить в AmoCRM" per lead and for all
// with each lead's progress.
import {
  el, fill, api, qs, num, pct, datetime, loading, failed, table, field, select, errorBox, toast, busy,
  loadSettings, state, empty, watchInbox,
} from './lib.js';

const L = '/api/landing';
const PAGE = 100;
const SYNC = { queued: 'в очереди', pushing: 'отправляется', synced: 'в AmoCRM', failed: 'ошибка' };

function statusOf(l) {
  if (l.amocrm_lead_id) return 'synced';
  return l.amocrm_sync_status || 'none';
}

function statusPill(l) {
  const s = statusOf(l);
  return el('span', { class: 'pill ' + s, dataset: { status: s }, title: l.amocrm_sync_last_error || '' },
    s === 'synced' ? `в AmoCRM №${l.amocrm_lead_id}` : SYNC[s] || 'не отправлен');
}

function notices(l) {
  const e = l.email_error ? 'ошибка' : l.email_clicked ? 'клик' : l.email_opened ? 'открыт' : l.email_sent ? 'отправлен' : '—';
  const s = l.sms_error ? 'ошибка' : l.sms_clicked ? 'клик' : l.sms_sent ? 'отправлено' : '—';
  return `e-mail: ${e}; SMS: ${s}`;
}

async function main() {
  await loadSettings();
  document.getElementById('user').textContent = state.user ? `Администратор: ${state.user}` : '';
  watchInbox(document.getElementById('inbox'));
  const root = document.getElementById('page');
  const stats = el('div', { id: 'leads-stats' });
  const syncBox = el('div', { id: 'sync-result' });
  const runsBox = el('div', { id: 'sync-runs' });
  const detail = el('div', { id: 'lead-detail' });
  const more = el('button', { class: 'btn', type: 'button', id: 'leads-more' }, 'Загрузить ещё');
  const total = el('span', { class: 'muted', id: 'leads-total' });
  const progress = el('div', { id: 'push-progress' });

  const f = {
    q: el('input', { type: 'search', name: 'q', placeholder: 'имя, e-mail, телефон' }),
    source: el('input', { type: 'search', name: 'source' }),
    utm_source: el('input', { type: 'search', name: 'utm_source' }),
    utm_medium: el('input', { type: 'search', name: 'utm_medium' }),
    utm_campaign: el('input', { type: 'search', name: 'utm_campaign' }),
    synced: select([['', 'все'], ['yes', 'в AmoCRM'], ['no', 'не в AmoCRM']], '', { name: 'synced' }),
    email_status: select([['', 'все'], ['sent', 'отправлен'], ['opened', 'открыт'], ['clicked', 'клик'], ['error', 'ошибка'], ['none', 'не отправлялся']], '', { name: 'email_status' }),
    sms_status: select([['', 'все'], ['sent', 'отправлено'], ['clicked', 'клик'], ['error', 'ошибка'], ['none', 'не отправлялось']], '', { name: 'sms_status' }),
    from: el('input', { type: 'date', name: 'from' }),
    to: el('input', { type: 'date', name: 'to' }),
  };
  const params = () => {
    const p = {};
    for (const [k, i] of Object.entries(f)) p[k] = i.value.trim();
    return p;
  };

  const t = table([
    { key: 'created_at', title: 'Создан', type: 'datetime' },
    { key: 'name', title: 'Имя' },
    { key: 'contact', title: 'Контакт', value: (l) => [l.email, l.phone].filter(Boolean).join(', ') },
    { key: 'source', title: 'Источник' },
    { key: 'utm_source', title: 'utm_source' },
    { key: 'utm_campaign', title: 'utm_campaign' },
    { key: 'notices', title: 'Уведомления', value: notices },
    { key: 'status', title: 'AmoCRM', value: statusOf, render: statusPill },
    {
      key: 'push', title: '', nosort: true,
      render: (l) => el('button', {
        class: 'btn small', type: 'button', dataset: { push: l.id },
        disabled: !!l.amocrm_lead_id || l.amocrm_sync_status === 'queued' || l.amocrm_sync_status === 'pushing',
        title: l.amocrm_lead_id ? `Уже в AmoCRM: №${l.amocrm_lead_id}` : '',
        onclick: (e) => busy(e.currentTarget, () => pushOne(l)),
      }, 'Отправить в AmoCRM'),
    },
  ], { id: 'leads-table', csv: '#', pageSize: 25, onRow: (l) => show(l), empty: 'Лидов нет' });

  fill(root,
    el('div', { class: 'toolbar' }, el('h2', { class: 'grow' }, 'Лиды лендинга'),
      el('button', { class: 'btn primary', type: 'button', id: 'sync-button' }, 'Синхронизировать с AmoCRM'),
      el('button', { class: 'btn', type: 'button', id: 'push-all' }, 'Отправить всех в AmoCRM')),
    syncBox, progress, stats,
    el('div', { class: 'card' },
      el('form', { class: 'form', id: 'leads-filter', onsubmit: (e) => { e.preventDefault(); load(); } },
        field('Поиск', f.q), field('Источник', f.source), field('utm_source', f.utm_source), field('utm_medium', f.utm_medium),
        field('utm_campaign', f.utm_campaign), field('AmoCRM', f.synced), field('E-mail', f.email_status), field('SMS', f.sms_status),
        field('С', f.from), field('По', f.to),
        el('button', { class: 'btn primary', type: 'submit' }, 'Применить'),
        el('button', { class: 'btn', type: 'reset', onclick: () => setTimeout(load, 0) }, 'Сбросить')),
      t.node, el('div', { class: 'toolbar' }, total, more)),
    detail,
    el('div', { class: 'card' }, el('h3', null, 'История синхронизаций'), runsBox));

  // --- stats -------------------------------------------------------------
  async function loadStats() {
    loading(stats);
    try {
      const p = params();
      const s = await api(`${L}/leads/stats` + qs({ from: p.from, to: p.to }));
      const x = s.totals;
      const card = (id, label, value, sub) => el('div', { class: 'kpi', id: 'stat-' + id, dataset: { value: String(value) } },
        el('div', { class: 'label' }, label), el('div', { class: 'value' }, num(value)), sub ? el('div', { class: 'sub' }, sub) : null);
      const bySource = table([
        { key: 'value', title: 'Источник', value: (r) => r.value || '—' },
        { key: 'leads', title: 'Лидов', type: 'num' },
        { key: 'email_sent', title: 'E-mail отправлено', type: 'num' },
        { key: 'email_opened', title: 'Открыто', type: 'num' },
        { key: 'email_clicked', title: 'Клики e-mail', type: 'num' },
        { key: 'email_failed', title: 'Ошибки e-mail', type: 'num' },
        { key: 'sms_sent', title: 'SMS', type: 'num' },
        { key: 'sms_clicked', title: 'Клики SMS', type: 'num' },
        { key: 'synced', title: 'В AmoCRM', type: 'num' },
        { key: 'not_synced', title: 'Не в AmoCRM', type: 'num' },
      ], { pageSize: 10, filter: false, id: 'stats-by-source', onRow: (r) => { f.source.value = r.value || ''; load(); } });
      bySource.setRows(s.by_source);
      fill(stats,
        el('div', { class: 'kpis' },
          card('leads', 'Лидов', x.leads, `в AmoCRM: ${num(x.synced)} · нет: ${num(x.not_synced)}`),
          card('email', 'E-mail отправлено', x.email_sent, `открыто ${num(x.email_opened)} · клики ${num(x.email_clicked)} (${pct(x.email_sent ? ((x.email_clicked / x.email_sent) * 100).toFixed(1) : 0)}) · ошибки ${num(x.email_failed)}`),
          card('sms', 'SMS отправлено', x.sms_sent, `клики ${num(x.sms_clicked)} (${pct(x.sms_sent ? ((x.sms_clicked / x.sms_sent) * 100).toFixed(1) : 0)}) · ошибки ${num(x.sms_failed)}`),
          card('synced', 'В AmoCRM', x.synced, `${pct(x.leads ? ((x.synced / x.leads) * 100).toFixed(1) : 0)} лидов`)),
        el('div', { class: 'card' }, el('h3', null, 'По источникам'), bySource.node));
    } catch (e) {
      failed(stats, e, loadStats);
    }
  }

  // --- the leads ---------------------------------------------------------
  let rows = [], after = null;
  async function load(append) {
    const p = params();
    t.setCsv(`${L}/leads` + qs({ ...p, format: 'csv' }));
    if (!append) { rows = []; after = null; loading(total); loadStats(); }
    try {
      const r = await api(`${L}/leads` + qs({ ...p, after: append ? after : '', limit: PAGE }));
      rows = rows.concat(r.leads);
      after = r.next_after;
      t.setRows(rows);
      total.textContent = `Загружено ${num(rows.length)} из ${num(r.total)}`;
      more.classList.toggle('hidden', !after);
    } catch (e) {
      failed(total, e, () => load(append));
    }
  }
  more.addEventListener('click', () => busy(more, () => load(true)));

  async function show(l) {
    loading(detail);
    try {
      const r = await api(`${L}/leads/${encodeURIComponent(l.id)}`);
      const x = r.lead;
      const kv = (pairs) => el('dl', { class: 'kv' }, pairs.map(([k, v]) => [el('dt', null, k), el('dd', null, v === null || v === undefined || v === '' ? '—' : v)]));
      fill(detail, el('div', { class: 'card detail', id: 'lead-card' },
        el('div', { class: 'toolbar' }, el('h3', { class: 'grow' }, `Лид: ${x.name}`),
          el('button', { class: 'btn small', type: 'button', onclick: () => fill(detail) }, 'Закрыть')),
        el('div', { class: 'grid two' },
          kv([['Создан', datetime(x.created_at)], ['E-mail', x.email], ['Телефон', x.phone], ['Источник', x.source],
            ['utm_source', x.utm_source], ['utm_medium', x.utm_medium], ['utm_campaign', x.utm_campaign], ['utm_content', x.utm_content], ['utm_term', x.utm_term]]),
          kv([['AmoCRM', statusPill(x)], ['Сделка AmoCRM', x.amocrm_lead_id], ['Контакт AmoCRM', x.amocrm_contact_id], ['Ошибка выгрузки', x.amocrm_sync_last_error],
            ['E-mail', `${x.email_sent ? 'отправлен ' + datetime(x.email_sent_at) : 'не отправлялся'}${x.email_opened ? ', открыт' : ''}${x.email_clicked ? ', клик' : ''}`],
            ['Ошибка e-mail', x.email_error],
            ['SMS', `${x.sms_sent ? 'отправлено ' + datetime(x.sms_sent_at) : 'не отправлялось'}${x.sms_clicked ? ', клик' : ''}`],
            ['Ошибка SMS', x.sms_error]]))));
      detail.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      failed(detail, e, () => show(l));
    }
  }

  // --- push to amoCRM, with each lead's progress ---------------------------
  let watching = new Set(), timer = null;
  function watch(ids) {
    for (const id of ids) watching.add(id);
    if (!timer) timer = setInterval(poll, 1500);
    poll();
  }
  async function poll() {
    const ids = [...watching];
    if (!ids.length) { clearInterval(timer); timer = null; return; }
    const done = [], items = [];
    await Promise.all(ids.slice(0, 50).map(async (id) => {
      try {
        const x = (await api(`${L}/leads/${id}`)).lead;
        const i = rows.findIndex((r) => r.id === id);
        if (i >= 0) rows[i] = x;
        items.push(x);
        if (x.amocrm_lead_id || x.amocrm_sync_status === 'failed') done.push(id);
      } catch (e) {
        done.push(id);
      }
    }));
    for (const id of done) watching.delete(id);
    t.setRows(rows);
    const counts = {};
    for (const x of items) counts[statusOf(x)] = (counts[statusOf(x)] || 0) + 1;
    fill(progress, el('div', { class: 'notice', dataset: { pending: String(watching.size) } },
      watching.size ? `Отправка в AmoCRM: осталось ${num(watching.size)}. ` : 'Отправка в AmoCRM завершена. ',
      Object.entries(counts).map(([k, v]) => `${SYNC[k] || k}: ${num(v)}`).join(', '),
      el('ul', null, items.slice(0, 10).map((x) => el('li', { dataset: { lead: x.id } }, `${x.name}: `, statusPill(x), x.amocrm_sync_last_error ? ` — ${x.amocrm_sync_last_error}` : '')))));
    if (!watching.size) { loadStats(); }
  }
  async function pushOne(l) {
    try {
      const r = await api(`${L}/sync-to-amocrm/${encodeURIComponent(l.id)}`, { method: 'POST' });
      toast(r.message || (r.queued ? 'Лид поставлен в очередь' : 'Лид уже в AmoCRM или в очереди'));
      if (r.queued) watch([l.id]);
    } catch (e) {
      toast(e.message, 'bad');
    }
  }
  const pushAll = document.getElementById('push-all');
  pushAll.addEventListener('click', () => busy(pushAll, async () => {
    const notIn = rows.filter((r) => !r.amocrm_lead_id);
    if (!window.confirm('Отправить в AmoCRM всех лидов, которых там ещё нет?')) return;
    try {
      const r = await api(`${L}/sync-all-to-amocrm`, { method: 'POST' });
      toast(`В очереди: ${num(r.queued)} из ${num(r.total)}, пропущено ${num(r.skipped)}`);
      fill(progress, el('div', { class: 'notice' }, `Поставлено в очередь: ${num(r.queued)} лидов`));
      watch(notIn.filter((x) => !x.amocrm_sync_status || x.amocrm_sync_status === 'failed').map((x) => x.id));
    } catch (e) {
      toast(e.message, 'bad');
    }
  }));

  // --- the pull sync -------------------------------------------------------
  const runs = table([
    { key: 'started_at', title: 'Начало', type: 'datetime' },
    { key: 'trigger', title: 'Запуск', value: (r) => (r.trigger === 'manual' ? `вручную${r.requested_by ? ' (' + r.requested_by + ')' : ''}` : 'по расписанию') },
    { key: 'status', title: 'Итог', render: (r) => el('span', { class: 'pill ' + (r.status === 'done' ? 'ok' : r.status === 'running' ? 'warning' : 'error') }, r.status) },
    { key: 'total_amocrm_leads', title: 'Сделок AmoCRM', type: 'num' },
    { key: 'updated', title: 'Связано', type: 'num' },
    { key: 'already_synced', title: 'Уже были', type: 'num' },
    { key: 'ambiguous', title: 'Неоднозначно', type: 'num' },
    { key: 'error', title: 'Ошибка' },
  ], { id: 'runs-table', pageSize: 10, filter: false, empty: 'Синхронизаций ещё не было' });
  runsBox.appendChild(runs.node);
  async function loadRuns() {
    try {
      runs.setRows((await api(`${L}/sync-runs` + qs({ limit: 100 }))).runs);
    } catch (e) {
      toast('История: ' + e.message, 'bad');
    }
  }
  const syncBtn = document.getElementById('sync-button');
  syncBtn.addEventListener('click', () => busy(syncBtn, async () => {
    fill(syncBox, el('div', { class: 'loading' }, 'Синхронизация с AmoCRM…'));
    try {
      const r = await api('/api/admin/landing/sync-amocrm', { method: 'POST', body: {}, timeout: 120000 });
      const d = r.data;
      fill(syncBox, el('div', { class: 'card', id: 'sync-summary', dataset: { synced: String(d.synced_total), notSynced: String(d.not_synced_total), updated: String(d.updated) } },
        el('strong', null, 'Синхронизация выполнена'), ` (${d.duration || ''})`,
        el('ul', null,
          el('li', null, `Сделок в AmoCRM: ${num(d.total_amocrm_leads)}, контактов: ${num(d.total_amocrm_contacts)}`),
          el('li', null, `Лидов на лендинге: ${num(d.total_landing_leads)}`),
          el('li', null, `Связано с AmoCRM: ${num(d.synced_total)} (новых ${num(d.updated)}: по e-mail ${num(d.matched_by_email)}, по телефону ${num(d.matched_by_phone)})`),
          el('li', null, `Не найдено в AmoCRM: ${num(d.not_synced_total)}`),
          el('li', null, `Неоднозначных совпадений: ${num(d.ambiguous_total)}`),
          el('li', null, `E-mail отправлено: ${num(d.email_sent)}, ошибок ${num(d.email_failed)}; SMS: ${num(d.sms_sent)}, ошибок ${num(d.sms_failed)}`))));
      load();
    } catch (e) {
      if (e.status === 409) {
        fill(syncBox, el('div', { class: 'notice', id: 'sync-running' }, 'Синхронизация уже идёт — дождитесь её окончания. ', e.message));
      } else {
        fill(syncBox, errorBox(e));
      }
    }
    loadRuns();
  }));

  await Promise.all([load(), loadRuns()]);
  document.body.dataset.ready = '1';
}

main();
