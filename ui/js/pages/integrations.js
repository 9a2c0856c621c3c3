// Integrations: the health of amoCRM (token days left, webhooks), Telegram,
// each database, the spool, the outbox, webhooks and the worker
// (/api/integrations/all); the dead letters with a retry button
// (/api/admin/outbox); the recent rejected webhook requests with their raw
// body (/api/integrations/webhook-requests); amoCRM set up in one step
// (/api/integrations/amocrm/setup: what would change, then the change).
import { el, fill, api, qs, num, datetime, duration, loading, failed, table, toast, busy, errorBox } from '../lib.js';

const STATUS = { online: 'Работает', offline: 'Не работает', error: 'Ошибка' };
const NAMES = {
  amocrm: 'AmoCRM', databases: 'Базы данных', telegram: 'Telegram', spool: 'Спул вебхуков', outbox: 'Очередь задач',
  webhooks: 'Вебхуки', landing_sync: 'Синхронизация лидов', worker: 'Воркер', facebook: 'Facebook Ads',
};

export async function render(root) {
  const banner = el('div', { id: 'health-banner' });
  const cards = el('div', { class: 'grid two', id: 'health-cards' });
  const deadBox = el('div');
  const rejBox = el('div', { id: 'rejected' });
  const refresh = el('button', { class: 'btn', type: 'button', id: 'health-refresh' }, 'Обновить');
  const setupBtn = el('button', { class: 'btn', type: 'button', id: 'amocrm-setup' }, 'Настроить amoCRM');
  const setupBox = el('div', { id: 'amocrm-setup-plan' });
  const dead = table([
    { key: 'id', title: '№', type: 'num' },
    { key: 'kind', title: 'Задача' },
    { key: 'attempts', title: 'Попыток', type: 'num' },
    { key: 'last_error', title: 'Последняя ошибка' },
    { key: 'updated_at', title: 'Когда', type: 'datetime' },
    { key: 'payload', title: 'Данные', value: (j) => JSON.stringify(j.payload) },
    {
      key: 'retry', title: '', nosort: true,
      render: (j) => el('button', {
        class: 'btn small primary', type: 'button', dataset: { retry: String(j.id) },
        onclick: (e) => busy(e.currentTarget, async () => {
          try {
            await api(`/api/admin/outbox/${j.id}/retry`, { method: 'POST' });
            toast(`Задача №${j.id} снова в очереди`);
            loadDead();
          } catch (err) {
            toast(err.message, 'bad');
          }
        }),
      }, 'Повторить'),
    },
  ], { id: 'dead-letters', empty: 'Мёртвых писем нет', pageSize: 10 });
  fill(root,
    el('div', { class: 'toolbar' }, el('h2', { class: 'grow' }, 'Интеграции'), setupBtn, refresh),
    setupBox, banner, cards,
    el('div', { class: 'card' }, el('h3', null, 'Мёртвые письма (задачи, исчерпавшие попытки)'), deadBox, dead.node),
    el('div', { class: 'card' }, el('h3', null, 'Отклонённые вебхуки'), rejBox));

  function kv(obj) {
    if (obj === null || obj === undefined) return el('span', { class: 'muted' }, '—');
    if (Array.isArray(obj)) {
      return obj.length ? el('ul', null, obj.map((x) => el('li', null, typeof x === 'object' ? kv(x) : String(x)))) : el('span', { class: 'muted' }, 'нет');
    }
    if (typeof obj !== 'object') return String(obj);
    return el('dl', { class: 'kv' }, Object.entries(obj).map(([k, v]) => [el('dt', null, k), el('dd', null, typeof v === 'object' && v !== null ? kv(v) : v === null ? '—' : String(v))]));
  }

  // The important facts of a check, in Russian, before its raw details.
  function facts(name, c) {
    const d = c.details || {};
    const out = [];
    if (name === 'amocrm') {
      if (d.account_name) out.push(`Аккаунт: ${d.account_name} (${d.subdomain || ''})`);
      if (d.token && d.token.days_left !== null && d.token.days_left !== undefined) {
        out.push(el('span', { class: d.token.warning ? 'down' : '' }, `Токен: осталось ${num(d.token.days_left)} дн. (до ${datetime(d.token.expires_at)})`));
      } else if (d.token) {
        out.push('Токен: срок действия неизвестен');
      }
      for (const w of d.webhooks || []) {
        out.push(el('span', null, `Вебхук ${w.endpoint}: `, el('span', { class: 'pill ' + (w.disabled ? 'error' : w.registered ? 'ok' : 'warning') },
          w.disabled ? 'отключён amoCRM' : w.registered ? 'активен' : 'не зарегистрирован')));
      }
    } else if (name === 'databases') {
      for (const db of d.databases || []) {
        out.push(el('span', null, `${db.name}: `, el('span', { class: 'pill ' + (db.status === 'ok' ? 'ok' : 'error') }, db.status === 'ok' ? 'ok' : 'ошибка'),
          db.latency_ms !== undefined && db.latency_ms !== null ? ` ${num(db.latency_ms)} мс` : '',
          db.migrations ? ` · миграций ${num(db.migrations.applied)}, ожидает ${num(db.migrations.pending)}` : '',
          db.message ? ` · ${db.message}` : ''));
      }
    } else if (name === 'telegram') {
      if (d.bot) out.push(`Бот: ${typeof d.bot === 'object' ? d.bot.username || JSON.stringify(d.bot) : d.bot}`);
      for (const ch of d.chats || []) out.push(el('span', null, `Чат ${ch.chat_id}${ch.team ? ' (' + ch.team + ')' : ''}: `, el('span', { class: 'pill ' + (ch.ok ? 'ok' : 'error') }, ch.ok ? 'ok' : ch.message || 'ошибка')));
    } else if (name === 'spool') {
      out.push(`Файлов: ${num(d.files)}${d.oldest_age_s ? ', старейший ' + duration(d.oldest_age_s) : ''}`);
    } else if (name === 'outbox') {
      out.push(`В очереди: ${num(d.pending)}${d.oldest_pending_age_s ? ', старейшая ' + duration(d.oldest_pending_age_s) : ''}; мёртвых: ${num(d.dead)}`);
    } else if (name === 'worker') {
      out.push(`Последний сигнал: ${datetime(d.last_heartbeat_at)}${d.age_s !== undefined ? ' (' + duration(d.age_s) + ' назад)' : ''}`);
    } else if (name === 'webhooks') {
      for (const w of d.endpoints || []) out.push(`${w.endpoint}: последний ${datetime(w.last_received_at)}${w.last_error ? ', ошибка: ' + w.last_error + ' (' + datetime(w.last_error_at) + ')' : ''}`);
    } else if (name === 'landing_sync' && d.last_run) {
      out.push(`Последний запуск: ${datetime(d.last_run.started_at)} — ${d.last_run.status || ''}`);
    }
    return out;
  }

  async function loadHealth() {
    loading(cards);
    fill(banner);
    let h;
    try {
      h = await api('/api/integrations/all', { timeout: 30000 });
    } catch (e) {
      if (e.status === 503 && e.data && e.data.overall) {
        h = e.data; // unhealthy: the same document with 503
      } else if (e.status === 404) {
        fill(banner, el('div', { class: 'notice', id: 'health-missing' }, 'Проверка интеграций (/api/integrations/all) на этом сервере ещё не установлена.'));
        fill(cards);
        return;
      } else {
        failed(cards, e, loadHealth);
        return;
      }
    }
    const ok = h.overall && h.overall.status === 'online';
    fill(banner, el('div', { class: 'banner ' + (ok ? 'ok' : 'bad'), id: 'health-overall', dataset: { status: h.overall ? h.overall.status : '' } },
      ok ? 'Все системы работают' : 'Обнаружены проблемы', h.overall && h.overall.lastChecked ? el('span', { class: 'muted' }, ` · проверено ${datetime(h.overall.lastChecked)}`) : ''));
    fill(cards, Object.entries(h).filter(([k, v]) => k !== 'overall' && k !== 'success' && v && typeof v === 'object').map(([k, c]) =>
      el('div', { class: 'card', dataset: { service: k, status: c.status } },
        el('div', { class: 'toolbar' }, el('strong', { class: 'grow' }, NAMES[k] || c.service || k),
          el('span', { class: 'pill ' + c.status }, STATUS[c.status] || c.status)),
        c.message ? el('p', null, c.message) : null,
        el('ul', null, facts(k, c).map((f) => el('li', null, f))),
        el('details', null, el('summary', null, 'Подробности'), kv(c.details)),
        el('div', { class: 'muted' }, 'Проверено: ', datetime(c.lastChecked)))));
  }

  async function loadDead() {
    fill(deadBox);
    try {
      const r = await api('/api/admin/outbox' + qs({ state: 'dead', limit: 200 }));
      dead.setRows(r.jobs);
    } catch (e) {
      failed(deadBox, e, loadDead);
    }
  }

  async function loadRejected() {
    loading(rejBox);
    try {
      const r = await api('/api/integrations/webhook-requests' + qs({ outcome: 'rejected', limit: 50 }));
      const t = table([
        { key: 'received_at', title: 'Когда', type: 'datetime' },
        { key: 'endpoint', title: 'Адрес' },
        { key: 'outcome', title: 'Итог' },
        { key: 'error', title: 'Причина' },
        { key: 'body_size', title: 'Байт', type: 'num' },
        { key: 'body', title: 'Тело запроса', render: (x) => el('details', null, el('summary', null, 'показать'), el('pre', { class: 'raw' }, x.body || '')) },
      ], { id: 'rejected-table', empty: 'Отклонённых запросов нет', pageSize: 10 });
      t.setRows(r.requests);
      fill(rejBox, t.node);
    } catch (e) {
      if (e.status === 404) fill(rejBox, el('div', { class: 'notice' }, 'Журнал вебхуков (/api/integrations/webhook-requests) на этом сервере ещё не установлен.'));
      else failed(rejBox, e, loadRejected);
    }
  }

  // amoCRM set up as amosync-ctl amocrm setup does: first what would
  // change (GET), then, on the second button, the change (POST).
  const ACTIONS = {
    none: 'зарегистрирован, ничего не нужно', add: 'не зарегистрирован: будет добавлен',
    events: 'нет события смены статуса: будет добавлено', disabled: 'отключён amoCRM: включите его в настройках amoCRM',
    token: 'токен в адресе не из AMOSYNC_WEBHOOK_SECRETS: удалите его в amoCRM',
  };
  function showSetup(r, applied) {
    const hooks = (r.webhooks || []).map((w) => el('li', null, `Вебхук ${w.endpoint} (${w.url}): `,
      el('span', { class: 'pill ' + (w.error ? 'error' : w.action === 'none' || w.done ? 'ok' : 'warning') },
        w.error ? 'ошибка: ' + w.error : w.done ? 'зарегистрирован' : ACTIONS[w.action] || w.action)));
    const fields = (r.fields || []).filter((f) => !f.exists).map((f) => el('li', null,
      `Поле ${f.name}: ${f.variable}=${f.id} нет в amoCRM`, f.found ? `; поле с этим именем — ${f.found}, укажите ${f.variable}=${f.found}` : ''));
    const apply = el('button', { class: 'btn primary', type: 'button', id: 'amocrm-setup-apply' }, 'Зарегистрировать вебхуки');
    apply.addEventListener('click', () => busy(apply, async () => {
      try {
        const done = await api('/api/integrations/amocrm/setup', { method: 'POST', timeout: 30000 });
        showSetup(done, true);
        toast('amoCRM настроен');
        loadHealth();
      } catch (e) {
        toast(e.message, 'bad');
      }
    }));
    fill(setupBox, el('div', { class: 'card', dataset: { changes: String(r.changes), problems: String(r.problems) } },
      el('h3', null, applied ? 'Настройка amoCRM выполнена' : 'Настройка amoCRM: что будет сделано'),
      el('ul', null, hooks, fields),
      el('p', { class: 'muted' }, `Изменений: ${num(r.changes)}; требует внимания: ${num(r.problems)}`),
      !applied && r.changes > 0 ? apply : null));
  }
  setupBtn.addEventListener('click', () => busy(setupBtn, async () => {
    try {
      showSetup(await api('/api/integrations/amocrm/setup', { timeout: 30000 }), false);
    } catch (e) {
      fill(setupBox, errorBox(e));
    }
  }));

  refresh.addEventListener('click', () => busy(refresh, () => Promise.all([loadHealth(), loadDead(), loadRejected()])));
  // Like the original, the checks refresh every 5 minutes while shown.
  const timer = setInterval(() => {
    if (!document.body.contains(banner)) { clearInterval(timer); return; }
    loadHealth();
    loadDead();
  }, 5 * 60 * 1000);
  await Promise.all([loadHealth(), loadDead(), loadRejected()]);
}
