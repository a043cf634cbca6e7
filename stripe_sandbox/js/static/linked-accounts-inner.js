// The bank-account linking dialog for ACH (US bank account), manual entry only: routing and
// account numbers, then a success screen. The details go to the Payment Element frame over a
// BroadcastChannel (same origin), never through the merchant page.

import {ParentLink, frameParam, h, t, trapFocus} from './frame-common.js';
import {digitsOf, isValidRoutingNumber, isValidUsAccountNumber} from './validators.js';

const TEST_BANKS = {110000000: 'STRIPE TEST BANK'};

const link = new ParentLink();
const root = document.getElementById('root');
const channel = new BroadcastChannel(frameParam('channel') || 'kassa-bank-link-missing');

function close(linked) {
  channel.close();
  link.emit('close', {linked});
}

function header() {
  return h('header', {class: 'p-ModalHeader'},
    h('h1', {id: 'linked-title', class: 'p-ModalTitle', tabindex: '-1'}, t('linked.title')),
    h('button', {
      type: 'button', class: 'p-Button p-Button--link', 'data-testid': 'close-button',
      'aria-label': t('linked.close'), onclick: () => close(false),
    }, '×'));
}

function textField(id, testId, labelKey) {
  const input = h('input', {
    id, name: id, type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'p-Input',
    'data-testid': testId, 'aria-invalid': 'false', spellcheck: 'false',
  });
  const wrapper = h('div', {class: 'p-Field'}, h('label', {for: id, class: 'p-FieldLabel'}, t(labelKey)),
    h('div', {class: 'p-InputWrapper'}, input));
  return {wrapper, input};
}

function setError(field, message) {
  field.wrapper.querySelector('.p-FieldError')?.remove();
  field.wrapper.classList.toggle('p-Field--invalid', Boolean(message));
  field.input.setAttribute('aria-invalid', String(Boolean(message)));
  if (message) {
    const errorId = `${field.input.id}-error`;
    field.input.setAttribute('aria-describedby', errorId);
    field.wrapper.append(h('p', {id: errorId, class: 'p-FieldError', role: 'alert'}, message));
  } else {
    field.input.removeAttribute('aria-describedby');
  }
}

function showManualEntry() {
  const routing = textField('routingNumber', 'manualEntry-routingNumber-input', 'linked.routing_number');
  const account = textField('accountNumber', 'manualEntry-accountNumber-input', 'linked.account_number');
  const confirmation = textField(
    'confirmAccountNumber', 'manualEntry-confirmAccountNumber-input', 'linked.confirm_account_number');
  const form = h('form', {class: 'p-ModalBody', novalidate: true, 'data-testid': 'manual-entry-form'},
    routing.wrapper, account.wrapper, confirmation.wrapper,
    h('button', {type: 'submit', class: 'p-Button p-Button--primary', 'data-testid': 'continue-button'},
      t('linked.continue')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const routingNumber = routing.input.value.trim();
    const accountNumber = account.input.value.trim();
    const checks = [
      [routing, isValidRoutingNumber(routingNumber) ? '' : t('linked.error_routing')],
      [account, isValidUsAccountNumber(accountNumber) ? '' : t('linked.error_account')],
      [confirmation, confirmation.input.value.trim() === accountNumber ? '' : t('linked.error_mismatch')],
    ];
    for (const [field, message] of checks) setError(field, message);
    const firstInvalid = checks.find(([, message]) => message);
    if (firstInvalid) {
      firstInvalid[0].input.focus();
      return;
    }
    linkAccount(routingNumber, accountNumber);
  });
  root.replaceChildren(header(), form);
  routing.input.focus();
}

function linkAccount(routingNumber, accountNumber) {
  const account = {
    routingNumber, accountNumber, last4: digitsOf(accountNumber).slice(-4),
    bankName: TEST_BANKS[routingNumber] || 'Bank',
  };
  channel.onmessage = (event) => {
    if (event.data?.type === 'linked-ack') showSuccess(account);
  };
  channel.postMessage({type: 'linked', account});
}

function showSuccess(account) {
  const done = h('button', {
    type: 'button', class: 'p-Button p-Button--primary', 'data-testid': 'done-button', onclick: () => close(true),
  }, t('linked.done'));
  root.replaceChildren(header(), h('div', {class: 'p-ModalBody', 'data-testid': 'success'},
    h('h2', {class: 'p-SuccessTitle'}, t('linked.success_title')),
    h('p', {}, `${account.bankName} •••• ${account.last4}`),
    h('p', {}, t('linked.success_body', {last4: account.last4})),
    done));
  done.focus();
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') close(false);
});

trapFocus(root);
showManualEntry();
link.emit('loaded');
