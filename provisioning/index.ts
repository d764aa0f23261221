// Public surface of provisioning/: the `tessera provision` commands and their injectable seams.
export { registerProvisionCommands, addProvisionSubcommands } from './commands.js';
export { provisionDeps, scanDevices, brokerProbe, defaultProbes, passwdUser, runProgram, processIO } from './defaults.js';
export { minimalValidateConfig, brokerUrlProblem, mergeConfig, readConfig } from './config.js';
export { writeFileAtomic } from './atomic.js';
export { DEFAULT_CONFIG, DEFAULT_STATE_DIR, STATE_FILES } from './paths.js';
export { BUNDLE_FORMAT, parseBundle, type TrustBundle } from './steps/install.js';
export type { CheckItem, CheckStatus } from './steps/check.js';
export * from './types.js';
