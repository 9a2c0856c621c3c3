// Overview: KPIs of the period (with the share of revenue without a team,
// a link to the Team Constructor's panel of those sales), a card per team
// with the change against the previous period, and the dynamics chart
// (day/week/month, stacked by team or product).
import { el, fill, api, qs, money, num, pct, loading, failed, empty, chart, colourOf, PALETTE, day } from '../lib.js';

function sum(stats, k) {
  return stats.reduce((a, s) => a + Number(s[k] || 0), 0);
}

function kpi(id, label, value, text, sub) {
  return el('div', { class: 'kpi', id: 'kpi-' + id, dataset: { value: String(value) } },
    el('div', { class: 'label' }, label), el('div', { class: 'value' }, text), sub ? el('div', { class: 'sub' }, sub) : null);
}

function change(now, before) {
  if (!before) return now ? el('span', { class: 'up' }, 'новые продажи') : el('span', { class: 'muted' }, 'без изменений');
  const d = ((now - before) / before) * 100;
  const cls = d > 0 ? 'up' : d < 0 ? 'down' : 'muted';
  return el('span', { class: cls }, `${d > 0 ? '▲ +' : d < 0 ? '▼ ' : ''}${pct(d.toFixed(1))}`);
}

// The share of the period's revenue without a team, a link to the Team
// Constructor's "Без команды" panel (same period: ctx.period is shared).
function unattributed(t) {
  const share = t.share === null ? 0 : Number(t.share);
  return el('a', { class: 'kpi link' + (share > 0 ? ' warn' : ''), id: 'kpi-unattr', href: '#teams?unattributed', dataset: { value: String(share), sales: String(t.unattributed_sales) } },
    el('div', { class: 'label' }, 'Выручка без команды'), el('div', { class: 'value' }, pct(share)),
    el('div', { class: 'sub' }, `${num(t.unattributed_sales)} продаж, ${money(t.unattributed_revenue)} — разобрать →`));
}

