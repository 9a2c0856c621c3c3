// ROI: ROI, ROAS and cost per sale per team for the period, a chart of
// spend against revenue, the cost of a lead and a sale per campaign
// (CPL, CPS, ROMI, ROAS), a chart of daily spend against revenue, where
// the spend comes from (Facebook imports or entered by hand), a Facebook
// backfill ("Загрузить расходы") with the recent imports, ad spend entry
// (one row) and CSV upload, and the spend rows of the period.
import { el, fill, api, qs, money, dec, day, loading, failed, table, field, select, chart, errorBox, toast, busy, today, colourOf } from '../lib.js';

const SOURCE = { facebook: 'Facebook', manual: 'Вручную' };
const RUN_STATUS = { running: 'идёт', ok: 'готово', failed: 'ошибка', rate_limited: 'лимит Facebook, повтор позже', paused: 'пауза перед лимитом', abandoned: 'прервано' };
const UNMATCHED = { no_sales: 'нет продаж', no_spend: 'нет расхода' };

function sources(s) {
  return (s || '').split(',').filter(Boolean).map((x) => SOURCE[x] || x).join(', ') || '—';
}

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
    { key: 'source', title: 'Источник', render: (r) => (r.counted === false ? el('span', { class: 'pill warning', title: 'не учитывается: за этот день и кампанию есть строка, внесённая вручную' }, `${SOURCE[r.source] || r.source} · не учтено`) : (SOURCE[r.source] || r.source || '—')) },
    { key: 'uploaded_by', title: 'Кто внёс' },
  ], { csv: '/api/traffic/ad-spend' + qs({ start: period.start, end: period.end, format: 'csv' }), id: 'spend-table', pageSize: 15 });

  // Per campaign: the cost of a lead and of a sale.
  const campTeam = select([['', 'Все команды'], ...teams.map((t) => [t.name, `${t.emoji || ''} ${t.name}`])], '', { name: 'campaign-team' });
  const campTable = table([
    { key: 'team', title: 'Команда', render: (r) => (r.team === 'Unknown' ? 'Без команды' : r.team) },
    { key: 'campaign', title: 'Кампания', render: (r) => r.campaign || '(без кампании)' },
    { key: 'sources', title: 'Источник расхода', render: (r) => sources(r.sources) },
    { key: 'spend', title: 'Расход', type: 'money' },
    { key: 'leads', title: 'Лидов', type: 'num' },
    { key: 'sales', title: 'Продаж', type: 'num' },
    { key: 'revenue', title: 'Выручка', type: 'money' },
    { key: 'cpl', title: 'CPL', type: 'money' },
    { key: 'cps', title: 'CPS', type: 'money' },
    { key: 'romi', title: 'ROMI', type: 'pct' },
    { key: 'roas', title: 'ROAS', type: 'num', render: (r) => (r.roas === null ? '—' : dec(r.roas)) },
    { key: 'unmatched', title: 'Сопоставление', render: (r) => (r.unmatched ? el('span', { class: 'pill warning' }, UNMATCHED[r.unmatched] || r.unmatched) : '✓') },
  ], { csv: '#', id: 'campaign-table', pageSize: 25 });
  const campMsg = el('div');

  // The mapping of the rest: an utm_campaign that is neither a campaign's
  // name nor its id, mapped to the campaign it means.
  const mUtm = el('input', { name: 'utm_campaign', maxlength: 200, required: true, placeholder: 'как в utm_campaign' });
  const mCamp = el('input', { name: 'campaign', maxlength: 200, required: true, list: 'campaign-names', placeholder: 'название кампании' });
  const mNames = el('datalist', { id: 'campaign-names' });
  const mMsg = el('div');
  const mSave = el('button', { class: 'btn', type: 'submit' }, 'Сопоставить');
  const mList = el('ul', { id: 'campaign-map' });
  const mForm = el('form', {
    class: 'form', id: 'campaign-map-form',
    onsubmit: (e) => {
      e.preventDefault();
      busy(mSave, async () => {
        try {
          await api('/api/traffic/campaign-map', { method: 'POST', body: { utm_campaign: mUtm.value, campaign: mCamp.value } });
          fill(mMsg);
          mUtm.value = '';
          mCamp.value = '';
          toast('Сопоставление сохранено');
          loadMap();
          loadCampaigns();
        } catch (err) {
          fill(mMsg, errorBox(err));
        }
      });
    },
  }, field('utm_campaign', mUtm), field('Кампания', mCamp), mNames, mSave);
  const sourceBox = el('div', { class: 'kpis', id: 'spend-source' });
  const dailyCanvas = el('canvas', { id: 'roi-daily-chart', 'aria-label': 'Расход и выручка по дням' });

  // A Facebook backfill: one import per ad account of the team.
  const bTeam = select([['', 'Все команды'], ...teams.filter((t) => t.fb_ad_account_id).map((t) => [t.name, `${t.emoji || ''} ${t.name}`])], '', { name: 'team' });
  const bStart = el('input', { type: 'date', name: 'start', value: period.start || today(), required: true });
  const bEnd = el('input', { type: 'date', name: 'end', value: period.end || today(), required: true });
  const bMsg = el('div', { id: 'backfill-msg' });
  const bGo = el('button', { class: 'btn primary', type: 'submit', id: 'backfill' }, 'Загрузить расходы');
  const bForm = el('form', {
    class: 'form', id: 'backfill-form',
    onsubmit: (e) => {
      e.preventDefault();
      busy(bGo, async () => {
        const body = { start: bStart.value, end: bEnd.value };
        if (bTeam.value) body.team = bTeam.value;
        try {
          const r = await api('/api/traffic/ad-spend/import', { method: 'POST', body });
          fill(bMsg, el('p', null, `Поставлено в очередь импортов: ${r.jobs} (кабинеты: ${r.accounts.map((a) => a.account_id).join(', ')}). Расходы появятся после загрузки.`));
          toast('Загрузка расходов из Facebook запущена');
          loadRuns();
        } catch (err) {
          fill(bMsg, errorBox(err));
        }
      });
    },
  }, field('Команда', bTeam), field('С', bStart), field('По', bEnd), bGo);
  const runsTable = table([
    { key: 'started_at', title: 'Начало', type: 'datetime' },
    { key: 'team', title: 'Команда' },
    { key: 'account_id', title: 'Кабинет' },
    { key: 'trigger', title: 'Запуск', render: (r) => ({ hourly: 'ежечасно', revise: 'ежедневно (7 дней)', backfill: 'вручную' }[r.trigger] || r.trigger) },
    { key: 'from', title: 'Период', render: (r) => `${day(r.from)} — ${day(r.to)}` },
    { key: 'status', title: 'Статус', render: (r) => el('span', { class: 'pill ' + (r.status === 'ok' ? 'ok' : r.status === 'failed' || r.status === 'abandoned' ? 'error' : 'warning'), title: r.error || '' }, RUN_STATUS[r.status] || r.status) },
    { key: 'rows_stored', title: 'Строк', type: 'num' },
    { key: 'spend_kzt', title: 'Расход', type: 'money' },
    { key: 'usage_pct', title: 'Лимит FB', type: 'pct' },
  ], { id: 'imports-table', pageSize: 10, filter: false });
  const runsMsg = el('div');

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
    sourceBox,
    el('div', { class: 'card' }, msg, roiTable.node),
    el('div', { class: 'card' }, el('h3', null, 'Расход и выручка по командам'), el('div', { class: 'chart-box' }, canvas)),
    el('div', { class: 'card' }, el('h3', null, 'Стоимость лида и продажи по кампаниям'), el('div', { class: 'form' }, field('Команда', campTeam)), campMsg, campTable.node,
      el('h4', null, 'Сопоставление utm_campaign с кампаниями'),
      el('p', { class: 'muted' }, 'Продажи и лиды попадают в кампанию, если их utm_campaign — её название или id; остальные можно сопоставить здесь.'),
      mForm, mMsg, mList),
    el('div', { class: 'card' }, el('h3', null, 'Расход и выручка по дням'), el('div', { class: 'chart-box' }, dailyCanvas)),
    el('div', { class: 'card' }, el('h3', null, 'Расходы из Facebook'), bForm, bMsg, runsMsg, runsTable.node),
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
    await Promise.all([loadCampaigns(), loadRuns(), loadMap()]);
  }

  async function loadCampaigns() {
    const q = { start: period.start, end: period.end, team: campTeam.value };
    campTable.setCsv('/api/traffic/roi/campaigns' + qs({ ...q, format: 'csv' }));
    loading(campMsg);
    try {
      const [c, d] = await Promise.all([
        api('/api/traffic/roi/campaigns' + qs(q)),
        api('/api/traffic/roi/daily' + qs(q)),
      ]);
      fill(campMsg, c.leads_counted ? null : el('p', { class: 'muted' }, 'Лиды не считаются: база лендинга не подключена'));
      campTable.setRows(c.campaigns);
      fill(mNames, [...new Set(c.campaigns.filter((x) => Number(x.spend) > 0 && x.campaign).map((x) => x.campaign))].map((n) => el('option', { value: n })));
      const sum = (k) => d.days.reduce((a, x) => a + Number(x[k]), 0);
      fill(sourceBox,
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Расход за период'), el('div', { class: 'value' }, money(sum('spend')))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Из Facebook'), el('div', { class: 'value', id: 'spend-facebook' }, money(sum('spend_facebook')))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Внесено вручную'), el('div', { class: 'value', id: 'spend-manual' }, money(sum('spend_manual')))),
        el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Выручка'), el('div', { class: 'value up' }, money(sum('revenue')))));
      chart(dailyCanvas, {
        type: 'line',
        data: {
          labels: d.days.map((x) => day(x.date)),
          datasets: [
            { label: 'Расход', data: d.days.map((x) => Number(x.spend)), borderColor: '#f59e0b', backgroundColor: '#f59e0b' },
            { label: 'Выручка', data: d.days.map((x) => Number(x.revenue)), borderColor: '#16a34a', backgroundColor: '#16a34a' },
          ],
        },
        options: { plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.raw)}` } } }, scales: { y: { beginAtZero: true } } },
      });
    } catch (e) {
      failed(campMsg, e, loadCampaigns);
      campTable.setRows([]);
    }
  }

  async function loadMap() {
    try {
      const r = await api('/api/traffic/campaign-map');
      fill(mList, r.mappings.map((m) => el('li', null,
        el('span', null, `${m.utm_campaign} → ${m.campaign} `),
        el('button', {
          class: 'btn small', type: 'button', 'data-delete': m.id,
          onclick: (e) => busy(e.currentTarget, async () => {
            try {
              await api(`/api/traffic/campaign-map/${encodeURIComponent(m.id)}`, { method: 'DELETE' });
              loadMap();
              loadCampaigns();
            } catch (err) {
              fill(mMsg, errorBox(err));
            }
          }),
        }, 'Удалить'))));
    } catch (e) {
      failed(mMsg, e, loadMap);
    }
  }

  async function loadRuns() {
    try {
      const r = await api('/api/traffic/ad-spend/imports' + qs({ limit: 20 }));
      fill(runsMsg, r.facebook_configured ? null : el('p', { class: 'muted' }, 'Facebook не подключён (FB_ACCESS_TOKEN): расходы вносятся вручную'));
      runsTable.setRows(r.runs);
    } catch (e) {
      failed(runsMsg, e, loadRuns);
    }
  }
  campTeam.addEventListener('change', loadCampaigns);
  await load();
}
