// The config's optional location: validated by the schema, and whatever it accepts the status message carries.
import t from 'tap';
import { MAX_LOCATION_LABEL, parseLocation } from '#protocol';
import { parseConfig } from './config.js';

t.test('a location in the config: degrees in range, a bounded printable label', async (t) => {
  t.equal(parseConfig({}).location, undefined, 'optional: absent by default');
  const stall = { lat: 48.8606, lon: 2.3376, label: 'Market square, stall 4' };
  t.same(parseConfig({ location: stall }).location, stall);
  t.same(parseConfig({ location: { lat: -33.9, lon: 151.2 } }).location, { lat: -33.9, lon: 151.2 }, 'the label is optional');
  const bad: [unknown, string][] = [
    [{ lat: 90.1, lon: 0 }, 'location.lat'],
    [{ lat: 0, lon: 181 }, 'location.lon'],
    [{ lat: '48', lon: 2 }, 'location.lat'],
    [{ lat: 0, lon: 0, label: 'a\tb' }, 'location.label'],
    [{ lat: 0, lon: 0, label: '' }, 'location.label'],
    [{ lat: 0, lon: 0, where: 'x' }, 'location'],
  ];
  for (const [location, path] of bad) t.throws(() => parseConfig({ location }), { code: 'CONFIG_INVALID', details: { path } }, JSON.stringify(location));
});

t.test('every label the config accepts fits the status message, and one more character does not', async (t) => {
  const longest = 'é'.repeat(MAX_LOCATION_LABEL);
  const accepted = parseConfig({ location: { lat: 1, lon: 2, label: longest } }).location;
  t.same(parseLocation(accepted), { lat: 1, lon: 2, label: longest }, 'the status parser takes what the config took');
  t.throws(() => parseConfig({ location: { lat: 1, lon: 2, label: `${longest}x` } }), { code: 'CONFIG_INVALID', details: { path: 'location.label' } });
  t.equal(parseLocation({ lat: 1, lon: 2, label: `${longest}x` }), undefined, 'the same bound on the wire');
});
