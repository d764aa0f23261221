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

export { encodeReceipt, PrinterProfileSchema, profileColumns, profileDots, pair, type Receipt, type PrinterProfile } from './printer/receipt.js';
export { encodeDocument, encodeReport, isReport, type Printable, type ReportRow, type ReportSlip } from './printer/report.js';
export { parseStatus, statusBytes, refusal, DLE_EOT, type PrinterStatus } from './printer/status.js';
export { TcpPrinterTransport, SerialPrinterTransport, FilePrinterTransport, type PrinterTransport, type PrinterSession } from './printer/transport.js';
export { EscPosPrinter, type EscPosPrinterOptions, type PrinterDriver, type PrinterHandle, type PrintOutcome, type PendingJob } from './printer/printer.js';
export { renderEscPos, type RenderedReceipt } from './printer/render.js';
export { PrinterEmulatorCore, TcpPrinterEmulator, PtyPrinterEmulator } from './printer/emulator.js';

export * from './display/screens.js';
export { readFbGeometry, packPixels, unpackPixels, type FbGeometry } from './display/fb-geometry.js';
export { layoutScreen } from './display/layout.js';
export { FramebufferDisplay, type FramebufferOptions } from './display/fb.js';
export { createFramebufferEmulator, renderFramebufferPng, type EmulatedFramebuffer } from './display/fb-emulator.js';
export { VfdDisplay, vfdLines, vfdBytes, interpretVfd, openVfdSerial, VFD_COLUMNS, type VfdOptions, type VfdPort, type OpenVfdPort } from './display/vfd.js';
export { PtyVfdEmulator } from './display/vfd-emulator.js';
export { ConsoleDisplay, renderConsoleScreen, qrHalfBlocks } from './display/console.js';
export { RecordingDisplay } from './display/recording.js';
export { EmulatorPrinterTransport } from './printer/emulator.js';
export { listDevices, formatDevicesTable, type DeviceList, type DeviceSeams, type SerialPortInfo, type HidDeviceInfo } from './devices.js';
export {
  ScannerConfigSchema,
  PrinterConfigSchema,
  DisplayConfigSchema,
  createScanner,
  createPrinter,
  createDisplay,
  type ScannerConfig,
  type PrinterConfig,
  type DisplayConfig,
  type DriverDeps,
} from './config.js';
