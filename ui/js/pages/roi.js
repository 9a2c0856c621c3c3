// ROI: ROI, ROAS and cost per sale per team for the period, a chart of
// spend against revenue, ad spend entry (one row) and CSV upload, and the
// spend rows of the period.
import { el, fill, api, qs, money, dec, loading, failed, table, field, select, chart, errorBox, toast, busy, today, colourOf } from '../lib.js';

export async function render(root, ctx) {
  const { period } = ctx;
  let teams = [];
  try { teams = await ctx.teams(); } catch (e) { teams = []; }
  const canvas = el('canvas', { id: 'roi-chart', 'aria-label': 'Расходы и выручка' });
  const msg = el('div');
  const roiTable = table([
    { key: 'team', title: 'Команда', render: (r) => (r.team === 'Unknown' ? 'Без команды' : r.team) },
    { key: 'spend', title: 'Расход', type: 'money' },
    { key: 'revenue', title: 'Выручка', type: 'money' },
    { key: 'sales', title: 'Продаж', type: 'num' },
    { key: 'roi_percent', title: 'ROI, %', type: 'pct' },
    { key: 'roas', title: 'ROAS', type: 'num', render: (r) => (r.roas === null ? '—' : el('span', { class: 'pill ' + (r.roas >= 2 ? 'ok' : r.roas >= 1 ? 'warning' : 'error') }, dec(r.roas))) },
    { key: 'cost_per_sale', title: 'Цена продажи', type: 'money' },
  ], { csv: '/api/traffic/roi' + qs({ start: period.start, end: period.end, format: 'csv' }), id: 'roi-table', filter: false });
  const spendTable = table([
    { key: 'date', title: 'Дата', type: 'date' },
    { key: 'team', title: 'Команда' },
    { key: 'campaign', title: 'Кампания' },
    { key: 'amount', title: 'Сумма', type: 'num', render: (r) => `${dec(r.amount)} ${r.currency}` },
    { key: 'amount_kzt', title: 'В тенге', type: 'money' },
    { key: 'uploaded_by', title: 'Кто внёс' },
  ], { csv: '/api/traffic/ad-spend' + qs({ start: period.start, end: period.end, format: 'csv' }), id: 'spend-table', pageSize: 15 });

  // One spend row.
  const fTeam = select(teams.map((t) => [t.name, `${t.emoji || ''} ${t.name}`]), undefined, { name: 'team' });
  const fDate = el('input', { type: 'date', name: 'date', value: today(), required: true });
  const fAmount = el('input', { type: 'number', name: 'amount', min: 0, step: '0.01', required: true });
  const fCur = select([['KZT', '₸ KZT'], ['USD', '$ USD']], 'KZT', { name: 'currency' });
  const fRate = el('input', { type: 'number', name: 'usd_to_kzt_rate', min: 0, step: '0.0001', placeholder: 'по умолчанию' });
  const fCamp = el('input', { name: 'campaign', maxlength: 400 });
  const formMsg = el('div');
  const save = el('button', { class: 'btn primary', type: 'submit' }, 'Сохранить расход');
  const form = el('form', {
    class: 'form', id: 'spend-form',
    onsubmit: (e) => {
      e.preventDefault();
      busy(save, async () => {
        const row = { team: fTeam.value, date: fDate.value, amount: fAmount.value, currency: fCur.value };
        if (fCamp.value.trim()) row.campaign = fCamp.value.trim();
        if (fCur.value === 'USD' && fRate.value) row.usd_to_kzt_rate = fRate.value;
        try {
          const r = await api('/api/traffic/ad-spend', { method: 'POST', body: { rows: [row] } });
          fill(formMsg);
          toast(r.inserted ? 'Расход добавлен' : 'Расход обновлён');
          load();
        } catch (err) {
          fill(formMsg, errorBox(err));
        }
      });
    },
  }, field('Команда', fTeam), field('Дата', fDate), field('Сумма', fAmount), field('Валюта', fCur), field('Курс USD→KZT', fRate), field('Кампания', fCamp), save);

  // A CSV file: team,date,amount[,currency,campaign,usd_to_kzt_rate].
  const file = el('input', { type: 'file', name: 'file', accept: '.csv,text/csv' });
  const upMsg = el('div');
  const upload = el('button', { class: 'btn', type: 'submit' }, 'Загрузить CSV');
  const upForm = el('form', {
    class: 'form', id: 'spend-upload',
    onsubmit: (e) => {
      e.preventDefault();
      if (!file.files.length) return;
      busy(upload, async () => {
        try {
          const text = await file.files[0].text();
          const r = await api('/api/traffic/ad-spend', { method: 'POST', body: text, type: 'text/csv' });
          fill(upMsg, el('p', null, `Загружено строк: ${r.stored} (новых ${r.inserted}, обновлено ${r.updated})`));
          load();
        } catch (err) {
          fill(upMsg, errorBox(err));
        }
      });
    },
  }, field('Файл CSV', file, 'колонки: team, date, amount, currency, campaign, usd_to_kzt_rate'), upload);

  fill(root,
    el('h2', null, 'ROI'),
    el('div', { class: 'card' }, msg, roiTable.node),
    el('div', { class: 'card' }, el('h3', null, 'Расход и выручка по командам'), el('div', { class: 'chart-box' }, canvas)),
    el('div', { class: 'grid two' },
      el('div', { class: 'card' }, el('h3', null, 'Внести расход'), teams.length ? form : el('p', { class: 'muted' }, 'Сначала создайте команду'), formMsg),
      el('div', { class: 'card' }, el('h3', null, 'Импорт расходов'), upForm, upMsg)),
    el('div', { class: 'card' }, el('h3', null, 'Расходы за период'), spendTable.node));

  async function load() {
    loading(msg);
    try {
      const q = { start: period.start, end: period.end };
      const [roi, spend] = await Promise.all([
        api('/api/traffic/roi' + qs(q)),
        api('/api/traffic/ad-spend' + qs({ ...q, limit: 1000 })),
      ]);
      fill(msg);
      roiTable.setRows(roi.teams);
      spendTable.setRows(spend.ad_spend);
      chart(canvas, {
        type: 'bar',
        data: {
          labels: roi.teams.map((r) => (r.team === 'Unknown' ? 'Без команды' : r.team)),
          datasets: [
            { label: 'Расход', data: roi.teams.map((r) => Number(r.spend)), backgroundColor: '#f59e0b' },
            { label: 'Выручка', data: roi.teams.map((r, i) => Number(r.revenue)), backgroundColor: roi.teams.map((r, i) => colourOf(r.team, teams, i)) },
          ],
        },
        options: { plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.raw)}` } } }, scales: { y: { beginAtZero: true } } },
      });
    } catch (e) {
      failed(msg, e, load);
    }
  }
  await load();
}
