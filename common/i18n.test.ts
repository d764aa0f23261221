// The message catalogue (every language has every key), reason texts, and receipt dates in the merchant's zone and language.
import t from 'tap';
import { LANGUAGES, formatDateTime, isLanguage, isTimeZone, message, reasonText } from './i18n.js';

const AT = Date.UTC(2026, 10, 27, 14, 3, 9);

t.test('every language has every message, and fills placeholders', async (t) => {
  for (const lang of LANGUAGES) {
    for (const key of ['ready', 'scanToPay', 'approved', 'declined', 'left', 'amount', 'signedReceipt', 'copy'] as const) t.ok(message(lang, key).length > 0, `${lang}.${key}`);
    t.notMatch(message(lang, 'left', { amount: 'X' }), /\{amount\}/, `${lang}: placeholder filled`);
  }
  t.equal(message('fr', 'scanToPay'), 'Scannez pour payer');
  t.equal(message('es', 'fare', { amount: '1,80 EUR' }), 'Tarifa 1,80 EUR');
  t.equal(message('de', 'ready'), 'Ready', 'an unknown language falls back to English');
  t.equal(reasonText('fr', 'REVOKED', 'Card blocked'), 'Carte bloquée');
  t.equal(reasonText('en', 'REVOKED', 'Card blocked'), 'Card blocked');
  t.equal(reasonText('fr', 'SOMETHING_NEW', 'New'), 'New', 'an untranslated reason keeps its English text');
  t.ok(isLanguage('es'));
  t.notOk(isLanguage('de'));
});

t.test('dates in the merchant\'s time zone and language, with the zone named', async (t) => {
  t.equal(formatDateTime(AT), '2026-11-27 14:03:09 UTC');
  t.equal(formatDateTime(AT, 'en', 'Europe/Paris'), '2026-11-27 15:03:09 CET');
  t.equal(formatDateTime(AT, 'fr', 'Europe/Paris'), '27/11/2026 15:03:09 UTC+1');
  t.equal(formatDateTime(AT, 'fr', 'America/Montreal'), '27/11/2026 09:03:09 UTC-5', 'ASCII minus, printable everywhere');
  t.equal(formatDateTime(Date.UTC(2026, 6, 1, 12), 'es', 'Europe/Madrid'), '01/07/2026 14:00:00 CEST', 'summer time');
  t.ok(isTimeZone('Europe/Paris'));
  t.notOk(isTimeZone('Mars/Olympus_Mons'));
});
