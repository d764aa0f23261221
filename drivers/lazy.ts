// Heavy third-party modules loaded on first use, so a daemon pays at start only for the devices its config names.
import { createRequire } from 'node:module';
import type { SerialPort as SerialPortClass } from 'serialport';
import type ReceiptPrinterEncoderClass from '@point-of-sale/receipt-printer-encoder';

// serialport (~150 ms to import here) and the receipt encoder (~65 ms) ship CommonJS builds, so a
// synchronous require keeps every call site as it was.
const require = createRequire(import.meta.url);

let serialPortClass: typeof SerialPortClass | undefined;
let encoderClass: typeof ReceiptPrinterEncoderClass | undefined;

export function serialPort(): typeof SerialPortClass {
  return (serialPortClass ??= (require('serialport') as { SerialPort: typeof SerialPortClass }).SerialPort);
}

export function receiptPrinterEncoder(): typeof ReceiptPrinterEncoderClass {
  if (!encoderClass) {
    const m = require('@point-of-sale/receipt-printer-encoder') as typeof ReceiptPrinterEncoderClass | { default: typeof ReceiptPrinterEncoderClass };
    encoderClass = 'default' in m ? m.default : m;
  }
  return encoderClass;
}
