// Which fields the Payment Element shows for each method, given the element's options
// (`fields.billingDetails`, `defaultValues`), and how each field is formatted and checked.
// A field: {key, label, hint?, kind?, type?, autocomplete, inputmode?, placeholder(), half?,
// optional?, format?(value, {deleting}), validate(value) -> error key | null, isFilled?, next?}.

import {t} from './frame-common.js';
import {defaultCountry} from './countries.js';
import {
  CARD_POSTAL_CODE_COUNTRIES, IBAN_COUNTRIES_NEEDING_ADDRESS, cardBrand, digitsOf, formatCardNumber,
  formatCvc, formatExpiry, formatIban, formatSortCode, formatUkAccountNumber, ibanCountry,
  validateCardNumber, validateCvc, validateEmail, validateExpiry, validateIban, validateName,
  validatePostalCode, validateRequiredText, validateSortCode, validateUkAccountNumber,
} from './validators.js';

export const SUPPORTED_METHODS = ['card', 'sepa_debit', 'us_bank_account', 'bacs_debit'];

// ---------------------------------------------------------------------------------------------
// `fields.billingDetails`: 'auto' | 'never' | {name, email, phone, address: 'auto' | 'never' | {...}}

function billingOption(options) {
  return options.fields?.billingDetails ?? 'auto';
}

function collectsBilling(options, part) {
  const option = billingOption(options);
  if (option === 'never') return false;
  return typeof option !== 'object' || option[part] !== 'never';
}

function collectsAddress(options, part) {
  if (!collectsBilling(options, 'address')) return false;
  const address = billingOption(options)?.address;
  return !(address && typeof address === 'object' && address[part] === 'never');
}

// ---------------------------------------------------------------------------------------------
// Field definitions

const CARD_NUMBER_FIELD = {
  key: 'number', label: 'field.card_number', autocomplete: 'cc-number', inputmode: 'numeric',
  placeholder: () => '1234 1234 1234 1234', format: formatCardNumber, validate: validateCardNumber,
  isFilled: (value) => digitsOf(value).length >= Math.max(...cardBrand(value).lengths),
  next: 'expiry',
};

function countryField(half = false) {
  return {
    key: 'country', label: 'field.country', autocomplete: 'country', kind: 'select', half,
    validate: validateRequiredText('error.country_required'),
  };
}

function postalCodeField(country, half = false) {
  return {
    key: 'postalCode', label: country === 'US' ? 'field.zip_code' : 'field.postal_code',
    autocomplete: 'postal-code', inputmode: country === 'US' ? 'numeric' : null, half,
    placeholder: () => (country === 'US' ? '12345' : ''),
    validate: (value) => validatePostalCode(value, country),
  };
}

function nameField() {
  return {
    key: 'name', label: 'field.name', autocomplete: 'name', placeholder: () => t('field.name_placeholder'),
    validate: validateName,
  };
}

function emailField() {
  return {key: 'email', label: 'field.email', type: 'email', autocomplete: 'email', validate: validateEmail};
}

function personFields(options) {
  return [
    ...(collectsBilling(options, 'name') ? [nameField()] : []),
    ...(collectsBilling(options, 'email') ? [emailField()] : []),
  ];
}

function addressFields(options, country) {
  const fields = [];
  if (collectsAddress(options, 'country')) fields.push(countryField());
  if (collectsAddress(options, 'line1')) {
    fields.push({
      key: 'addressLine1', label: 'field.address_line1', autocomplete: 'address-line1',
      validate: validateRequiredText('error.address_line1_incomplete'),
    });
  }
  if (collectsAddress(options, 'line2')) {
    fields.push({
      key: 'addressLine2', label: 'field.address_line2', optional: true, autocomplete: 'address-line2',
      validate: () => null,
    });
  }
  if (collectsAddress(options, 'city')) {
    fields.push({
      key: 'locality', label: 'field.city', autocomplete: 'address-level2', half: true,
      validate: validateRequiredText('error.city_incomplete'),
    });
  }
  if (collectsAddress(options, 'postalCode')) fields.push(postalCodeField(country, true));
  return fields;
}

function cardFields(values, options) {
  const fields = [
    CARD_NUMBER_FIELD,
    {
      key: 'expiry', label: 'field.expiry', hint: 'field.expiry_format', autocomplete: 'cc-exp',
      inputmode: 'numeric', placeholder: () => t('field.expiry_format'), half: true,
      format: formatExpiry, validate: (value) => validateExpiry(value),
      isFilled: (value) => digitsOf(value).length === 4, next: 'cvc',
    },
    {
      key: 'cvc', label: 'field.cvc', autocomplete: 'cc-csc', inputmode: 'numeric', half: true,
      placeholder: () => t('field.cvc_placeholder'),
      format: (value) => formatCvc(value, values.number),
      validate: (value) => validateCvc(value, values.number),
    },
  ];
  if (collectsAddress(options, 'country')) fields.push(countryField(true));
  if (collectsAddress(options, 'postalCode') && CARD_POSTAL_CODE_COUNTRIES.has(values.country)) {
    fields.push(postalCodeField(values.country, true));
  }
  return fields;
}

function sepaFields(values, options) {
  const fields = [
    ...personFields(options),
    {
      key: 'iban', label: 'field.iban', autocomplete: 'off', placeholder: () => 'DE00 0000 0000 0000 0000 00',
      format: formatIban, validate: validateIban,
    },
  ];
  if (IBAN_COUNTRIES_NEEDING_ADDRESS.has(ibanCountry(values.iban))) {
    fields.push(...addressFields(options, values.country));
  }
  return fields;
}

function bacsFields(values, options) {
  return [
    {
      key: 'sortCode', label: 'field.sort_code', inputmode: 'numeric', placeholder: () => '10-88-00',
      half: true, format: formatSortCode, validate: validateSortCode,
    },
    {
      key: 'accountNumber', label: 'field.account_number', inputmode: 'numeric', placeholder: () => '00012345',
      half: true, format: formatUkAccountNumber, validate: validateUkAccountNumber,
    },
    ...personFields(options),
    ...(collectsBilling(options, 'address') ? addressFields(options, values.country) : []),
  ];
}

/** The fields shown for `method`, given its current values and the element's options. */
export function fieldsOf(method, values, options) {
  switch (method) {
    case 'card': return cardFields(values, options);
    case 'sepa_debit': return sepaFields(values, options);
    case 'us_bank_account': return personFields(options);
    case 'bacs_debit': return bacsFields(values, options);
    default: return [];
  }
}

/** Empty values for every method, prefilled from `defaultValues.billingDetails`. */
export function initialValues(options, locale) {
  const billing = options.defaultValues?.billingDetails || {};
  const address = billing.address || {};
  const country = address.country || defaultCountry(locale);
  const person = {name: billing.name || '', email: billing.email || ''};
  const postal = {
    country, addressLine1: address.line1 || '', addressLine2: address.line2 || '',
    locality: address.city || '', postalCode: address.postal_code || '',
  };
  return {
    card: {number: '', expiry: '', cvc: '', country, postalCode: address.postal_code || ''},
    sepa_debit: {...person, iban: '', ...postal},
    us_bank_account: {...person},
    bacs_debit: {...person, sortCode: '', accountNumber: '', ...postal, country: address.country || 'GB'},
  };
}
