// Screen text per language (the catalogue, amounts in the language) and the character display's ASCII reduction.
import t from 'tap';
import { asciiOnly, screenText } from './screens.js';
import { vfdLines } from './vfd.js';

t.test('screens speak the language the checkout gives them, English by default', async (t) => {
  const approved = { kind: 'approved', amount: 123456, currency: 'EUR', remaining: 50 } as const;
  t.same(screenText(approved), { headline: 'APPROVED', lines: ['EUR 1,234.56', 'Left EUR 0.50'], tone: 'good' });
  t.same(screenText({ ...approved, lang: 'fr' }), { headline: 'ACCEPTÉ', lines: ['1 234,56 EUR', 'Solde 0,50 EUR'], tone: 'good' });
  t.same(screenText({ ...approved, lang: 'es' }), { headline: 'APROBADO', lines: ['1234,56 EUR', 'Saldo 0,50 EUR'], tone: 'good' });
  t.match(screenText({ kind: 'request', amount: 1000, currency: 'ISK', merchantName: 'Kaffi', qrText: 'X', lang: 'fr' }), { headline: '1 000 ISK', lines: ['Kaffi', 'Scannez pour payer'] });
  t.same(screenText({ kind: 'declined', reason: 'Card blocked', code: 'REVOKED', lang: 'fr' }).lines, ['Carte bloquée', 'REVOKED'], 'decline reasons translated');
  t.same(screenText({ kind: 'declined', reason: 'Card blocked', code: 'REVOKED' }).lines, ['Card blocked', 'REVOKED']);
  t.equal(screenText({ kind: 'already-validated', lang: 'es' }).headline, 'YA VALIDADO');
  t.equal(screenText({ kind: 'approved', amount: 5, currency: 'ZZZ', lang: 'xx' }).headline, 'APPROVED', 'an unknown language is English');
  t.same(screenText({ kind: 'approved', amount: 5, currency: 'ZZZ' }).lines, ['5 ZZZ (minor units)'], 'an unknown currency never throws');
});

t.test('the character display folds accents instead of printing ?', async (t) => {
  t.equal(asciiOnly('Café Lumière'), 'Cafe Lumiere');
  t.equal(asciiOnly('1 234,56 EUR'), '1 234,56 EUR');
  t.equal(asciiOnly('Łódź 漢'), '?odz ?', 'Ł has no decomposition');
  t.same(vfdLines({ kind: 'approved', amount: 450, currency: 'EUR', lang: 'fr' }), ['      ACCEPTE       ', '      4,50 EUR      ']);
});
