// UTM sources: the period's summary, top sources and campaigns, the sales
// without UTM, a search over UTM fields, and one source's details.
import { el, fill, api, qs, money, num, pct, datetime, loading, failed, table, field, errorBox, chart, PALETTE } from '../lib.js';

const U = '/api/utm-analytics';

export async function render(root, ctx) {
  const { period } = ctx;
  const range = { start: period.start, end: period.end };
  const summary = el('div', { class: 'kpis', id: 'utm-summary' });
  const detail = el('div', { id: 'source-detail' });
  const canvas = el('canvas', { id: 'utm-chart', 'aria-label': 'Выручка по источникам' });
  const sources = table([
    { key: 'utm_source', title: 'Источник', value: (s) => s.utm_source },
    { key: 'sales_count', title: 'Продаж', type: 'num' },
    { key: 'total_revenue', title: 'Выручка', type: 'money' },
    { key: 'avg_sale', title: 'Средний чек', type: 'money' },
    { key: 'campaigns', title: 'Кампаний', type: 'num' },
    { key: 'last_sale', title: 'Последняя продажа', type: 'datetime' },
  ], { csv: U + '/top-sources' + qs({ ...range, limit: 100000, format: 'csv' }), id: 'utm-sources', onRow: (s) => showSource(s.utm_source) });
  const campaigns = table([
    { key: 'utm_campaign', title: 'Кампания' },
    { key: 'utm_source', title: 'Источник' },
    { key: 'utm_medium', title: 'Канал' },
    { key: 'sales_count', title: 'Продаж', type: 'num' },
    { key: 'total_revenue', title: 'Выручка', type: 'money' },
    { key: 'avg_sale', title: 'Средний чек', type: 'money' },
  ], { csv: U + '/top-campaigns' + qs({ ...range, limit: 100000, format: 'csv' }), id: 'utm-campaigns' });
  const without = table([
    { key: 'sale_date', title: 'Дата', type: 'datetime' },
    { key: 'lead_id', title: 'Сделка' },
    { key: 'contact_name', title: 'Клиент', value: (s) => s.contact_name || s.lead_name },
    { key: 'sale_amount', title: 'Сумма', type: 'money' },
    { key: 'targetologist', title: 'Команда' },
  ], { csv: U + '/without-utm' + qs({ ...range, limit: 100000, format: 'csv' }), id: 'utm-without', empty: 'Все продажи периода с UTM' });
  const found = table([
    { key: 'sale_date', title: 'Дата', type: 'datetime' },
    { key: 'lead_id', title: 'Сделка' },
    { key: 'utm_source', title: 'utm_source' },
    { key: 'utm_medium', title: 'utm_medium' },
    { key: 'utm_campaign', title: 'utm_campaign' },
    { key: 'sale_amount', title: 'Сумма', type: 'money' },
    { key: 'targetologist', title: 'Команда' },
  ], { csv: '#', id: 'utm-found', empty: 'Ничего не найдено' });
  const s = { utm_source: el('input', { name: 'utm_source', type: 'search' }), utm_medium: el('input', { name: 'utm_medium', type: 'search' }), utm_campaign: el('input', { name: 'utm_campaign', type: 'search' }), targetologist: el('input', { name: 'targetologist', type: 'search' }) };
  const searchMsg = el('div');
  const searchForm = el('form', {
    class: 'form', id: 'utm-search',
    onsubmit: async (e) => {
      e.preventDefault();
      const q = { ...range };
      for (const [k, i] of Object.entries(s)) q[k] = i.value.trim();
      fill(searchMsg);
      try {
        const r = await api(U + '/search' + qs({ ...q, limit: 1000 }));
        found.setRows(r.sales, U + '/search' + qs({ ...q, limit: 100000, format: 'csv' }));
        fill(searchMsg, el('p', null, `Найдено: ${num(r.count)}, выручка ${money(r.total_revenue)}, средний чек ${money(r.avg_sale)}`));
      } catch (err) {
        fill(searchMsg, errorBox(err));
      }
    },
  }, field('utm_source', s.utm_source), field('utm_medium', s.utm_medium), field('utm_campaign', s.utm_campaign), field('Команда', s.targetologist),
  el('button', { class: 'btn primary', type: 'submit' }, 'Найти'));
  fill(root,
    el('h2', null, 'UTM-источники'),
    summary,
    el('div', { class: 'grid two' },
      el('div', { class: 'card' }, el('h3', null, 'Источники'), sources.node),
      el('div', { class: 'card' }, el('h3', null, 'Выручка по источникам'), el('div', { class: 'chart-box small' }, canvas))),
    detail,
    el('div', { class: 'card' }, el('h3', null, 'Кампании'), campaigns.node),
    el('div', { class: 'card' }, el('h3', null, 'Продажи без UTM'), without.node),
    el('div', { class: 'card' }, el('h3', null, 'Поиск по меткам'), searchForm, searchMsg, found.node));
  loading(summary);

  async function showSource(src) {
    loading(detail);
    try {
      const r = await api(U + '/source-details/' + encodeURIComponent(src) + qs(range));
      const camp = table([
        { key: 'campaign', title: 'Кампания' },
        { key: 'sales', title: 'Продаж', type: 'num' },
        { key: 'revenue', title: 'Выручка', type: 'money' },
      ], { pageSize: 10, filter: false });
      const recent = table([
        { key: 'sale_date', title: 'Дата', type: 'datetime' },
        { key: 'lead_id', title: 'Сделка' },
        { key: 'utm_campaign', title: 'Кампания' },
        { key: 'sale_amount', title: 'Сумма', type: 'money' },
        { key: 'targetologist', title: 'Команда' },
      ], { pageSize: 10, filter: false });
      camp.setRows(r.campaigns);
      recent.setRows(r.recent_sales);
      fill(detail, el('div', { class: 'card detail', id: 'source-card' },
        el('div', { class: 'toolbar' }, el('h3', { class: 'grow' }, 'Источник: ', el('code', null, r.source)),
          el('button', { class: 'btn small', type: 'button', onclick: () => fill(detail) }, 'Закрыть')),
        el('p', null, `Продаж ${num(r.summary.total_sales)}, выручка ${money(r.summary.total_revenue)}, средний чек ${money(r.summary.avg_sale)}; первая ${datetime(r.summary.first_sale)}, последняя ${datetime(r.summary.last_sale)}`),
        el('div', { class: 'grid two' }, el('div', null, el('h3', null, 'Кампании'), camp.node), el('div', null, el('h3', null, 'Последние продажи'), recent.node))));
      detail.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      failed(detail, e, () => showSource(src));
    }
  }

  async function load() {
    try {
      const [o, top, camps, wo] = await Promise.all([
        api(U + '/overview' + qs(range)),
        api(U + '/top-sources' + qs({ ...range, limit: 1000 })),
        api(U + '/top-campaigns' + qs({ ...range, limit: 1000 })),
        api(U + '/without-utm' + qs({ ...range, limit: 1000 })),
      ]);
      const m = o.summary;
      fill(summary,
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Продаж'), el('div', { class: 'value' }, num(m.total_sales))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Выручка'), el('div', { class: 'value' }, money(m.total_revenue))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Без UTM'), el('div', { class: 'value' + (Number(m.sales_without_utm) > 0 ? ' down' : '') }, num(m.sales_without_utm))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Покрытие UTM'), el('div', { class: 'value' }, pct(m.utm_coverage))));
      sources.setRows(top.sources);
      campaigns.setRows(camps.campaigns);
      without.setRows(wo.sales);
      const bySrc = o.by_source.slice(0, 10);
      chart(canvas, {
        type: 'bar',
        data: { labels: bySrc.map((x) => x.source), datasets: [{ label: 'Выручка', data: bySrc.map((x) => Number(x.revenue)), backgroundColor: bySrc.map((_, i) => PALETTE[i % PALETTE.length]) }] },
        options: { indexAxis: 'y', plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => money(c.raw) } } } },
      });
    } catch (e) {
      failed(summary, e, load);
    }
  }
  await load();
}
