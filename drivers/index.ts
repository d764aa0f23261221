// Public surface of drivers/: scanners, printers, displays, their emulators, device listing and config factories.
export * from './events.js';
export * from './backoff.js';
export { Canvas, qrMatrix, moduleSizeFor, QR_QUIET_MODULES, type Rgb } from './canvas.js';
export { startPtyPair, type PtyPair } from './pty.js';

export * from './scanner/types.js';
export { SerialScanner, openSerialPort, type SerialScannerOptions, type SerialFraming, type SerialLike, type OpenSerial } from './scanner/serial.js';
export { HidScanner, type HidScannerOptions } from './scanner/hid.js';
export { nodeHidTransport, EmulatedHidTransport, type HidTransport, type HidConnection, type HidTarget } from './scanner/hid-transport.js';
export { KeyboardReportDecoder, keyboardReportsFor, decodePosReport, posReportsFor, HID_POS } from './scanner/hid-decode.js';
export { LAYOUTS, keyFor, type Layout } from './scanner/keymap.js';
export { EmulatedScanner, EmulatedScannerHandle, type EmulatedScannerOptions } from './scanner/emulated.js';
export { SerialScannerEmulator } from './scanner/emulator.js';
