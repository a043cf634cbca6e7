// The Payment Element, inside its iframe: one tab per payment method, Stripe's field labels and
// ids, inline errors, mandates, Bacs' confirmation step. Payment details never leave this frame
// except to the sandbox's own API (same origin), as with Stripe.

import {
  ParentLink, applyAppearance, callApi, h, intentFromSecret, loadLocale, locale, reportHeight, t,
} from './frame-common.js';
import {countryName, countryOptions} from './countries.js';
import {SUPPORTED_METHODS, fieldsOf, initialValues} from './payment-fields.js';
import {MANDATE_METHODS, confirmRequestParams, fieldOfApiError, localizeApiError} from './payment-requests.js';
import {cardBrand} from './validators.js';

const TERMS_OPTION_NAMES = {
  card: 'card', sepa_debit: 'sepaDebit', us_bank_account: 'usBankAccount', bacs_debit: 'bacsDebit',
};

// Stripe's `code` for each validation message.
const VALIDATION_CODES = {
  'error.number_incomplete': 'incomplete_number',
  'error.number_invalid': 'invalid_number',
  'error.expiry_incomplete': 'incomplete_expiry',
  'error.expiry_past': 'invalid_expiry_year_past',
  'error.expiry_year_invalid': 'invalid_expiry_year',
  'error.expiry_month_invalid': 'invalid_expiry_month',
  'error.cvc_incomplete': 'incomplete_cvc',
  'error.zip_incomplete': 'incomplete_zip',
  'error.postal_incomplete': 'incomplete_zip',
  'error.iban_incomplete': 'incomplete_iban',
  'error.iban_invalid': 'invalid_iban',
  'error.name_incomplete': 'incomplete_name',
  'error.email_incomplete': 'incomplete_email',
  'error.email_invalid': 'invalid_email',
  'error.sort_code_incomplete': 'incomplete_sort_code',
  'error.account_number_incomplete': 'incomplete_account_number',
  'error.address_line1_incomplete': 'incomplete_address_line1',
  'error.city_incomplete': 'incomplete_city',
  'error.country_required': 'incomplete_country',
  'error.bank_account_required': 'incomplete_bank_account',
  'error.bacs_not_confirmed': 'bacs_mandate_not_confirmed',
};

const link = new ParentLink();
const root = document.getElementById('root');

const state = {
  publishableKey: '',
  group: {},
  options: {},
  methods: [],
  selected: null,
  values: {},
  errors: {},
  bankAccount: null,
  bacsConfirmed: false,
  // Whether the method is saved for later: a SetupIntent, an intent with setup_future_usage,
  // or a deferred group created so. A card then shows Stripe's consent text for saving.
  saving: false,
  busy: false,
  submitted: false,
  dialog: null,
  lastChange: '',
};

const fieldNodes = new Map();

// ---------------------------------------------------------------------------------------------
// Options

function showsTerms(method) {
  return state.options.terms?.[TERMS_OPTION_NAMES[method]] !== 'never';
}

function merchantName() {
  return state.options.business?.name || t('merchant.fallback');
}

