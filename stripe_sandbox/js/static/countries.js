// Country choices for address fields, named in the frame's locale by the browser's Intl data.

const COUNTRY_CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT ' +
  'BV BW BY BZ CA CD CF CG CH CI CK CL CM CN CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
  'ET FI FJ FK FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HN HR HT HU ID IE ' +
  'IL IM IN IO IQ IS IT JE JM JO JP KE KG KH KI KM KN KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MK ML MM MN MO MQ MR MS MT MU MV MW MX MY MZ NA NC NE NG NI NL NO NP NR NU NZ ' +
  'OM PA PE PF PG PH PK PL PM PN PR PS PT PY QA RE RO RS RU RW SA SB SC SE SG SH SI SJ SK SL SM SN ' +
  'SO SR SS ST SV SX SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE ' +
  'VG VN VU WF WS XK YE YT ZA ZM ZW'
).split(' ');

const LANGUAGE_COUNTRIES = {sv: 'SE', de: 'DE', fr: 'FR', es: 'ES', nl: 'NL', en: 'US', da: 'DK', fi: 'FI', nb: 'NO', it: 'IT', pl: 'PL', pt: 'PT'};

/** [{code, name}] sorted by name in `locale`. */
export function countryOptions(locale) {
  let names;
  try {
    names = new Intl.DisplayNames([locale, 'en'], {type: 'region'});
  } catch {
    names = {of: (code) => code};
  }
  const collator = new Intl.Collator(locale);
  return COUNTRY_CODES.map((code) => ({code, name: names.of(code) || code})).sort((a, b) =>
    collator.compare(a.name, b.name),
  );
}

/** A country's name in `locale` ('GB' -> 'United Kingdom'), or the code if unknown. */
export function countryName(code, locale) {
  try {
    return new Intl.DisplayNames([locale, 'en'], {type: 'region'}).of(code) || code;
  } catch {
    return code;
  }
}

export const isKnownCountry = (code) => COUNTRY_CODES.includes(code);

/** A default billing country (Stripe uses the buyer's IP): the locale's region or language,
 * else the browser's region, else the US. */
export function defaultCountry(locale) {
  const [language, region] = String(locale || 'en').split(/[-_]/);
  if (region && isKnownCountry(region.toUpperCase())) return region.toUpperCase();
  if (language !== 'en' && LANGUAGE_COUNTRIES[language]) return LANGUAGE_COUNTRIES[language];
  for (const tag of navigator.languages || []) {
    const browserRegion = String(tag).split(/[-_]/)[1];
    if (browserRegion && isKnownCountry(browserRegion.toUpperCase())) return browserRegion.toUpperCase();
  }
  return 'US';
}
