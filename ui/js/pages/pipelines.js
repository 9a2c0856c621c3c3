// Воронки и продукты: the pipeline catalogue synced from amoCRM (its
// stages in amoCRM's order), the product name and list price of each
// pipeline (audited), a sync on demand, and the catalogue's audit log.
import { el, fill, api, qs, money, num, failed, empty, table, toast, busy, field, datetime, errorBox } from '../lib.js';

const T = '/api/traffic';

export async function render(root) {
  const syncBox = el('div', { id: 'pipelines-sync' });
  const listBox = el('div', { id: 'pipelines-list' });
  const formBox = el('div', { id: 'pipeline-form' });
  const stagesBox = el('div', { id: 'pipeline-stages' });
  const auditBox = el('div', { id: 'pipelines-audit' });
  fill(root,
    el('h2', null, 'Воронки и продукты'),
    el('div', { class: 'card' }, el('h3', null, 'Синхронизация с amoCRM'), syncBox),
    el('div', { class: 'card' }, el('h3', null, 'Воронки'), listBox, formBox),
    el('div', { class: 'card' }, stagesBox),
    el('div', { class: 'card' }, el('h3', null, 'Журнал изменений'), auditBox));

  let pipelines = [];
  let selected = null;

  const pipeTable = table([
    { key: 'id', title: 'ID', type: 'num', render: (p) => String(p.id) },
    { key: 'name', title: 'Воронка в amoCRM', render: (p) => (p.is_archive ? `${p.name} (в архиве)` : p.name) },
    { key: 'product_name', title: 'Продукт' },
    { key: 'list_price', title: 'Цена', type: 'money' },
    { key: 'stages', title: 'Этапов', type: 'num', value: (p) => p.stages.filter((s) => !s.is_archive).length },
    { key: 'active', title: 'Учитывается', render: (p) => (p.active ? 'да' : 'нет') },
    {
      key: 'actions', title: 'Действия', nosort: true,
      render: (p) => el('span', { class: 'row-actions' },
        el('button', { class: 'btn small', type: 'button', dataset: { act: 'stages' }, onclick: () => select(p) }, 'Этапы'),
        el('button', { class: 'btn small', type: 'button', dataset: { act: 'edit' }, onclick: () => editor(p) }, 'Изменить')),
    },
  ], { pageSize: 20, onRow: (p) => select(p), empty: 'Воронок пока нет: синхронизируйте с amoCRM', id: 'pipelines-table', filter: false });
  listBox.appendChild(pipeTable.node);

  function showSync(s) {
    const last = s && s.last_run_at
      ? [el('p', null, 'Последняя синхронизация: ', datetime(s.last_run_at), s.last_trigger === 'manual' ? ' (вручную)' : ' (по расписанию)'),
        s.last_error ? el('p', { class: 'pill error', id: 'pipelines-sync-error' }, s.last_error) : el('p', { class: 'muted' }, 'Успешно: ', datetime(s.last_ok_at))]
      : [el('p', { class: 'muted' }, 'Синхронизации ещё не было.')];
    const btn = el('button', { class: 'btn primary', type: 'button', id: 'pipelines-sync-now' }, 'Синхронизировать сейчас');
    btn.addEventListener('click', () => busy(btn, async () => {
      try {
        const r = await api(`${T}/pipelines/sync`, { method: 'POST', body: {} });
        const x = r.result;
        toast(`Синхронизировано: воронок ${num(x.listed)}, новых этапов ${num(x.stages_new)}, изменено ${num(x.stages_changed)}, в архив ${num(x.stages_archived)}`);
        show(r);
        loadAudit();
      } catch (e) {
        toast(e.message, 'bad');
        load();
      }
    }));
    fill(syncBox, ...last, btn);
  }

  function show(d) {
    pipelines = d.pipelines;
    pipeTable.setRows(pipelines);
    showSync(d.sync);
    if (selected) selected = pipelines.find((p) => p.id === selected.id) || null;
    if (!selected && pipelines.length) selected = pipelines[0];
    showStages();
  }

  async function load() {
    try {
      show(await api(`${T}/pipelines`));
    } catch (e) {
      failed(listBox, e, () => { fill(listBox, pipeTable.node); load(); });
    }
  }

  function select(p) {
    selected = p;
    showStages();
  }

  function showStages() {
    if (!selected) {
      fill(stagesBox, el('h3', null, 'Этапы'), empty('Выберите воронку'));
      return;
    }
    const rows = selected.stages.map((s) => el('tr', null,
      el('td', { class: 'r' }, String(s.sort)),
      el('td', null, s.name),
      el('td', { class: 'r' }, String(s.id)),
      el('td', null, s.is_archive ? 'в архиве' : s.id === 142 ? 'продажа' : s.id === 143 ? 'проигрыш' : s.type === 1 ? 'неразобранное' : '')));
    fill(stagesBox, el('h3', null, `Этапы «${selected.name}»`),
      el('p', { class: 'muted' }, 'Порядок и названия — как в amoCRM; меняются в amoCRM и приходят с синхронизацией.'),
      el('div', { class: 'scroll' }, el('table', { class: 'data', id: 'stages-table' },
        el('thead', null, el('tr', null, el('th', { class: 'r' }, 'Порядок'), el('th', null, 'Этап'), el('th', { class: 'r' }, 'ID'), el('th', null, ''))),
        el('tbody', null, ...rows))));
  }

  function editor(p) {
    const product = el('input', { name: 'product_name', required: true, maxlength: 100, value: p.product_name });
    const price = el('input', { name: 'list_price', type: 'number', min: 0, step: '0.01', required: true, value: p.list_price });
    const active = el('input', { name: 'active', type: 'checkbox', checked: p.active });
    const msg = el('div');
    const save = el('button', { class: 'btn primary', type: 'submit' }, 'Сохранить');
    const form = el('form', {
      class: 'form', id: 'pipeline-editor',
      onsubmit: (e) => {
        e.preventDefault();
        busy(save, async () => {
          const body = { product_name: product.value.trim(), list_price: price.value.trim(), active: active.checked };
          try {
            const r = await api(`${T}/pipelines/${p.id}`, { method: 'PATCH', body });
            toast(`Воронка «${p.name}»: ${r.pipeline.product_name}, ${money(r.pipeline.list_price)}`);
            fill(formBox);
            selected = r.pipeline;
            await load();
            loadAudit();
          } catch (err) {
            fill(msg, errorBox(err));
          }
        });
      },
    },
    field('Продукт', product), field('Цена, ₸', price, 'когда в сделке нет суммы'),
    el('label', { class: 'field' }, el('span', null, 'Учитывается'), active),
    save, el('button', { class: 'btn', type: 'button', onclick: () => fill(formBox) }, 'Отмена'), msg);
    fill(formBox, el('h3', null, `Изменить «${p.name}»`), form);
    product.focus();
  }

  const auditTable = table([
    { key: 'at', title: 'Когда', type: 'datetime' },
    { key: 'actor', title: 'Кто' },
    { key: 'action', title: 'Действие', render: (a) => (a.action === 'sync' ? 'синхронизация' : 'изменение') },
    { key: 'entity_id', title: 'Воронка' },
    { key: 'summary', title: 'Изменение', value: (a) => summary(a) },
  ], { pageSize: 15, empty: 'Изменений пока не было', csv: `${T}/audit?format=csv&entity=pipeline&limit=500`, id: 'pipelines-audit-table' });
  auditBox.appendChild(auditTable.node);

  async function loadAudit() {
    try {
      const a = await api(`${T}/audit` + qs({ entity: 'pipeline', limit: 200 }));
      auditTable.setRows(a.audit);
    } catch (e) {
      toast('Журнал: ' + e.message, 'bad');
    }
  }

  await Promise.all([load(), loadAudit()]);
}

// One line of what changed: the counts of a sync, the fields of a change.
function summary(a) {
  const b = a.before || {}, f = a.after || {};
  if (a.action === 'sync') {
    return `воронок новых ${num(f.pipelines_new)}, изменённых ${num(f.pipelines_changed)}; этапов новых ${num(f.stages_new)}, изменённых ${num(f.stages_changed)}, в архив ${num(f.stages_archived)}`;
  }
  const names = { product_name: 'продукт', default_amount: 'цена', active: 'учитывается' };
  return Object.keys(names)
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(f[k]))
    .map((k) => `${names[k]}: ${k === 'default_amount' ? money(b[k]) : String(b[k])} → ${k === 'default_amount' ? money(f[k]) : String(f[k])}`)
    .join('; ');
}
