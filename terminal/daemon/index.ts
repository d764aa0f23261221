// Public surface of the daemon.
export * from './daemon.js';
export { loadConfigValidator, driverDeviceFactory, type ConfigValidator } from './driver-devices.js';
