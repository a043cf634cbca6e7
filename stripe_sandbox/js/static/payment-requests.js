// What the Payment Element sends to the API when confirming (as Stripe.js sends it) and how it
// reads the API's errors back.

import {t} from './frame-common.js';
import {digitsOf, normalizeIban, parseExpiry} from './validators.js';

export const MANDATE_METHODS = new Set(['sepa_debit', 'us_bank_account', 'bacs_debit']);

const ADDRESS_PARTS = {
  country: 'country', addressLine1: 'line1', addressLine2: 'line2', locality: 'city', postalCode: 'postal_code',
};

// API error codes shown in the buyer's language (English keeps the server's own message).
const API_ERROR_MESSAGES = {
  card_declined: 'error.card_declined',
  insufficient_funds: 'error.insufficient_funds',
  expired_card: 'error.expired_card',
  incorrect_cvc: 'error.incorrect_cvc',
  invalid_cvc: 'error.incorrect_cvc',
  incorrect_number: 'error.incorrect_number',
  invalid_number: 'error.incorrect_number',
  processing_error: 'error.processing_error',
  payment_intent_authentication_failure: 'error.authentication_failure',
  setup_intent_authentication_failure: 'error.authentication_failure',
};

// Which field an API error belongs under, by the end of its `param` or by its code.
const API_ERROR_FIELDS = {
  number: 'number', exp_month: 'expiry', exp_year: 'expiry', cvc: 'cvc', postal_code: 'postalCode',
  iban: 'iban', sort_code: 'sortCode', account_number: 'accountNumber',
  incorrect_number: 'number', invalid_number: 'number', invalid_expiry_month: 'expiry',
  invalid_expiry_year: 'expiry', expired_card: 'expiry', incorrect_cvc: 'cvc', invalid_cvc: 'cvc',
  incorrect_zip: 'postalCode',
};

// ---------------------------------------------------------------------------------------------
// payment_method_data

function billingDetailsFrom(values, fieldKeys) {
  const billing = {};
  if (fieldKeys.has('name')) billing.name = values.name.trim();
  if (fieldKeys.has('email')) billing.email = values.email.trim();
  const address = {};
  for (const [key, apiName] of Object.entries(ADDRESS_PARTS)) {
    if (fieldKeys.has(key) && String(values[key] || '').trim()) address[apiName] = values[key].trim();
  }
  if (Object.keys(address).length) billing.address = address;
  return billing;
}

/** The merchant's `billing_details` fill what the element did not ask for. */
function mergeBillingDetails(fromMerchant = {}, collected = {}) {
  const merged = {...fromMerchant, ...collected};
  if (fromMerchant.address || collected.address) merged.address = {...fromMerchant.address, ...collected.address};
  return merged;
}

function methodDetails(method, values, bankAccount) {
  switch (method) {
    case 'card': {
      const {month, year} = parseExpiry(values.expiry);
      return {card: {number: digitsOf(values.number), exp_month: month, exp_year: year, cvc: digitsOf(values.cvc)}};
    }
    case 'sepa_debit':
      return {sepa_debit: {iban: normalizeIban(values.iban)}};
    case 'us_bank_account':
      return {
        us_bank_account: {
          routing_number: bankAccount.routingNumber, account_number: bankAccount.accountNumber,
          account_holder_type: 'individual', account_type: 'checking',
        },
      };
    case 'bacs_debit':
      return {bacs_debit: {sort_code: digitsOf(values.sortCode), account_number: digitsOf(values.accountNumber)}};
    default:
      return {};
  }
}

/**
 * The parameters of POST /v1/{payment,setup}_intents/:id/confirm for what the buyer entered.
 * `entry` is {method, values, fields, bankAccount}; `confirmParams` is the merchant's.
 */
export function confirmRequestParams(entry, clientSecret, confirmParams = {}) {
  const {payment_method_data: fromMerchant = {}, expand = [], ...rest} = confirmParams;
  const fieldKeys = new Set(entry.fields.map((field) => field.key));
  const billing = mergeBillingDetails(fromMerchant.billing_details, billingDetailsFrom(entry.values, fieldKeys));
  const params = {
    ...rest,
    client_secret: clientSecret,
    payment_method_data: {
      ...fromMerchant,
      type: entry.method,
      ...methodDetails(entry.method, entry.values, entry.bankAccount),
      ...(Object.keys(billing).length ? {billing_details: billing} : {}),
    },
    expand: [...new Set(['payment_method', ...expand])],
  };
  if (MANDATE_METHODS.has(entry.method)) {
    params.mandate_data = {customer_acceptance: {type: 'online', online: {infer_from_client: true}}};
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The API's error, with the message in the buyer's language when Stripe.js would translate it. */
export function localizeApiError(error, locale) {
  const messageKey = API_ERROR_MESSAGES[error.decline_code] || API_ERROR_MESSAGES[error.code];
  if (!messageKey || locale === 'en') return error;
  return {...error, message: t(messageKey)};
}

/** The field an API error should be shown under, if any (declines are not shown inline). */
export function fieldOfApiError(error) {
  if (error.type !== 'card_error' && error.type !== 'invalid_request_error') return null;
  const paramName = String(error.param || '').replace(/\]$/, '').split('[').pop();
  return API_ERROR_FIELDS[paramName] || (error.type === 'card_error' && API_ERROR_FIELDS[error.code]) || null;
}
