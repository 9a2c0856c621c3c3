// Sales: the sales of the period (sales-history, up to 1000 rows a load)
// with filters by team (the API's), product, pipeline, UTM fields and text
// (over the loaded rows), and each sale's details: UTM, contact,
// attribution confidence, the rule that decides it now, the lead's events.
import {
  el, fill, api, qs, money, num, datetime, loading, failed, empty, table, field, select, errorBox,
  CONFIDENCE, KIND, FIELDS,
} from '../lib.js';

const LIMIT = 1000;
const PIPELINES = { 10350882: 'Express Course', 10418746: 'Flagship Course', 9965766: 'Тестирование КЦ2', 9777626: 'КЦ', 9430994: 'ОП', 9820886: 'Однодневник' };

export async function render(root, ctx) {
  const { period } = ctx;
  let teams = [];
  try { teams = await ctx.teams(); } catch (e) { teams = []; }
  const team = select([['', 'Все команды'], ...teams.map((t) => [t.name, `${t.emoji || ''} ${t.name}`]), ['Unknown', 'Без команды']], '', { name: 'team' });
  const product = select([['', 'Все продукты']], '', { name: 'product' });
  const pipeline = select([['', 'Все воронки']], '', { name: 'pipeline' });
  const utmField = select(Object.values(FIELDS), 'utm_source', { name: 'utm_field', 'aria-label': 'Поле UTM' });
  const utmValue = el('input', { name: 'utm_value', type: 'search', placeholder: 'значение метки' });
  const summary = el('div', { class: 'kpis', id: 'sales-summary' });
  const note = el('div');
  const detail = el('div', { id: 'sale-detail' });
  const t = table([
    { key: 'sale_date', title: 'Дата', type: 'datetime' },
    { key: 'lead_id', title: 'Сделка' },
    { key: 'contact_name', title: 'Клиент', value: (s) => s.contact_name || s.lead_name },
    { key: 'product_name', title: 'Продукт' },
    { key: 'sale_amount', title: 'Сумма', type: 'money' },
    { key: 'targetologist', title: 'Команда' },
    { key: 'attribution_confidence', title: 'Уверенность', render: (s) => el('span', { class: 'pill ' + (s.attribution_confidence || '') }, CONFIDENCE[s.attribution_confidence] || s.attribution_confidence || '—') },
    { key: 'utm_source', title: 'utm_source' },
    { key: 'utm_campaign', title: 'utm_campaign' },
    { key: 'status', title: 'Статус', value: (s) => s.status || s.verification_status || null },
  ], { csv: '#', id: 'sales-table', onRow: (s, tr) => show(s, tr), empty: 'Нет продаж за этот период' });
  fill(root,
    el('h2', null, 'Продажи'),
    summary,
    el('div', { class: 'card' },
      el('div', { class: 'form' }, field('Команда', team), field('Продукт', product), field('Воронка', pipeline),
        field('Метка', utmField), field('Значение', utmValue)),
      note, t.node),
    detail);

  let rows = [];
  const filters = () => rows.filter((s) =>
    (!product.value || (s.product_name || '') === product.value) &&
    (!pipeline.value || String(s.pipeline_id) === pipeline.value) &&
    (!utmValue.value.trim() || String(s[utmField.value] || '').toLowerCase().includes(utmValue.value.trim().toLowerCase())));
  const redraw = () => {
    const shown = filters();
    t.setRows(shown);
    const revenue = shown.reduce((a, s) => a + Number(s.sale_amount || 0), 0);
    fill(summary,
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Продаж'), el('div', { class: 'value' }, num(shown.length))),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Выручка'), el('div', { class: 'value' }, money(revenue))),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Средний чек'), el('div', { class: 'value' }, money(shown.length ? revenue / shown.length : 0))),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'С UTM'), el('div', { class: 'value' }, num(shown.filter((s) => s.utm_source || s.utm_campaign).length))));
  };
  for (const x of [product, pipeline, utmField]) x.addEventListener('change', redraw);
  utmValue.addEventListener('input', redraw);

  async function load() {
    const q = { start: period.start, end: period.end, targetologist: team.value };
    t.setCsv('/api/amocrm/sales-history' + qs({ ...q, format: 'csv' }));
    loading(summary);
    fill(note);
    try {
      const r = await api('/api/amocrm/sales-history' + qs({ ...q, limit: LIMIT }));
      rows = r.sales;
      const products = [...new Set(rows.map((s) => s.product_name).filter(Boolean))].sort();
      const pipes = [...new Set(rows.map((s) => String(s.pipeline_id)).filter((x) => x && x !== 'null'))].sort();
      const keep = [product.value, pipeline.value];
      fill(product, el('option', { value: '' }, 'Все продукты'), products.map((p) => el('option', { value: p }, p)));
      fill(pipeline, el('option', { value: '' }, 'Все воронки'), pipes.map((p) => el('option', { value: p }, PIPELINES[p] ? `${PIPELINES[p]} (${p})` : p)));
      product.value = products.includes(keep[0]) ? keep[0] : '';
      pipeline.value = pipes.includes(keep[1]) ? keep[1] : '';
      if (r.next_cursor) {
        fill(note, el('div', { class: 'notice' }, `Показаны последние ${num(rows.length)} из ${num(r.stats.total_sales)} продаж периода (выручка всех: ${money(r.stats.total_revenue)}). Все продажи — в CSV.`));
      }
      redraw();
    } catch (e) {
      failed(summary, e, load);
      t.setRows([]);
    }
  }
  team.addEventListener('change', load);

  async function show(s, tr) {
    for (const x of tr.parentNode.children) x.classList.remove('selected');
    tr.classList.add('selected');
    const rule = el('dd', { id: 'sale-rule' }, '…');
    const events = el('div', { id: 'sale-events' });
    const kv = (pairs) => el('dl', { class: 'kv' }, pairs.map(([k, v]) => [el('dt', null, k), el('dd', null, v === null || v === undefined || v === '' ? '—' : v)]));
    fill(detail, el('div', { class: 'card detail' },
      el('div', { class: 'toolbar' }, el('h3', { class: 'grow' }, `Сделка ${s.lead_id}: ${s.lead_name || ''}`),
        el('button', { class: 'btn small', type: 'button', onclick: () => fill(detail) }, 'Закрыть')),
      el('div', { class: 'grid two' },
        el('div', null, el('h3', null, 'Продажа'), kv([
          ['Дата', datetime(s.sale_date)], ['Сумма', money(s.sale_amount)], ['Продукт', s.product_name],
          ['Воронка', PIPELINES[s.pipeline_id] ? `${PIPELINES[s.pipeline_id]} (${s.pipeline_id})` : s.pipeline_id], ['Этап', s.status_id],
          ['Статус', s.status || s.verification_status],
        ]), el('h3', null, 'Клиент'), kv([['Имя', s.contact_name], ['Телефон', s.contact_phone], ['E-mail', s.contact_email]])),
        el('div', null, el('h3', null, 'UTM'), kv(Object.values(FIELDS).map((f) => [f, s[f]]).concat([['utm_id', s.utm_id]])),
          el('h3', null, 'Атрибуция'), el('dl', { class: 'kv' },
            el('dt', null, 'Команда'), el('dd', null, s.targetologist || '—'),
            el('dt', null, 'Уверенность'), el('dd', null, el('span', { class: 'pill ' + (s.attribution_confidence || '') }, CONFIDENCE[s.attribution_confidence] || s.attribution_confidence || '—')),
            el('dt', null, 'Правило (сейчас)'), rule))),
      el('h3', null, 'События сделки'), events));
    loading(events);
    const utm = {};
    for (const f of Object.values(FIELDS)) if (s[f]) utm[f] = s[f];
    const preview = Object.keys(utm).length
      ? api('/api/traffic/attribution/preview', { method: 'POST', body: utm }).then((p) => {
        fill(rule, p.rule ? el('span', null, el('code', null, p.rule.pattern), ` (${KIND[p.rule.kind] || p.rule.kind}, приоритет ${p.rule.priority}) → ${p.team_name}`)
          : p.team_name ? `utm_source команды ${p.team_name}` : 'ни одно правило не подходит');
      }).catch((e) => fill(rule, e.message))
      : Promise.resolve(fill(rule, 'у продажи нет UTM-меток'));
    const timeline = api(`/api/traffic/leads/${encodeURIComponent(s.lead_id)}/events`).then((r) => {
      fill(events, r.events.length ? el('ol', { class: 'timeline' }, r.events.map((e) => el('li', null,
        el('strong', null, datetime(e.event_at)), ' — ',
        e.old_status_id ? `${e.old_stage || e.old_status_id} → ` : '', e.stage || `этап ${e.status_id}`,
        e.pipeline_id && PIPELINES[e.pipeline_id] ? el('span', { class: 'muted' }, ` (${PIPELINES[e.pipeline_id]})`) : null)))
        : empty('Событий по этой сделке нет'));
    }).catch((e) => fill(events, errorBox(e)));
    await Promise.all([preview, timeline]);
    detail.scrollIntoView({ block: 'nearest' });
  }

  await load();
}
