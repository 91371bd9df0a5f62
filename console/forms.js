// Inputs generated from a process's declared data types. Values travel as text; the engine
// converts them to the declared type and says which field is wrong when one is not valid.
import { h } from './dom.js';

let seq = 0;

/**
 * One labelled input for a data field {id, name, type, isArray, value, description}.
 * Returns { node, read } where read() gives the text to send ('' = leave unchanged).
 */
export function fieldInput(field, { placeholder } = {}) {
  const id = `f${++seq}-${field.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const label = (field.name && field.name !== field.id ? `${field.name} (${field.id})` : field.id) + (field.required ? ' (required)' : '');
  const hintId = `${id}-hint`;
  const hint = h('span', { class: 'hint', id: hintId }, typeHint(field), field.description ? ` — ${field.description}` : '');
  const value = field.value;

  if (field.type === 'BOOLEAN' && !field.isArray) {
    const name = `${id}-choice`;
    const radios = [
      ['true', 'Yes'],
      ['false', 'No'],
    ].map(([v, text]) => {
      const rid = `${id}-${v}`;
      const input = h('input', { type: 'radio', id: rid, name, value: v, ...(value !== null && value !== undefined && String(value) === v ? { checked: true } : {}) });
      return { input, node: h('span', { class: 'radio' }, input, h('label', { for: rid }, text)) };
    });
    const node = h('fieldset', { class: 'field boolean', 'data-field': field.id, 'aria-describedby': hintId }, h('legend', {}, label), ...radios.map((r) => r.node), hint);
    return { node, read: () => radios.find((r) => r.input.checked)?.input.value ?? '' };
  }

  const attrs = { id, name: field.id, 'aria-describedby': hintId, 'data-field': field.id };
  let input;
  if (field.isArray) {
    input = h('textarea', { ...attrs, rows: '3' });
    input.value = Array.isArray(value) ? value.join('\n') : '';
  } else if (Array.isArray(field.allowedValues) && field.allowedValues.length) {
    // An enumeration (XPDL EnumerationType): only its values are accepted.
    input = h('select', attrs, h('option', { value: '' }, '—'), ...field.allowedValues.map((v) => h('option', { value: v, ...(value === v ? { selected: true } : {}) }, v)));
  } else if (field.type === 'INTEGER' || field.type === 'FLOAT') {
    input = h('input', { ...attrs, type: 'number', step: field.type === 'INTEGER' ? '1' : 'any', inputmode: field.type === 'INTEGER' ? 'numeric' : 'decimal' });
    input.value = value === null || value === undefined ? '' : String(value);
  } else if (field.type === 'DATETIME') {
    input = h('input', { ...attrs, type: 'datetime-local', step: '1' });
    input.value = typeof value === 'string' ? toLocalInput(value) : '';
  } else {
    input = h('input', { ...attrs, type: 'text' });
    input.value = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (placeholder) input.setAttribute('placeholder', placeholder);
  if (field.required) input.setAttribute('required', '');
  const node = h('div', { class: 'field' }, h('label', { for: id }, label), input, hint);
  const read = () => {
    if (field.isArray) return input.value.split('\n').map((v) => v.trim()).filter(Boolean);
    if (field.type === 'DATETIME' && input.value) return new Date(input.value).toISOString();
    return input.value.trim();
  };
  return { node, read };
}

function typeHint(field) {
  const names = { STRING: 'text', INTEGER: 'whole number', FLOAT: 'number', BOOLEAN: 'yes or no', DATETIME: 'date and time', REFERENCE: 'reference', PERFORMER: 'participant id', ANY: 'any value' };
  return `${names[field.type] ?? field.type}${field.isArray ? ', one per line' : ''}`;
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