export async function render(root, ctx) {
  const { period, previous } = ctx;
  const kpis = el('div', { class: 'kpis five', id: 'kpis' });
  const cards = el('div', { class: 'grid', id: 'team-cards' });
  const gran = el('div', { class: 'seg', role: 'group', 'aria-label': 'Шаг' });
  const group = el('div', { class: 'seg', role: 'group', 'aria-label': 'Разбивка' });
  const metric = el('div', { class: 'seg', role: 'group', 'aria-label': 'Показатель' });
  const canvas = el('canvas', { id: 'dynamics-chart', 'aria-label': 'Динамика продаж' });
  const chartMsg = el('div');
  fill(root,
    el('h2', null, 'Обзор'),
    kpis,
    el('h3', null, 'Команды'),
    cards,
    el('div', { class: 'card' },
      el('div', { class: 'toolbar' }, el('strong', { class: 'grow' }, 'Динамика'), gran, group, metric),
      chartMsg, el('div', { class: 'chart-box' }, canvas)));
  loading(kpis);
  loading(cards);

  const opts = { granularity: period.end === period.start ? 'day' : (Date.parse(period.end) - Date.parse(period.start)) / 86400000 > 62 ? 'week' : 'day', group: 'targetologist', metric: 'revenue' };
  const seg = (node, key, items, redraw) => {
    for (const [v, t] of items) {
      node.appendChild(el('button', {
        type: 'button', dataset: { v }, 'aria-pressed': String(opts[key] === v),
        onclick: () => { opts[key] = v; for (const b of node.children) b.setAttribute('aria-pressed', String(b.dataset.v === v)); redraw(); },
      }, t));
    }
  };

  let teams = [];
  try {
    teams = await ctx.teams();
  } catch (e) {
    teams = [];
  }

  const cur = { start: period.start, end: period.end };
  let dyn = null;
  async function loadDynamics() {
    fill(chartMsg);
    try {
      dyn = await api('/api/traffic/dynamics' + qs({ granularity: opts.granularity, group: opts.group, ...cur }));
      drawChart();
    } catch (e) {
      failed(chartMsg, e, loadDynamics);
    }
  }
  function drawChart() {
    if (!dyn) return;
    const groups = [...new Set(dyn.dynamics.map((d) => d.group))];
    if (!dyn.dynamics.length) fill(chartMsg, empty('Нет продаж за этот период'));
    const datasets = groups.map((g, i) => ({
      label: g === null ? 'Без значения' : g === 'Unknown' ? 'Без команды' : g,
      data: dyn.buckets.map((b) => {
        const x = dyn.dynamics.find((d) => d.bucket === b && d.group === g);
        return x ? Number(opts.metric === 'revenue' ? x.revenue : x.sales_count) : 0;
      }),
      backgroundColor: opts.group === 'targetologist' ? colourOf(g, teams, i) : PALETTE[i % PALETTE.length],
      stack: 's',
    }));
    chart(canvas, {
      type: 'bar',
      data: { labels: dyn.buckets.map(day), datasets },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${opts.metric === 'revenue' ? money(c.raw) : num(c.raw)}` } } },
      },
    });
  }
  seg(gran, 'granularity', [['day', 'День'], ['week', 'Неделя'], ['month', 'Месяц']], loadDynamics);
  seg(group, 'group', [['targetologist', 'Команды'], ['product', 'Продукты']], loadDynamics);
  seg(metric, 'metric', [['revenue', 'Выручка'], ['sales', 'Продажи']], drawChart);

  async function loadFigures() {
    try {
      const [now, before, utm, un] = await Promise.all([
        api('/api/amocrm/sales-stats' + qs(cur)),
        api('/api/amocrm/sales-stats' + qs(previous)),
        api('/api/utm-analytics/overview' + qs(cur)),
        api('/api/traffic/attribution/unattributed' + qs({ ...cur, limit: 1 })),
      ]);
      const sales = sum(now.stats, 'sales_count');
      const revenue = sum(now.stats, 'total_revenue');
      const avg = sales ? revenue / sales : 0;
      const pSales = sum(before.stats, 'sales_count');
      const pRevenue = sum(before.stats, 'total_revenue');
      const cov = utm.summary ? Number(utm.summary.utm_coverage || 0) : 0;
      fill(kpis,
        kpi('sales', 'Продажи', sales, num(sales), el('span', null, 'к прошлому периоду: ', change(sales, pSales))),
        kpi('revenue', 'Выручка', revenue, money(revenue), el('span', null, 'к прошлому периоду: ', change(revenue, pRevenue))),
        kpi('avg', 'Средний чек', avg.toFixed(2), money(avg)),
        kpi('utm', 'Доля с UTM', cov, pct(cov), utm.summary ? `без UTM: ${num(utm.summary.sales_without_utm)}` : null),
        unattributed(un.totals));
      const names = [...new Set([...teams.filter((t) => t.is_active).map((t) => t.name), ...now.stats.map((s) => s.targetologist)])];
      fill(cards, names.length ? names.map((name, i) => {
        const s = now.stats.find((x) => x.targetologist === name) || { sales_count: 0, total_revenue: 0 };
        const p = before.stats.find((x) => x.targetologist === name) || { sales_count: 0, total_revenue: 0 };
        const t = teams.find((x) => x.name === name);
        const emoji = (t && t.emoji) || s.emoji || '🎯';
        return el('div', { class: 'card team-card', dataset: { team: name, sales: String(s.sales_count), revenue: String(s.total_revenue) }, style: { '--team': colourOf(name, teams, i) } },
          el('div', { class: 'name' }, el('span', { class: 'emoji' }, emoji), name === 'Unknown' ? 'Без команды' : name),
          el('div', null, 'Продажи: ', el('strong', null, num(s.sales_count)), ' · ', change(Number(s.sales_count), Number(p.sales_count))),
          el('div', null, 'Выручка: ', el('strong', null, money(s.total_revenue)), ' · ', change(Number(s.total_revenue), Number(p.total_revenue))),
          el('div', { class: 'muted' }, 'Средний чек: ', money(s.sales_count ? s.total_revenue / s.sales_count : 0)));
      }) : empty('Команд пока нет — создайте их в конструкторе'));
    } catch (e) {
      failed(kpis, e, loadFigures);
      fill(cards);
    }
  }
  await Promise.all([loadFigures(), loadDynamics()]);
}
