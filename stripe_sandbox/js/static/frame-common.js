// Shared by every page the Stripe.js stand-in loads into an iframe: strings, the message link
// to the merchant page, calls to the sandbox's REST API, and a tiny DOM builder.

export const PROTOCOL = 'kassa-stripe-sandbox';

const pageUrl = new URL(window.location.href);
const hashParams = new URLSearchParams(pageUrl.hash.slice(1));

/** A parameter given to this frame, in the query string or (for secrets) the fragment. */
export function frameParam(name) {
  return hashParams.get(name) ?? pageUrl.searchParams.get(name);
}

// ---------------------------------------------------------------------------------------------
// Strings

let strings = JSON.parse(document.getElementById('sandbox-strings')?.textContent || '{}');
let currentLocale = document.documentElement.lang || 'en';

/** The localized string for `key`, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const template = strings[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function locale() {
  return currentLocale;
}

/** Switches to another locale (the server picks the closest one it ships). */
export async function loadLocale(requested) {
  const response = await fetch(`locales/${encodeURIComponent(requested || 'auto')}.json`);
  if (!response.ok) return currentLocale;
  const data = await response.json();
  strings = data.strings;
  currentLocale = data.locale;
  document.documentElement.lang = currentLocale;
  return currentLocale;
}

// ---------------------------------------------------------------------------------------------
// The link to the merchant page (our parent), over postMessage with origin checks.

export class ParentLink {
  constructor() {
    this.parentOrigin = frameParam('origin');
    this.frameId = frameParam('frame');
    this.handlers = new Map();
    if (!this.parentOrigin || window.parent === window) {
      throw new Error('This page only works inside the Stripe.js stand-in.');
    }
    window.addEventListener('message', (event) => this.receive(event));
  }

  /** Registers the answer to a request type; the handler may return a promise. */
  handle(type, handler) {
    this.handlers.set(type, handler);
  }

  /** Sends an event to the merchant page. */
  emit(type, payload = {}) {
    window.parent.postMessage(
      {protocol: PROTOCOL, frame: this.frameId, type, payload},
      this.parentOrigin,
    );
  }

  async receive(event) {
    if (event.source !== window.parent || event.origin !== this.parentOrigin) return;
    const message = event.data;
    if (!message || message.protocol !== PROTOCOL || message.frame !== this.frameId) return;
    const handler = this.handlers.get(message.type);
    if (!handler) return;
    let result;
    try {
      result = await handler(message.payload || {});
    } catch (error) {
      console.error(error);
      result = {error: {type: 'api_error', message: t('error.generic')}};
    }
    if (message.requestId) {
      window.parent.postMessage(
        {protocol: PROTOCOL, frame: this.frameId, type: 'response', requestId: message.requestId, payload: result ?? {}},
        this.parentOrigin,
      );
    }
  }
}

/** Tells the parent our content height whenever it changes, so the iframe fits. */
export function reportHeight(link) {
  let lastHeight = -1;
  const send = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      link.emit('resize', {height});
    }
  };
  new ResizeObserver(send).observe(document.documentElement);
  send();
}

// ---------------------------------------------------------------------------------------------
// The sandbox's REST API (same origin as this frame), called with the publishable key.

/** Where the sandbox is mounted: this page is at `<base>/js/v3/<page>.html`. */
export function apiBase() {
  return pageUrl.pathname.replace(/\/js\/v3\/[^/]*$/, '');
}

/** Stripe's form encoding: nested objects as `a[b][c]`, arrays as `a[0]`. */
export function formEncode(params) {
  const pairs = [];
  const visit = (prefix, value) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(`${prefix}[${index}]`, item));
    } else if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(prefix ? `${prefix}[${key}]` : key, inner);
    } else {
      pairs.push([prefix, String(value)]);
    }
  };
  visit('', params);
  return new URLSearchParams(pairs).toString();
}

/** Calls the API; resolves to {ok, status, body} and never throws for HTTP errors. */
export async function callApi(publishableKey, method, path, params = {}) {
  const encoded = formEncode(params);
  const isRead = method === 'GET';
  const url = `${apiBase()}${path}${isRead && encoded ? `?${encoded}` : ''}`;
  const headers = {Authorization: `Bearer ${publishableKey}`};
  if (!isRead) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  try {
    const response = await fetch(url, {method, headers, body: isRead ? undefined : encoded});
    const body = await response.json().catch(() => ({}));
    return {ok: response.ok, status: response.status, body};
  } catch (error) {
    return {
      ok: false,
      status: 0,
      body: {error: {type: 'api_connection_error', message: t('error.generic')}},
    };
  }
}

/** 'pi_123_secret_abc' -> {kind: 'payment', id: 'pi_123', path: '/v1/payment_intents/pi_123'}. */
export function intentFromSecret(clientSecret) {
  const id = String(clientSecret || '').split('_secret_')[0];
  const kind = id.startsWith('seti_') ? 'setup' : 'payment';
  const collection = kind === 'setup' ? 'setup_intents' : 'payment_intents';
  return {kind, id, path: `/v1/${collection}/${id}`};
}

// ---------------------------------------------------------------------------------------------
// DOM

/** h('label', {for: 'x'}, 'Text', child) -> element. Attributes with null/false are skipped. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Applies Elements `appearance` (theme and the common variables) as CSS custom properties. */
const APPEARANCE_VARIABLES = {
  colorPrimary: '--p-color-primary',
  colorBackground: '--p-color-background',
  colorText: '--p-color-text',
  colorTextSecondary: '--p-color-text-secondary',
  colorTextPlaceholder: '--p-color-placeholder',
  colorDanger: '--p-color-danger',
  fontFamily: '--p-font-family',
  fontSizeBase: '--p-font-size',
  borderRadius: '--p-border-radius',
  spacingUnit: '--p-spacing-unit',
};

export function applyAppearance(appearance = {}) {
  const root = document.documentElement;
  root.classList.toggle('p-Theme--night', appearance.theme === 'night');
  root.classList.toggle('p-Theme--flat', appearance.theme === 'flat');
  for (const [variable, property] of Object.entries(APPEARANCE_VARIABLES)) {
    const value = appearance.variables?.[variable];
    if (typeof value === 'string' && value && !/[;{}]/.test(value)) {
      root.style.setProperty(property, value);
    } else {
      root.style.removeProperty(property);
    }
  }
}

/** Keeps keyboard focus inside a modal: guard elements before and after it send focus round. */
export function trapFocus(modal) {
  const focusables = () => [...modal.querySelectorAll(
    'button:not([disabled]), input:not([disabled]), select:not([disabled]), iframe, a[href], '
    + '[tabindex]:not([tabindex="-1"])',
  )];
  for (const guard of document.querySelectorAll('[data-focus-guard]')) {
    guard.addEventListener('focus', () => {
      const targets = focusables();
      const target = guard.dataset.focusGuard === 'start' ? targets.at(-1) : targets[0];
      target?.focus();
    });
  }
}
