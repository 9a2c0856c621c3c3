// Team Constructor: teams and their attribution rules (create, edit,
// reorder, delete), the live preview, the sales without a team ("Без
// команды": a rule from a value, its dry run, then applied with
// re-attribution), conflicts, re-attribution (a dry run first, then
// applied) and the audit log.
import {
  el, fill, api, qs, loading, failed, empty, table, toast, busy, field, select, datetime, num, money, pct,
  CONFIDENCE, KIND, FIELDS, today, addDays, errorBox,
} from '../lib.js';

// Why a rule almost matched a value (GET /api/traffic/attribution/unattributed).
const WHY = {
  matches: 'уже совпадает — переатрибутируйте',
  field: 'смотрит другие поля',
  boundary: 'другая граница слова',
  kind: 'другой тип правила',
  separators: 'другие разделители',
};

const T = '/api/traffic';

export async function render(root, ctx) {
  const teamsBox = el('div', { id: 'teams-list' });
  const teamForm = el('div', { id: 'team-form' });
  const rulesBox = el('div', { id: 'rules' });
  const previewBox = el('div', { id: 'preview' });
  const conflictsBox = el('div', { id: 'conflicts' });
  const reattrBox = el('div', { id: 'reattribute' });
  const unattrBox = el('div', { id: 'unattributed' });
  const auditBox = el('div', { id: 'audit' });
  fill(root,
    el('h2', null, 'Конструктор команд'),
    el('div', { class: 'grid two' },
      el('div', { class: 'card' }, el('h3', null, 'Команды'), teamsBox, teamForm),
      el('div', { class: 'card' }, el('h3', null, 'Проверка атрибуции'),
        el('p', { class: 'muted' }, 'Введите UTM-метки — увидите команду, уверенность и правило, которое решило.'), previewBox)),
    el('div', { class: 'card' }, rulesBox),
    el('div', { class: 'card', id: 'unattributed-card' }, el('h3', null, 'Без команды'),
      el('p', { class: 'muted' }, 'Значения UTM продаж, которые не попали ни в одну команду, по выручке. Создайте правило из значения: сначала проверка, потом применение с переатрибуцией.'),
      unattrBox),
    el('div', { class: 'grid two' },
      el('div', { class: 'card' }, el('h3', null, 'Конфликты правил'), conflictsBox),
      el('div', { class: 'card' }, el('h3', null, 'Переатрибуция продаж'), reattrBox)),
    el('div', { class: 'card' }, el('h3', null, 'Журнал изменений'), auditBox));

  let teams = [];
  let selected = null;

  // --- teams ---------------------------------------------------------------
  const teamTable = table([
    { key: 'emoji', title: '', nosort: true },
    { key: 'name', title: 'Команда', render: (t) => el('span', null, el('span', { class: 'swatch', style: { background: t.color || '#9ca3af' } }), t.name) },
    { key: 'utm_source', title: 'utm_source' },
    { key: 'telegram_chat_id', title: 'Telegram-чат' },
    { key: 'rules_count', title: 'Правил', type: 'num' },
    { key: 'is_active', title: 'Активна', render: (t) => (t.is_active ? 'да' : 'нет') },
    {
      key: 'actions', title: 'Действия', nosort: true,
      render: (t) => el('span', { class: 'row-actions' },
        el('button', { class: 'btn small', type: 'button', dataset: { act: 'rules' }, onclick: () => selectTeam(t) }, 'Правила'),
        el('button', { class: 'btn small', type: 'button', dataset: { act: 'edit' }, onclick: () => teamEditor(t) }, 'Изменить'),
        el('button', { class: 'btn small danger', type: 'button', dataset: { act: 'delete' }, onclick: () => deleteTeam(t) }, 'Удалить')),
    },
  ], { pageSize: 10, onRow: (t) => selectTeam(t), empty: 'Команд пока нет', csv: `${T}/teams?format=csv`, id: 'teams-table' });
  teamsBox.appendChild(teamTable.node);

  async function loadTeams() {
    try {
      teams = await ctx.teams(true);
      teamTable.setRows(teams);
      if (selected) {
        selected = teams.find((t) => t.id === selected.id) || null;
      }
      if (!selected && teams.length) selected = teams[0];
      await loadRules();
    } catch (e) {
      failed(teamsBox, e, () => { fill(teamsBox, teamTable.node); loadTeams(); });
    }
  }

  function teamEditor(t) {
    const editing = !!t;
    const name = el('input', { name: 'name', required: true, maxlength: 100, value: t ? t.name : '' });
    const emoji = el('input', { name: 'emoji', maxlength: 16, size: 4, value: t ? t.emoji : '🎯' });
    const color = el('input', { name: 'color', type: 'color', value: t && t.color ? t.color : '#2563eb' });
    const src = el('input', { name: 'utm_source', maxlength: 200, value: t ? t.utm_source || '' : '' });
    const chat = el('input', { name: 'telegram_chat_id', maxlength: 64, placeholder: '-1001234567890', value: t ? t.telegram_chat_id || '' : '' });
    const active = el('input', { name: 'is_active', type: 'checkbox', checked: t ? t.is_active : true });
    const msg = el('div');
    const save = el('button', { class: 'btn primary', type: 'submit' }, editing ? 'Сохранить' : 'Создать команду');
    const form = el('form', {
      class: 'form', id: 'team-editor',
      onsubmit: (e) => {
        e.preventDefault();
        busy(save, async () => {
          const body = {
            name: name.value.trim(), emoji: emoji.value.trim(), color: color.value,
            utm_source: src.value.trim() || null, telegram_chat_id: chat.value.trim() || null, is_active: active.checked,
          };
          try {
            const r = await api(editing ? `${T}/teams/${t.id}` : `${T}/teams`, { method: editing ? 'PATCH' : 'POST', body });
            toast(editing ? `Команда «${body.name}» сохранена` : `Команда «${body.name}» создана`);
            if (r.team) selected = r.team;
            fill(teamForm, newTeamButton());
            await loadTeams();
            loadConflicts();
            loadAudit();
          } catch (err) {
            fill(msg, errorBox(err));
          }
        });
      },
    },
    field('Название', name), field('Эмодзи', emoji), field('Цвет', color), field('utm_source', src, 'точное совпадение → высокая уверенность'),
    field('Telegram-чат', chat), el('label', { class: 'field' }, el('span', null, 'Активна'), active),
    save, el('button', { class: 'btn', type: 'button', onclick: () => fill(teamForm, newTeamButton()) }, 'Отмена'), msg);
    fill(teamForm, el('h3', null, editing ? `Изменить «${t.name}»` : 'Новая команда'), form);
    name.focus();
  }
  function newTeamButton() {
    return el('button', { class: 'btn', type: 'button', id: 'new-team', onclick: () => teamEditor(null) }, '+ Новая команда');
  }
  fill(teamForm, newTeamButton());

  async function deleteTeam(t) {
    if (!window.confirm(`Удалить команду «${t.name}» и все её правила? Прошлые продажи останутся за ней до переатрибуции.`)) return;
    try {
      await api(`${T}/teams/${t.id}`, { method: 'DELETE' });
      toast(`Команда «${t.name}» удалена`);
      if (selected && selected.id === t.id) selected = null;
      await loadTeams();
      loadConflicts();
      loadAudit();
    } catch (e) {
      toast(e.message, 'bad');
    }
  }

  function selectTeam(t) {
    selected = t;
    loadRules();
    rulesBox.scrollIntoView({ block: 'nearest' });
  }

  // --- rules ---------------------------------------------------------------
  let rules = [];
  async function loadRules() {
    if (!selected) {
      fill(rulesBox, el('h3', null, 'Правила'), empty('Выберите команду'));
      return;
    }
    loading(rulesBox, 'правил');
    try {
      const r = await api(`${T}/teams/${selected.id}/rules`);
      rules = r.rules;
      drawRules();
    } catch (e) {
      failed(rulesBox, e, loadRules);
    }
  }
  async function move(i, d) {
    const ids = rules.map((r) => r.id);
    const j = i + d;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    try {
      await api(`${T}/teams/${selected.id}/rules/reorder`, { method: 'POST', body: { ids } });
      await loadRules();
      loadAudit();
    } catch (e) {
      toast(e.message, 'bad');
    }
  }
  async function patchRule(r, body, what) {
    try {
      await api(`${T}/rules/${r.id}`, { method: 'PATCH', body });
      toast(what);
      await loadRules();
      loadConflicts();
      loadAudit();
      runPreview();
    } catch (e) {
      toast(e.message, 'bad');
    }
  }
  async function deleteRule(r) {
    if (!window.confirm(`Удалить правило «${r.pattern}»?`)) return;
    try {
      await api(`${T}/rules/${r.id}`, { method: 'DELETE' });
      toast(`Правило «${r.pattern}» удалено`);
      await loadTeams();
      loadConflicts();
      loadAudit();
      runPreview();
    } catch (e) {
      toast(e.message, 'bad');
    }
  }
  function drawRules() {
    const list = el('table', { class: 'data', id: 'rules-table' },
      el('thead', null, el('tr', null, ['№', 'Шаблон', 'Тип', 'Поля', 'Приоритет', 'Вкл.', 'Действия'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', null, rules.length ? rules.map((r, i) => el('tr', { dataset: { rule: String(r.id) } },
        el('td', { 'data-label': '№' }, String(i + 1)),
        el('td', { 'data-label': 'Шаблон' }, el('code', null, r.pattern)),
        el('td', { 'data-label': 'Тип' }, KIND[r.kind] || r.kind),
        el('td', { 'data-label': 'Поля' }, r.fields.map((f) => FIELDS[f] || f).join(', ')),
        el('td', { 'data-label': 'Приоритет' }, String(r.priority)),
        el('td', { 'data-label': 'Вкл.' }, el('input', {
          type: 'checkbox', checked: r.enabled, 'aria-label': 'Правило включено',
          onchange: (e) => patchRule(r, { enabled: e.target.checked }, e.target.checked ? 'Правило включено' : 'Правило выключено'),
        })),
        el('td', { 'data-label': 'Действия' }, el('span', { class: 'row-actions' },
          el('button', { class: 'btn small', type: 'button', title: 'Выше', 'aria-label': 'Выше', disabled: i === 0, onclick: () => move(i, -1) }, '↑'),
          el('button', { class: 'btn small', type: 'button', title: 'Ниже', 'aria-label': 'Ниже', disabled: i === rules.length - 1, onclick: () => move(i, 1) }, '↓'),
          el('button', { class: 'btn small', type: 'button', onclick: () => ruleEditor(r) }, 'Изменить'),
          el('button', { class: 'btn small danger', type: 'button', onclick: () => deleteRule(r) }, 'Удалить'))))) :
        el('tr', null, el('td', { colspan: 7, class: 'empty' }, 'Правил нет: команда получает продажи только по своему utm_source'))));
    const editor = el('div', { id: 'rule-editor-box' });
    fill(rulesBox,
      el('h3', null, `Правила команды ${selected.emoji || ''} ${selected.name}`),
      el('p', { class: 'muted' }, 'Правила проверяются по приоритету (больше — раньше), затем по порядку. Точный utm_source команды важнее любого правила.'),
      el('div', { class: 'scroll' }, list), editor);
    ruleEditor(null, editor);
  }
  function ruleEditor(r, box) {
    box = box || document.getElementById('rule-editor-box');
    const pattern = el('input', { name: 'pattern', required: true, maxlength: 200, value: r ? r.pattern : '' });
    const kind = select(Object.entries(KIND), r ? r.kind : 'token', { name: 'kind' });
    const checks = el('span', { class: 'checks' }, Object.entries(FIELDS).map(([k, t]) => el('label', null,
      el('input', { type: 'checkbox', name: 'field', value: k, checked: r ? r.fields.includes(k) : true }), ' ', t)));
    const priority = el('input', { name: 'priority', type: 'number', min: -1000, max: 1000, value: r ? r.priority : 0 });
    const msg = el('div');
    const save = el('button', { class: 'btn primary', type: 'submit' }, r ? 'Сохранить правило' : 'Добавить правило');
    fill(box, el('h3', null, r ? `Изменить правило «${r.pattern}»` : 'Новое правило'), el('form', {
      class: 'form', id: 'rule-editor',
      onsubmit: (e) => {
        e.preventDefault();
        busy(save, async () => {
          const body = {
            pattern: pattern.value.trim(), kind: kind.value, priority: Number(priority.value || 0),
            fields: [...checks.querySelectorAll('input:checked')].map((c) => c.value),
          };
          try {
            await api(r ? `${T}/rules/${r.id}` : `${T}/teams/${selected.id}/rules`, { method: r ? 'PATCH' : 'POST', body });
            toast(r ? 'Правило сохранено' : `Правило «${body.pattern}» добавлено`);
            await loadTeams();
            loadConflicts();
            loadAudit();
            runPreview();
          } catch (err) {
            fill(msg, errorBox(err));
          }
        });
      },
    }, field('Шаблон', pattern), field('Тип', kind), field('Поля', checks), field('Приоритет', priority), save,
    r ? el('button', { class: 'btn', type: 'button', onclick: () => ruleEditor(null, box) }, 'Отмена') : null, msg));
  }

  // --- preview -------------------------------------------------------------
  const utm = {};
  const result = el('div', { class: 'preview-result', id: 'preview-result' }, el('span', { class: 'muted' }, 'Введите хотя бы одну метку'));
  let timer = null, seq = 0;
  async function runPreview() {
    const body = {};
    for (const [k, i] of Object.entries(utm)) if (i.value.trim()) body[k] = i.value;
    if (!Object.keys(body).length) {
      fill(result, el('span', { class: 'muted' }, 'Введите хотя бы одну метку'));
      return;
    }
    const my = ++seq;
    try {
      const p = await api(`${T}/attribution/preview`, { method: 'POST', body });
      if (my !== seq) return;
      result.dataset.team = p.team_name || '';
      result.dataset.confidence = p.confidence;
      result.dataset.rule = p.rule ? p.rule.pattern : '';
      fill(result,
        el('div', null, 'Команда: ', el('strong', { class: 'team' }, p.team_name ? `${p.emoji || ''} ${p.team_name}` : 'не определена')),
        el('div', null, 'Уверенность: ', el('span', { class: 'pill ' + p.confidence }, CONFIDENCE[p.confidence] || p.confidence)),
        el('div', null, 'Решило: ', p.rule
          ? el('span', { class: 'rule' }, el('code', null, p.rule.pattern), ` (${KIND[p.rule.kind] || p.rule.kind}, приоритет ${p.rule.priority})`)
          : el('span', { class: 'rule' }, p.team_name ? 'utm_source команды' : '—'),
        p.field ? ` · поле ${FIELDS[p.field] || p.field}: ` : '', p.value ? el('code', null, p.value) : ''));
    } catch (e) {
      if (my === seq) fill(result, errorBox(e));
    }
  }
  fill(previewBox, el('div', { class: 'form' }, Object.values(FIELDS).map((k) => {
    utm[k] = el('input', { name: k, maxlength: 2000, oninput: () => { clearTimeout(timer); timer = setTimeout(runPreview, 250); } });
    return field(k, utm[k]);
  })), result);

  // --- conflicts -----------------------------------------------------------
  const conflictTable = table([
    { key: 'value', title: 'Значение' },
    { key: 'fields', title: 'Поля', value: (c) => c.fields.map((f) => FIELDS[f] || f).join(', ') },
    { key: 'teams', title: 'Команды', value: (c) => c.teams.join(', ') },
    { key: 'winner', title: 'Победит' },
    { key: 'rule', title: 'Правило победителя', value: (c) => (c.winner_rule ? `${c.winner_rule.pattern} (${KIND[c.winner_rule.kind] || c.winner_rule.kind}, ${c.winner_rule.priority})` : '') },
  ], { pageSize: 10, empty: 'Конфликтов нет' });
  conflictsBox.appendChild(conflictTable.node);
  async function loadConflicts() {
    try {
      const c = await api(`${T}/attribution/conflicts`);
      conflictTable.setRows(c.conflicts);
    } catch (e) {
      toast('Конфликты: ' + e.message, 'bad');
    }
  }

  // --- re-attribution ------------------------------------------------------
  const from = el('input', { type: 'date', name: 'from', value: addDays(today(), -29) });
  const to = el('input', { type: 'date', name: 'to', value: today() });
  const out = el('div', { id: 'reattr-result' });
  const dry = el('button', { class: 'btn', type: 'button', id: 'reattr-dry' }, 'Проверить (без изменений)');
  const apply = el('button', { class: 'btn primary', type: 'button', id: 'reattr-apply', disabled: true }, 'Применить');
  let checked = null;
  const invalidate = () => { checked = null; apply.disabled = true; };
  from.addEventListener('change', invalidate);
  to.addEventListener('change', invalidate);
  function showResult(r, applied) {
    out.dataset.examined = String(r.examined);
    out.dataset.changed = String(r.changed);
    out.dataset.applied = applied ? '1' : '0';
    fill(out,
      el('p', null, applied ? 'Применено: ' : 'Проверка: ', `просмотрено продаж ${num(r.examined)}, `,
        el('strong', null, `${applied ? 'изменено' : 'изменится'} ${num(r.changed)}`)),
      r.changes && r.changes.length ? el('table', { class: 'data' },
        el('thead', null, el('tr', null, el('th', null, 'Было'), el('th', null, 'Станет'), el('th', { class: 'r' }, 'Продаж'))),
        el('tbody', null, r.changes.map((c) => el('tr', null,
          el('td', { 'data-label': 'Было' }, c.from || 'без команды'), el('td', { 'data-label': 'Станет' }, c.to || 'без команды'),
          el('td', { class: 'r', 'data-label': 'Продаж' }, num(c.count)))))) : null);
  }
  dry.addEventListener('click', () => busy(dry, async () => {
    if (!from.value || !to.value || from.value > to.value) { fill(out, errorBox(new Error('Укажите период: «с» не позже «по»'))); return; }
    try {
      const r = await api(`${T}/attribution/reattribute`, { method: 'POST', body: { from: from.value, to: to.value, dry_run: true } });
      showResult(r, false);
      checked = { from: from.value, to: to.value };
      apply.disabled = r.changed === 0;
    } catch (e) {
      fill(out, errorBox(e));
    }
  }));
  apply.addEventListener('click', () => busy(apply, async () => {
    if (!checked || !window.confirm('Переатрибутировать продажи за период? Это изменит отчёты.')) return;
    try {
      const r = await api(`${T}/attribution/reattribute`, { method: 'POST', body: { from: checked.from, to: checked.to, dry_run: false } });
      showResult(r, true);
      toast(`Переатрибутировано продаж: ${num(r.changed)}`);
      invalidate();
      loadAudit();
    } catch (e) {
      fill(out, errorBox(e));
    }
  }));
  fill(reattrBox, el('p', { class: 'muted' }, 'Пересчитать команду прошлых продаж по текущим правилам: сначала проверка, потом применение.'),
    el('div', { class: 'form' }, field('С', from), field('По', to), dry, apply), out);

  // --- the sales without a team ------------------------------------------
  const uFrom = el('input', { type: 'date', name: 'from', id: 'unattr-from', value: (ctx.period && ctx.period.start) || addDays(today(), -29) });
  const uTo = el('input', { type: 'date', name: 'to', id: 'unattr-to', value: (ctx.period && ctx.period.end) || today() });
  const uTotals = el('div', { id: 'unattr-totals' });
  const uRule = el('div', { id: 'unattr-rule-box' });
  const nearText = (v) => v.near.map((n) => `${n.rule.pattern} (${n.rule.team_name}, ${KIND[n.rule.kind] || n.rule.kind}): ${WHY[n.why] || n.why}`).join('; ');
  const uTable = table([
    { key: 'field', title: 'Поле', value: (v) => FIELDS[v.field] || v.field },
    { key: 'value', title: 'Значение', render: (v) => el('code', null, v.value) },
    { key: 'sales', title: 'Продаж', type: 'num' },
    { key: 'revenue', title: 'Выручка', type: 'money' },
    { key: 'first_seen', title: 'Впервые', type: 'datetime' },
    { key: 'last_seen', title: 'Последняя', type: 'datetime' },
    { key: 'near', title: 'Похожие правила', nosort: true, value: (v) => nearText(v) || '—' },
    {
      key: 'act', title: '', nosort: true,
      render: (v) => el('button', { class: 'btn small', type: 'button', dataset: { act: 'make-rule' }, onclick: () => unattrRule(v) }, 'Создать правило'),
    },
  ], { pageSize: 10, empty: 'Все продажи периода с командой', id: 'unattr-table', csv: `${T}/attribution/unattributed?format=csv`, rowData: (v) => ({ field: v.field, value: v.value }) });
  async function loadUnattributed() {
    try {
      const q = qs({ start: uFrom.value, end: uTo.value, limit: 200 });
      const u = await api(`${T}/attribution/unattributed` + q);
      const t = u.totals;
      uTotals.dataset.share = t.share === null ? '' : String(t.share);
      uTotals.dataset.sales = String(t.unattributed_sales);
      fill(uTotals, el('p', null, 'Без команды: ', el('strong', null, `${num(t.unattributed_sales)} продаж, ${money(t.unattributed_revenue)}`),
        ` — ${pct(t.share)} выручки периода`, t.without_utm_sales ? ` (без UTM вовсе: ${num(t.without_utm_sales)})` : ''));
      uTable.setRows(u.values, `${T}/attribution/unattributed${q}&format=csv`);
    } catch (e) {
      fill(uTotals, errorBox(e, loadUnattributed));
    }
  }
  // The form of a rule made from value v (its suggested rule), with a dry
  // run over the panel's period before it can be applied.
  function unattrRule(v) {
    const sg = v.suggest;
    const teamSel = select(teams.filter((t) => t.is_active).map((t) => [t.id, `${t.emoji || ''} ${t.name}`]), sg.team_id || (teams[0] && teams[0].id), { name: 'team' });
    const pattern = el('input', { name: 'pattern', required: true, maxlength: 200, value: sg.pattern });
    const kind = select(Object.entries(KIND), sg.kind, { name: 'kind' });
    const checks = el('span', { class: 'checks' }, Object.entries(FIELDS).map(([k, t]) => el('label', null,
      el('input', { type: 'checkbox', name: 'field', value: k, checked: sg.fields.includes(k) }), ' ', t)));
    const out = el('div', { id: 'unattr-dry-result' });
    const check = el('button', { class: 'btn', type: 'button', id: 'unattr-dry' }, 'Проверить (без изменений)');
    const apply = el('button', { class: 'btn primary', type: 'button', id: 'unattr-apply', disabled: true }, 'Создать и переатрибутировать');
    let checked = null;
    const body = () => ({
      pattern: pattern.value.trim(), kind: kind.value, from: uFrom.value, to: uTo.value,
      fields: [...checks.querySelectorAll('input:checked')].map((c) => c.value),
    });
    const invalidate = () => { checked = null; apply.disabled = true; };
    for (const i of [teamSel, pattern, kind, checks]) i.addEventListener('change', invalidate);
    pattern.addEventListener('input', invalidate);
    function show(r, applied) {
      const ra = r.reattribution;
      out.dataset.changed = String(ra.changed);
      out.dataset.revenue = String(ra.revenue);
      out.dataset.reassigned = String(ra.reassigned);
      out.dataset.applied = applied ? '1' : '0';
      fill(out,
        el('p', null, applied ? 'Применено: ' : 'Проверка: ', el('strong', null, `${applied ? 'перешло' : 'перейдёт'} продаж ${num(ra.changed)}`),
          ` на ${money(ra.revenue)}`, r.rule && r.rule.active === false ? ' — команда неактивна, правило не сработает' : ''),
        ra.changes.length ? el('table', { class: 'data' },
          el('thead', null, el('tr', null, el('th', null, 'Было'), el('th', null, 'Станет'), el('th', { class: 'r' }, 'Продаж'), el('th', { class: 'r' }, 'Выручка'))),
          el('tbody', null, ra.changes.map((c) => el('tr', null,
            el('td', { 'data-label': 'Было' }, c.from || 'без команды'), el('td', { 'data-label': 'Станет' }, c.to || 'без команды'),
            el('td', { class: 'r', 'data-label': 'Продаж' }, num(c.count)), el('td', { class: 'r', 'data-label': 'Выручка' }, money(c.revenue)))))) : null,
        ra.reassigned ? el('div', { class: 'warn', id: 'unattr-reassigned' },
          el('p', null, `Уже атрибутированные продажи, которые сменят команду: ${num(ra.reassigned)}`),
          el('ul', null, ra.reassigned_sales.map((m) => el('li', null, `сделка ${m.lead_id}: ${m.from} → ${m.to || 'без команды'}, ${money(m.amount)}`)))) : null);
    }
    check.addEventListener('click', () => busy(check, async () => {
      const b = body();
      try {
        const r = await api(`${T}/teams/${teamSel.value}/rules`, { method: 'POST', body: { ...b, dry_run: true } });
        show(r, false);
        checked = { team: teamSel.value, body: b };
        apply.disabled = false;
      } catch (e) {
        fill(out, errorBox(e));
      }
    }));
    apply.addEventListener('click', () => busy(apply, async () => {
      if (!checked) return;
      try {
        const r = await api(`${T}/teams/${checked.team}/rules`, { method: 'POST', body: checked.body });
        show(r, true);
        toast(`Правило «${checked.body.pattern}» создано, переатрибутировано продаж: ${num(r.reattribution.changed)}`);
        invalidate();
        await loadTeams();
        loadUnattributed();
        loadConflicts();
        loadAudit();
      } catch (e) {
        fill(out, errorBox(e));
      }
    }));
    fill(uRule, el('h3', null, 'Правило из значения ', el('code', null, v.value)),
      el('div', { class: 'form', id: 'unattr-rule' }, field('Команда', teamSel), field('Шаблон', pattern), field('Тип', kind),
        field('Поля', checks), check, apply,
        el('button', { class: 'btn', type: 'button', onclick: () => fill(uRule) }, 'Отмена')), out);
    uRule.scrollIntoView({ block: 'nearest' });
  }
  for (const i of [uFrom, uTo]) i.addEventListener('change', loadUnattributed);
  fill(unattrBox, el('div', { class: 'form' }, field('С', uFrom), field('По', uTo)), uTotals, uTable.node, uRule);

  // --- audit ---------------------------------------------------------------
  const auditTable = table([
    { key: 'at', title: 'Когда', type: 'datetime' },
    { key: 'actor', title: 'Кто' },
    { key: 'action', title: 'Действие' },
    { key: 'entity', title: 'Объект' },
    { key: 'summary', title: 'Изменение', value: (a) => summary(a) },
  ], { pageSize: 15, empty: 'Изменений пока не было', csv: `${T}/audit?format=csv&limit=500`, id: 'audit-table' });
  auditBox.appendChild(auditTable.node);
  async function loadAudit() {
    try {
      const a = await api(`${T}/audit` + qs({ limit: 200 }));
      auditTable.setRows(a.audit);
    } catch (e) {
      toast('Журнал: ' + e.message, 'bad');
    }
  }

  await Promise.all([loadTeams(), loadConflicts(), loadAudit(), loadUnattributed()]);
  // From the Overview's share of revenue without a team: to the panel.
  if (location.hash.includes('unattributed')) document.getElementById('unattributed-card').scrollIntoView();
}

// One line of what changed: the names and the fields that differ.
function summary(a) {
  const b = a.before || {}, f = a.after || {};
  if (a.action === 'reattribute') {
    const period = f.from || b.from ? ` за ${f.from || b.from} — ${f.to || b.to}` : '';
    return `переатрибуция${period}: изменено продаж ${num(f.changed !== undefined ? f.changed : 0)}`;
  }
  const label = f.name || b.name || f.pattern || b.pattern || a.entity_id || '';
  const keys = [...new Set([...Object.keys(b), ...Object.keys(f)])]
    .filter((k) => !['updated_at', 'created_at', 'id', 'team_id'].includes(k) && JSON.stringify(b[k]) !== JSON.stringify(f[k]));
  const diff = a.before && a.after ? keys.slice(0, 4).map((k) => `${k}: ${fmt(b[k])} → ${fmt(f[k])}`).join('; ') : '';
  return [label, diff].filter(Boolean).join(' — ');
}
function fmt(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