/** The fields the selected (or given) method shows now. */
function fieldsFor(method = state.selected) {
  return fieldsOf(method, state.values[method], state.options);
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render() {
  const focusedId = document.activeElement?.id;
  const caret = document.activeElement?.selectionStart;
  fieldNodes.clear();
  const form = h('form', {class: 'p-Form', novalidate: true, onsubmit: (event) => event.preventDefault()});
  if (isAccordion()) {
    form.append(renderAccordion());
  } else {
    form.append(...[renderTabs(), renderPanel(state.selected)].filter(Boolean));
  }
  const content = [form];
  if (state.dialog) {
    form.hidden = true;
    content.push(renderBacsDialog());
  }
  root.replaceChildren(...content);
  root.setAttribute('aria-busy', 'false');
  restoreFocus(focusedId, caret);
}

function restoreFocus(id, caret) {
  if (!id) return;
  const element = document.getElementById(id);
  if (!element || element === document.activeElement) return;
  element.focus();
  if (typeof caret === 'number' && element.setSelectionRange && element.type !== 'email') {
    element.setSelectionRange(caret, caret);
  }
}

/** `readOnly` (Stripe's option): nothing can be typed, chosen or pressed; the details stay. */
function readOnly() {
  return Boolean(state.options.readOnly);
}

/** Buttons and selects are disabled while confirming or read-only; inputs only while confirming. */
function disabledNow(tagName) {
  return state.busy || (tagName !== 'input' && readOnly());
}

function isAccordion() {
  const layout = state.options.layout;
  return (typeof layout === 'string' ? layout : layout?.type) === 'accordion';
}

function methodButton(method, attributes) {
  return h(
    'button',
    {
      type: 'button', id: `${method}-tab`, 'data-testid': method, disabled: disabledNow('button'),
      onclick: () => selectMethod(method), onkeydown: (event) => moveBetweenMethods(event, method),
      ...attributes,
    },
    h('span', {class: `p-MethodIcon p-MethodIcon--${method}`, 'aria-hidden': 'true'}),
    h('span', {class: 'p-MethodLabel'}, t(`method.${method}`)),
  );
}

function renderTabs() {
  if (state.methods.length < 2) return null;
  return h(
    'div',
    {class: 'p-PaymentMethodSelector', role: 'group', 'aria-label': t('payment_methods')},
    state.methods.map((method) =>
      methodButton(method, {
        class: `p-PaymentMethodSelector-tab${method === state.selected ? ' is-selected' : ''}`,
        'aria-pressed': String(method === state.selected),
        'aria-controls': 'p-MethodPanel',
        // Roving focus: Tab reaches the selected method, arrow keys move between methods.
        tabindex: method === state.selected ? null : '-1',
      }),
    ),
  );
}

function renderAccordion() {
  if (state.methods.length < 2) return renderPanel(state.selected);
  return h(
    'div',
    {class: 'p-Accordion', role: 'group', 'aria-label': t('payment_methods')},
    state.methods.map((method) =>
      h(
        'div',
        {class: `p-AccordionItem${method === state.selected ? ' is-selected' : ''}`},
        methodButton(method, {
          class: 'p-AccordionButton',
          'aria-expanded': String(method === state.selected),
          'aria-controls': method === state.selected ? 'p-MethodPanel' : null,
        }),
        method === state.selected ? renderPanel(method) : null,
      ),
    ),
  );
}

function moveBetweenMethods(event, method) {
  const step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
  if (!step) return;
  event.preventDefault();
  const index = (state.methods.indexOf(method) + step + state.methods.length) % state.methods.length;
  document.getElementById(`${state.methods[index]}-tab`)?.focus();
}

function renderPanel(method) {
  const labelledBy = state.methods.length > 1 ? `${method}-tab` : null;
  const panel = h('div', {
    id: 'p-MethodPanel', class: `p-MethodPanel p-MethodPanel--${method}`, role: 'group',
    'aria-labelledby': labelledBy, 'aria-label': labelledBy ? null : t(`method.${method}`),
  });
  if (method === 'us_bank_account') panel.append(h('p', {class: 'p-Intro'}, t('ach.intro')));
  panel.append(renderFieldGrid(method, fieldsFor(method)));
  if (method === 'us_bank_account') panel.append(renderBankAccount());
  const mandate = mandateText(method);
  if (mandate) panel.append(h('p', {class: 'p-Mandate', id: 'p-Mandate'}, mandate));
  return panel;
}

function mandateText(method) {
  if (method === 'card') return state.saving && showsTerms(method) ? t('mandate.card', {merchant: merchantName()}) : '';
  if (!MANDATE_METHODS.has(method) || !showsTerms(method)) return '';
  if (method === 'us_bank_account' && !state.bankAccount) return '';
  return t(`mandate.${method}`, {merchant: merchantName()});
}

function renderFieldGrid(method, fields) {
  const grid = h('div', {class: 'p-FieldGrid'});
  let row = null;
  for (const field of fields) {
    const node = renderField(method, field);
    if (field.half) {
      if (!row) {
        row = h('div', {class: 'p-GridRow'});
        grid.append(row);
      }
      row.append(node);
      if (row.childElementCount === 2) row = null;
    } else {
      row = null;
      grid.append(node);
    }
  }
  return grid;
}

function renderField(method, field) {
  const inputId = `Field-${field.key}Input`;
  const value = state.values[method][field.key] ?? '';
  const label = h(
    'label',
    {for: inputId, class: 'p-FieldLabel'},
    t(field.label),
    field.hint ? h('span', {class: 'p-SrOnly'}, ` ${t(field.hint)}`) : null,
    field.optional ? h('span', {class: 'p-Optional'}, ` ${t('field.optional')}`) : null,
  );
  const common = {
    id: inputId, name: field.name || field.key, autocomplete: field.autocomplete || null,
    class: 'p-Input', 'aria-invalid': 'false',
    disabled: disabledNow(field.kind === 'select' ? 'select' : 'input') || null,
    readonly: readOnly() || null,
  };
  let input;
  if (field.kind === 'select') {
    input = h('select', {...common, onchange: () => onFieldInput(method, field, input)},
      countryOptions(locale()).map(({code, name}) =>
        h('option', {value: code, selected: code === value ? true : null}, name)));
  } else {
    input = h('input', {
      ...common, type: field.type || 'text', inputmode: field.inputmode || null,
      placeholder: field.placeholder?.() || null, spellcheck: 'false',
      oninput: (event) => onFieldInput(method, field, input, event),
      onblur: () => onFieldBlur(method, field),
    });
    input.value = value;
  }
  const wrapper = h('div', {class: `p-Field p-Field--${field.key}`}, label,
    h('div', {class: 'p-InputWrapper'}, input, field.key === 'number' ? renderBrand(value) : null));
  fieldNodes.set(field.key, {wrapper, input, field});
  const error = state.errors[field.key];
  if (error) showFieldError(field.key, error);
  return wrapper;
}

function renderBrand(number) {
  const brand = cardBrand(number);
  return h('span', {class: 'p-CardBrand', 'data-brand': brand.brand, 'aria-hidden': 'true'}, brand.label);
}

function renderBankAccount() {
  if (!state.bankAccount) {
    // Like a field's error, the missing account is said once, under the button that links one.
    const error = state.errors.bankAccount;
    return h('div', {class: `p-Field${error ? ' p-Field--invalid' : ''}`},
      h('button', {
        type: 'button', class: 'p-Button p-Button--secondary', id: 'p-ManualEntryButton',
        disabled: disabledNow('button'), onclick: openBankLinking,
        'aria-describedby': error ? 'Field-bankAccountError' : null,
      }, t('ach.manual_entry')),
      error ? h('p', {id: 'Field-bankAccountError', class: 'p-FieldError', role: 'alert'}, t(error)) : null);
  }
  const {bankName, last4} = state.bankAccount;
  return h('div', {class: 'p-LinkedAccount', id: 'p-LinkedAccount'},
    h('span', {class: 'p-LinkedAccountLabel'}, t('ach.linked_account')),
    h('span', {class: 'p-LinkedAccountName'}, `${bankName} •••• ${last4}`),
    h('button', {
      type: 'button', class: 'p-Button p-Button--link', id: 'p-ChangeBankAccountButton',
      disabled: disabledNow('button'), onclick: openBankLinking,
    }, t('ach.change')));
}

// ---------------------------------------------------------------------------------------------
// Field errors

function showFieldError(key, errorKey) {
  const nodes = fieldNodes.get(key);
  if (!nodes) return;
  const errorId = `Field-${key}Error`;
  nodes.wrapper.querySelector(`#${errorId}`)?.remove();
  nodes.wrapper.classList.toggle('p-Field--invalid', Boolean(errorKey));
  nodes.input.setAttribute('aria-invalid', String(Boolean(errorKey)));
  if (errorKey) {
    nodes.input.setAttribute('aria-describedby', errorId);
    nodes.wrapper.append(h('p', {id: errorId, class: 'p-FieldError', role: 'alert'}, errorMessage(errorKey)));
  } else {
    nodes.input.removeAttribute('aria-describedby');
  }
}

/** Errors are locale keys, except messages that came from the API (kept as they are). */
function errorMessage(errorKey) {
  return errorKey.startsWith('error.') ? t(errorKey) : errorKey;
}

function setFieldError(key, errorKey) {
  if (errorKey) state.errors[key] = errorKey;
  else delete state.errors[key];
  showFieldError(key, errorKey);
}

function validationError(errorKey, param) {
  return {type: 'validation_error', code: VALIDATION_CODES[errorKey] || 'invalid_value', message: t(errorKey), param};
}

// ---------------------------------------------------------------------------------------------
// Input

function onFieldInput(method, field, input, event) {
  const values = state.values[method];
  const previous = values[field.key] ?? '';
  const deleting = Boolean(event?.inputType?.startsWith('delete'));
  const formatted = field.format ? field.format(input.value, {deleting}) : input.value;
  if (field.kind !== 'select' && formatted !== input.value) replaceKeepingCaret(input, formatted);
  values[field.key] = formatted;
  state.submitted = false;
  if (method === 'bacs_debit') state.bacsConfirmed = false;
  if (field.key === 'number') refreshBrand(formatted);

  const errorKey = field.validate(formatted);
  if (state.errors[field.key] || (errorKey && field.isFilled?.(formatted) && errorKey.endsWith('invalid'))
    || (errorKey === 'error.expiry_past')) {
    setFieldError(field.key, errorKey);
  }
  if (!errorKey && field.next && field.isFilled?.(formatted) && !deleting && formatted !== previous) {
    document.getElementById(`Field-${field.next}Input`)?.focus();
  }
  if (fieldSetChanged(method)) render();
  emitChangeIfNeeded();
}

function onFieldBlur(method, field) {
  const value = state.values[method][field.key] ?? '';
  if (!String(value).trim()) return;
  setFieldError(field.key, field.validate(value));
}

function refreshBrand(number) {
  const badge = fieldNodes.get('number')?.wrapper.querySelector('.p-CardBrand');
  badge?.replaceWith(renderBrand(number));
}

/** Sets a reformatted value, keeping the caret after the same number of letters and digits. */
function replaceKeepingCaret(input, formatted) {
  const caret = input.selectionStart ?? input.value.length;
  const caretAtEnd = caret >= input.value.length;
  const significantBefore = input.value.slice(0, caret).replace(/[^0-9a-z]/gi, '').length;
  input.value = formatted;
  if (document.activeElement !== input || input.type === 'email') return;
  let position = formatted.length;
  if (!caretAtEnd) {
    position = 0;
    let seen = 0;
    while (position < formatted.length && seen < significantBefore) {
      if (/[0-9a-z]/i.test(formatted[position])) seen += 1;
      position += 1;
    }
  }
  input.setSelectionRange(position, position);
}

function fieldSetChanged(method) {
  const shown = [...fieldNodes.keys()].join(',');
  return shown !== fieldsFor(method).map((field) => field.key).join(',');
}

function selectMethod(method) {
  if (method === state.selected || state.busy || readOnly()) return;
  state.selected = method;
  state.submitted = false;
  state.errors = {};
  render();
  document.getElementById(`${method}-tab`)?.focus();
  emitChangeIfNeeded();
}

// ---------------------------------------------------------------------------------------------
// Change events

function changePayload() {
  const method = state.selected;
  const values = state.values[method];
  const fields = fieldsFor(method).filter((field) => field.kind !== 'select');
  const empty = fields.every((field) => !String(values[field.key] ?? '').trim()) && !state.bankAccount;
  let complete = fieldsFor(method).every((field) => !field.validate(values[field.key] ?? ''));
  if (method === 'us_bank_account' && !state.bankAccount) complete = false;
  return {elementType: 'payment', empty, complete, collapsed: false, value: {type: method}};
}

function emitChangeIfNeeded() {
  const payload = changePayload();
  const signature = JSON.stringify(payload);
  if (signature === state.lastChange) return;
  state.lastChange = signature;
  link.emit('change', payload);
}

// ---------------------------------------------------------------------------------------------
// Collecting the details (elements.submit and confirm)

function validateSelectedMethod() {
  const method = state.selected;
  let first = null;
  for (const field of fieldsFor(method)) {
    const errorKey = field.validate(state.values[method][field.key] ?? '');
    setFieldError(field.key, errorKey);
    if (errorKey && !first) first = {field, errorKey};
  }
  if (first) {
    document.getElementById(`Field-${first.field.key}Input`)?.focus();
    return validationError(first.errorKey, first.field.key);
  }
  if (method === 'us_bank_account' && !state.bankAccount) {
    state.errors.bankAccount = 'error.bank_account_required';
    render();
    document.getElementById('p-ManualEntryButton')?.focus();
    return validationError('error.bank_account_required');
  }
  return null;
}

async function collectDetails() {
  if (state.dialog) return {error: validationError('error.bacs_not_confirmed')};
  const error = validateSelectedMethod();
  if (error) return {error};
  if (state.selected === 'bacs_debit' && !state.bacsConfirmed) {
    state.bacsConfirmed = await askBacsConfirmation();
    if (!state.bacsConfirmed) return {error: validationError('error.bacs_not_confirmed')};
  }
  return {};
}

function askBacsConfirmation() {
  return new Promise((resolve) => {
    state.dialog = {resolve};
    render();
    document.getElementById('bacs-dialog-title')?.focus();
  });
}

function closeBacsDialog(confirmed) {
  const dialog = state.dialog;
  if (!dialog) return;
  state.dialog = null;
  render();
  if (!confirmed) document.getElementById('Field-sortCodeInput')?.focus();
  dialog.resolve(confirmed);
}

function renderBacsDialog() {
  const values = state.values.bacs_debit;
  const country = values.country ? countryName(values.country, locale()) : '';
  const address = [values.addressLine1, values.addressLine2, values.locality, values.postalCode, country]
    .filter(Boolean).join(', ');
  const rows = [
    ['bacs.account_holder', values.name],
    ['field.email', values.email],
    ['field.sort_code', values.sortCode],
    ['field.account_number', values.accountNumber],
    ['bacs.address', address],
  ].filter(([, value]) => value);
  return h('section', {
    class: 'p-Dialog', id: 'bacs-confirmation-dialog', role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': 'bacs-dialog-title', 'aria-describedby': 'bacs-dialog-intro',
    onkeydown: (event) => { if (event.key === 'Escape') closeBacsDialog(false); },
  },
  h('h2', {id: 'bacs-dialog-title', class: 'p-DialogTitle', tabindex: '-1'}, t('bacs.dialog_title')),
  h('p', {id: 'bacs-dialog-intro'}, t('bacs.dialog_intro')),
  h('dl', {class: 'p-DialogDetails'}, rows.map(([labelKey, value]) =>
    h('div', {class: 'p-DialogRow'}, h('dt', {}, t(labelKey)), h('dd', {}, value)))),
  showsTerms('bacs_debit') ? h('p', {class: 'p-Mandate'}, mandateText('bacs_debit')) : null,
  h('div', {class: 'p-DialogActions'},
    h('button', {
      type: 'button', class: 'p-Button p-Button--primary', id: 'bacs-confirm-button',
      onclick: () => closeBacsDialog(true),
    }, t('bacs.confirm')),
    h('button', {
      type: 'button', class: 'p-Button p-Button--secondary', id: 'bacs-modify-button',
      onclick: () => closeBacsDialog(false),
    }, t('bacs.modify'))));
}

// ---------------------------------------------------------------------------------------------
// Errors from the API

function showApiErrorInline(error) {
  const fieldKey = fieldOfApiError(error);
  if (fieldKey && fieldNodes.has(fieldKey)) setFieldError(fieldKey, error.message);
}

function setBusy(busy) {
  state.busy = busy;
  for (const element of root.querySelectorAll('input, select, button')) {
    element.disabled = disabledNow(element.tagName.toLowerCase());
  }
}

// ---------------------------------------------------------------------------------------------
// Bank account linking (ACH): the merchant page opens the linking frame; the two frames of the
// sandbox talk over a BroadcastChannel so the account numbers never pass through the page.

function openBankLinking() {
  const channelName = `kassa-bank-link-${crypto.randomUUID()}`;
  const channel = new BroadcastChannel(channelName);
  channel.onmessage = (event) => {
    if (event.data?.type !== 'linked') return;
    state.bankAccount = event.data.account;
    delete state.errors.bankAccount;
    state.submitted = false;
    channel.postMessage({type: 'linked-ack'});
    channel.close();
    render();
    emitChangeIfNeeded();
  };
  link.emit('open-bank-linking', {channel: channelName});
}

link.handle('bank-linking-closed', () => {
  const target = document.getElementById(state.bankAccount ? 'p-ChangeBankAccountButton' : 'p-ManualEntryButton');
  target?.focus();
});

// ---------------------------------------------------------------------------------------------
// Requests from the merchant page

/**
 * The order the buyer sees. Stripe orders methods for each buyer unless the page passes
 * `paymentMethodOrder` (those first, in that order, then the rest). The sandbox's stand-in for
 * that dynamic order is deterministic: the intent's methods rotated by the sum of its id's
 * character codes, so some buyers see SEPA or a bank account before card. The deferred form
 * (no intent yet) keeps `paymentMethodTypes` as given.
 */
function orderForBuyer(methods, intentId) {
  const order = state.options.paymentMethodOrder || [];
  if (order.length) {
    const rank = (method) => (order.includes(method) ? order.indexOf(method) : order.length);
    return [...methods].sort((a, b) => rank(a) - rank(b));
  }
  if (!intentId || !methods.length) return methods;
  const shift = [...intentId].reduce((sum, letter) => sum + letter.charCodeAt(0), 0) % methods.length;
  return [...methods.slice(shift), ...methods.slice(0, shift)];
}

async function availableMethods() {
  let types = state.group.paymentMethodTypes;
  let intentId = null;
  state.saving = state.group.mode === 'setup' || Boolean(state.group.setupFutureUsage);
  if (state.group.clientSecret) {
    const {kind, path, id} = intentFromSecret(state.group.clientSecret);
    const response = await callApi(state.publishableKey, 'GET', path, {client_secret: state.group.clientSecret});
    if (!response.ok) return {error: response.body.error};
    types = response.body.payment_method_types;
    intentId = id;
    state.saving = kind === 'setup' || Boolean(response.body.setup_future_usage);
  }
  const supported = (types && types.length ? types : ['card']).filter((type) => SUPPORTED_METHODS.includes(type));
  const methods = orderForBuyer(supported, intentId);
  if (!methods.length) {
    return {error: {type: 'invalid_request_error', message: 'None of the payment method types can be shown.'}};
  }
  return {methods};
}

async function refreshMethods() {
  const result = await availableMethods();
  if (result.error) {
    link.emit('loaderror', {error: result.error});
    return false;
  }
  state.methods = result.methods;
  if (!state.methods.includes(state.selected)) state.selected = state.methods[0];
  return true;
}

link.handle('init', async ({publishableKey, group, element}) => {
  state.publishableKey = publishableKey;
  state.group = group || {};
  state.options = element || {};
  applyAppearance(state.group.appearance);
  state.values = initialValues(state.options, locale());
  if (!(await refreshMethods())) return {};
  render();
  reportHeight(link);
  state.lastChange = JSON.stringify(changePayload());
  link.emit('ready', {elementType: 'payment'});
  return {};
});

link.handle('update-group', async (changes) => {
  const previous = state.group;
  state.group = {...state.group, ...changes};
  if (changes.appearance) applyAppearance(state.group.appearance);
  if (changes.locale && changes.locale !== previous.locale) await loadLocale(changes.locale);
  if (changes.paymentMethodTypes || changes.clientSecret) await refreshMethods();
  render();
  emitChangeIfNeeded();
  return {};
});

link.handle('update', (changes) => {
  state.options = {...state.options, ...changes};
  if (changes.paymentMethodOrder) refreshMethods().then(render);
  render();
  emitChangeIfNeeded();
  return {};
});

link.handle('focus', () => {
  const first = root.querySelector('#p-MethodPanel input, #p-MethodPanel select, #p-MethodPanel button');
  first?.focus();
});

link.handle('blur', () => document.activeElement?.blur());

link.handle('clear', () => {
  state.submitted = false;
  state.values = initialValues(state.options, locale());
  state.errors = {};
  state.bankAccount = null;
  state.bacsConfirmed = false;
  render();
  emitChangeIfNeeded();
});

link.handle('submit', async () => {
  const result = await collectDetails();
  state.submitted = !result.error;
  return {...result, selectedPaymentMethod: state.selected};
});

// With a deferred intent (Elements created with `mode`), Stripe.js insists on elements.submit()
// before confirming, so that the buyer's details are checked before the merchant's server work.
const SUBMIT_FIRST = 'elements.submit() must be called before {method}(). Call elements.submit() '
  + 'as soon as your customer presses pay, prior to any asynchronous work. Integration guide: '
  + 'https://stripe.com/docs/payments/accept-a-payment-deferred';

link.handle('confirm', async ({kind, clientSecret, confirmParams}) => {
  if (state.busy || state.dialog) {
    return {error: {type: 'invalid_request_error', code: 'confirmation_in_progress', message: t('error.generic')}};
  }
  if (state.group.mode && !state.submitted) {
    const method = kind === 'setup' ? 'stripe.confirmSetup' : 'stripe.confirmPayment';
    return {integrationError: SUBMIT_FIRST.replace('{method}', method)};
  }
  const collected = await collectDetails();
  if (collected.error) return collected;
  const intent = intentFromSecret(clientSecret);
  setBusy(true);
  const entry = {
    method: state.selected, values: state.values[state.selected], fields: fieldsFor(),
    bankAccount: state.bankAccount,
  };
  const response = await callApi(
    state.publishableKey, 'POST', `${intent.path}/confirm`, confirmRequestParams(entry, clientSecret, confirmParams),
  );
  setBusy(false);
  if (!response.ok) {
    const error = localizeApiError(response.body.error || {type: 'api_error', message: t('error.generic')}, locale());
    showApiErrorInline(error);
    return {error};
  }
  return {intent: response.body, methodType: state.selected};
});

// Focus and keyboard events for the merchant page.
let frameHasFocus = false;
document.addEventListener('focusin', () => {
  if (frameHasFocus) return;
  frameHasFocus = true;
  link.emit('focus', {elementType: 'payment'});
});
window.addEventListener('blur', () => {
  if (!frameHasFocus) return;
  frameHasFocus = false;
  link.emit('blur', {elementType: 'payment'});
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !state.dialog) link.emit('escape', {elementType: 'payment'});
});

link.emit('loaded');
