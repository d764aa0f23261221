// Public surface of the CLI: the program factory with its injectable dependencies.
export * from './program.js';
export { money } from './format.js';
