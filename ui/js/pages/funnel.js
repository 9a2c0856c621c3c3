// Funnel: the conversion funnel of a pipeline per stage (chart and table
// with conversion and the median time between stages), for all or one team.
import { el, fill, api, qs, num, pct, duration, loading, failed, table, field, select, chart, empty } from '../lib.js';

// Until the catalogue answers: the seed's two funnels.
const PIPELINES = [['10350882', 'Express Course'], ['10418746', 'Flagship Course']];

export async function render(root, ctx) {
  const { period } = ctx;
  let teams = [];
  try { teams = await ctx.teams(); } catch (e) { teams = []; }
  // Every pipeline of the catalogue that has stages (synced from amoCRM).
  let pipes = PIPELINES;
  try {
    const c = await api('/api/traffic/pipelines');
    const synced = c.pipelines.filter((p) => !p.is_archive && p.stages.some((x) => !x.is_archive && x.id !== 143));
    if (synced.length) pipes = synced.map((p) => [String(p.id), p.name]);
  } catch (e) { pipes = PIPELINES; }
  const pipeline = select(pipes, sessionStorage.getItem('amosync.funnel.pipeline') || '10350882', { name: 'pipeline' });
  const team = select([['', 'Все команды'], ...teams.map((t) => [t.name, `${t.emoji || ''} ${t.name}`])], '', { name: 'team' });
  const head = el('div', { class: 'kpis', id: 'funnel-summary' });
  const canvas = el('canvas', { id: 'funnel-chart', 'aria-label': 'Воронка' });
  const msg = el('div');
  const t = table([
    { key: 'position', title: '№', type: 'num' },
    { key: 'name', title: 'Этап' },
    { key: 'leads', title: 'Лидов', type: 'num' },
    { key: 'conversion_from_previous', title: 'Конверсия из предыдущего', type: 'pct' },
    { key: 'conversion_from_first', title: 'Конверсия из первого', type: 'pct' },
    { key: 'median_seconds_from_previous', title: 'Медиана времени от предыдущего', type: 'num', render: (s) => duration(s.median_seconds_from_previous) },
  ], { csv: '#', id: 'funnel-table', pageSize: 50, filter: false });
  fill(root,
    el('h2', null, 'Воронка'),
    el('div', { class: 'card' }, el('div', { class: 'form' }, field('Воронка', pipeline), field('Команда', team))),
    head,
    el('div', { class: 'card' }, msg, el('div', { class: 'chart-box' }, canvas)),
    el('div', { class: 'card' }, t.node));

  async function load() {
    sessionStorage.setItem('amosync.funnel.pipeline', pipeline.value);
    const q = { pipeline_id: pipeline.value, start: period.start, end: period.end, targetologist: team.value };
    t.setCsv('/api/traffic/funnel' + qs({ ...q, format: 'csv' }));
    loading(head);
    fill(msg);
    try {
      const r = await api('/api/traffic/funnel' + qs(q));
      fill(head,
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Лидов в воронке'), el('div', { class: 'value' }, num(r.leads))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Успешно'), el('div', { class: 'value up' }, num(r.won))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Отказ'), el('div', { class: 'value down' }, num(r.lost))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Конверсия в продажу'), el('div', { class: 'value' }, pct(r.leads ? ((r.won / r.leads) * 100).toFixed(2) : null))));
      t.setRows(r.stages);
      if (!r.leads) fill(msg, empty('Нет лидов в этой воронке за период'));
      chart(canvas, {
        type: 'bar',
        data: {
          labels: r.stages.map((s) => s.name),
          datasets: [{ label: 'Лидов', data: r.stages.map((s) => s.leads), backgroundColor: '#2563eb' }],
        },
        options: {
          indexAxis: 'y',
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${num(c.raw)} лидов · ${pct(r.stages[c.dataIndex].conversion_from_first)} от первого` } } },
        },
      });
    } catch (e) {
      failed(head, e, load);
      t.setRows([]);
    }
  }
  pipeline.addEventListener('change', load);
  team.addEventListener('change', load);
  await load();
}
