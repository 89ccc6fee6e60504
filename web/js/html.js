// The one way the UI builds markup: html`...` escapes every interpolated value unless it is
// markup already (made by html, raw or join); an array interpolates as its items, each
// escaped the same way. Only markup goes into innerHTML (setHTML refuses plain strings).

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

class Markup {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);

const part = (value) => {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === null || value === undefined) return '';
  return escape(value);
};

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += part(v) + strings[i + 1]; });
  return new Markup(out);
}

// Trusted markup, used as is: only for what this server rendered itself (the plan chart SVG).
export const raw = (text) => new Markup(String(text ?? ''));

// Fragments (or values, escaped) with a separator between them.
export const join = (items, separator = '') => new Markup(items.map(part).join(part(separator)));

export function setHTML(element, markup) {
  if (!(markup instanceof Markup)) throw new TypeError('setHTML takes markup made by html``, raw() or join()');
  element.innerHTML = markup.text;
}
