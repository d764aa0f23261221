// Public surface of provisioning/: the `tessera provision` commands and their injectable seams.
export { registerProvisionCommands, addProvisionSubcommands } from './commands.js';
export { provisionDeps, driverDevices, fromDriverList, daemonConfigValidator, brokerProbe, defaultProbes, passwdUser, runProgram, processIO, type DriverFactories } from './defaults.js';
export { brokerUrlProblem, mergeConfig, readConfig, terminalSection, type TerminalSection } from './config.js';
export { writeFileAtomic } from './atomic.js';
export { DEFAULT_CONFIG, DEFAULT_STATE_DIR, STATE_FILES, IDENTITY_FIELDS } from './paths.js';
export { BUNDLE_FORMAT, parseBundle, type TrustBundle } from './steps/install.js';
export type { CheckItem, CheckStatus } from './steps/check.js';
export * from './types.js';
