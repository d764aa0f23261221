import t from 'tap';
import { TesseraError, isTesseraError, errorMessage } from './errors.js';

t.test('TesseraError carries a stable code and serialises without the stack', async (t) => {
  const e = new TesseraError('SCANNER_DISCONNECTED', 'scanner /dev/ttyACM0 vanished', { details: { path: '/dev/ttyACM0' } });
  t.ok(isTesseraError(e, 'SCANNER_DISCONNECTED'));
  t.notOk(isTesseraError(e, 'PRINTER_ERROR'));
  t.same(JSON.parse(JSON.stringify(e)), { code: 'SCANNER_DISCONNECTED', message: 'scanner /dev/ttyACM0 vanished', details: { path: '/dev/ttyACM0' } });
  t.equal(errorMessage(e), 'scanner /dev/ttyACM0 vanished');
  t.equal(errorMessage('plain'), 'plain');
});
