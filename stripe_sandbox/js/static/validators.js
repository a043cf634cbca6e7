// Formatting and validation of payment details, returning the locale keys of error messages.
// Pure functions: no DOM, no state.

export const digitsOf = (value) => String(value || '').replace(/\D/g, '');

// ---------------------------------------------------------------------------------------------
// Cards

const CARD_BRANDS = [
  {brand: 'amex', label: 'American Express', pattern: /^3[47]/, lengths: [15], cvc: 4, groups: [4, 6, 5]},
  {brand: 'diners', label: 'Diners Club', pattern: /^3(0[0-5]|[689])/, lengths: [14, 16], cvc: 3, groups: [4, 6, 4]},
  {brand: 'discover', label: 'Discover', pattern: /^(6011|65|64[4-9])/, lengths: [16], cvc: 3},
  {brand: 'jcb', label: 'JCB', pattern: /^35/, lengths: [16], cvc: 3},
  {brand: 'unionpay', label: 'UnionPay', pattern: /^62/, lengths: [16, 17, 18, 19], cvc: 3},
  {brand: 'mastercard', label: 'Mastercard', pattern: /^(5[1-5]|2[2-7])/, lengths: [16], cvc: 3},
  {brand: 'visa', label: 'Visa', pattern: /^4/, lengths: [16], cvc: 3},
];
const UNKNOWN_BRAND = {brand: 'unknown', label: '', lengths: [16], cvc: 3};

export function cardBrand(number) {
  const digits = digitsOf(number);
  return CARD_BRANDS.find((entry) => entry.pattern.test(digits)) || UNKNOWN_BRAND;
}

function passesLuhn(digits) {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function formatCardNumber(value) {
  const brand = cardBrand(value);
  const digits = digitsOf(value).slice(0, Math.max(...brand.lengths));
  const groups = brand.groups || [4, 4, 4, 4, 3];
  const parts = [];
  let start = 0;
  for (const size of groups) {
    if (start >= digits.length) break;
    parts.push(digits.slice(start, start + size));
    start += size;
  }
  return parts.join(' ');
}

export function validateCardNumber(value) {
  const digits = digitsOf(value);
  const brand = cardBrand(digits);
  if (!digits) return 'error.number_incomplete';
  if (digits.length < Math.min(...brand.lengths)) return 'error.number_incomplete';
  if (!brand.lengths.includes(digits.length) && digits.length < Math.max(...brand.lengths)) {
    return 'error.number_incomplete';
  }
  return passesLuhn(digits) ? null : 'error.number_invalid';
}

/** Digits typed into the expiry field become 'MM / YY'; a leading 2-9 means month 02-09. */
export function formatExpiry(value, {deleting = false} = {}) {
  let digits = digitsOf(value);
  if (digits.length === 1 && Number(digits) > 1) digits = `0${digits}`;
  digits = digits.slice(0, 4);
  if (digits.length < 2) return digits;
  if (digits.length === 2) return deleting ? digits : `${digits} / `;
  return `${digits.slice(0, 2)} / ${digits.slice(2)}`;
}

export function parseExpiry(value) {
  const digits = digitsOf(value);
  return {month: Number(digits.slice(0, 2)), year: 2000 + Number(digits.slice(2, 4))};
}

export function validateExpiry(value, today = new Date()) {
  const digits = digitsOf(value);
  if (digits.length < 4) return 'error.expiry_incomplete';
  const {month, year} = parseExpiry(value);
  if (month < 1 || month > 12) return 'error.expiry_month_invalid';
  const thisYear = today.getFullYear();
  const thisMonth = today.getMonth() + 1;
  if (year < thisYear || (year === thisYear && month < thisMonth)) return 'error.expiry_past';
  if (year > thisYear + 50) return 'error.expiry_year_invalid';
  return null;
}

export function formatCvc(value, number) {
  return digitsOf(value).slice(0, cardBrand(number).cvc);
}

export function validateCvc(value, number) {
  return digitsOf(value).length < cardBrand(number).cvc ? 'error.cvc_incomplete' : null;
}

// ---------------------------------------------------------------------------------------------
// Postal codes

/** Countries for which the card form asks for a postal code, as Stripe's does. */
export const CARD_POSTAL_CODE_COUNTRIES = new Set(['US', 'CA', 'GB']);

export function validatePostalCode(value, country) {
  const trimmed = String(value || '').trim();
  if (country === 'US') return /^\d{5}(-?\d{4})?$/.test(trimmed) ? null : 'error.zip_incomplete';
  return trimmed.length >= 3 ? null : 'error.postal_incomplete';
}

// ---------------------------------------------------------------------------------------------
// IBAN (SEPA)

const IBAN_LENGTHS = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24,
  FI: 18, FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21,
  LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24,
  SI: 19, SK: 24, SM: 27, VA: 22,
};

/** SEPA countries outside the EEA: their IBANs need the payer's billing address. */
export const IBAN_COUNTRIES_NEEDING_ADDRESS = new Set(['AD', 'CH', 'GB', 'GI', 'MC', 'SM', 'VA']);

export const normalizeIban = (value) => String(value || '').replace(/[^0-9a-z]/gi, '').toUpperCase();

export function ibanCountry(value) {
  const normalized = normalizeIban(value);
  return /^[A-Z]{2}/.test(normalized) ? normalized.slice(0, 2) : '';
}

export function formatIban(value) {
  const normalized = normalizeIban(value).slice(0, 34);
  return normalized.replace(/(.{4})(?=.)/g, '$1 ');
}

function ibanChecksumHolds(iban) {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = /[A-Z]/.test(character) ? String(character.charCodeAt(0) - 55) : character;
    for (const digit of code) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

export function validateIban(value) {
  const iban = normalizeIban(value);
  const expectedLength = IBAN_LENGTHS[iban.slice(0, 2)];
  if (iban.length < 5) return 'error.iban_incomplete';
  if (!expectedLength) return 'error.iban_invalid';
  if (iban.length < expectedLength) return 'error.iban_incomplete';
  if (iban.length > expectedLength || !ibanChecksumHolds(iban)) return 'error.iban_invalid';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Bacs (UK) and ACH (US) bank details

export function formatSortCode(value) {
  const digits = digitsOf(value).slice(0, 6);
  return digits.replace(/(\d{2})(?=\d)/g, '$1-');
}

export const validateSortCode = (value) => (digitsOf(value).length === 6 ? null : 'error.sort_code_incomplete');

export const formatUkAccountNumber = (value) => digitsOf(value).slice(0, 8);

export const validateUkAccountNumber = (value) =>
  digitsOf(value).length === 8 ? null : 'error.account_number_incomplete';

/** ABA routing numbers: nine digits with a 3-7-1 weighted checksum. */
export function isValidRoutingNumber(value) {
  const digits = digitsOf(value);
  if (digits.length !== 9 || digits !== String(value).trim()) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = weights.reduce((total, weight, index) => total + weight * Number(digits[index]), 0);
  return sum % 10 === 0;
}

export const isValidUsAccountNumber = (value) => /^\d{4,17}$/.test(String(value).trim());

// ---------------------------------------------------------------------------------------------
// People

export const validateName = (value) => (String(value || '').trim() ? null : 'error.name_incomplete');

export function validateEmail(value) {
  const trimmed = String(value || '').trim();
  if (!trimmed) return 'error.email_incomplete';
  return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(trimmed) ? null : 'error.email_invalid';
}

export const validateRequiredText = (errorKey) => (value) => (String(value || '').trim() ? null : errorKey);
