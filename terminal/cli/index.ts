// Public surface of the CLI: the program factory with its injectable dependencies.
export * from './program.js';
export { parseAmount, money } from './format.js';
